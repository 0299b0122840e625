import Foundation

/// The rhythm of a cardiac arrest, as the monitor shows it.
public enum ArrestRhythm: String, Sendable, Hashable, Codable, CaseIterable {
    /// Ventricular fibrillation.
    case vf
    /// Pulseless ventricular tachycardia.
    case pvt
    /// Pulseless electrical activity: an organised rhythm without a pulse.
    case pea
    case asystole

    /// VF and pulseless VT are shocked; PEA and asystole are not.
    public var shockable: Bool { self == .vf || self == .pvt }

    /// What the monitor shows, in a clinician's words.
    public var name: String {
        switch self {
        case .vf: "ventricular fibrillation"
        case .pvt: "pulseless ventricular tachycardia"
        case .pea: "pulseless electrical activity"
        case .asystole: "asystole"
        }
    }
}

/// A fixture's course can arrest and the arrest can be worked: CPR,
/// defibrillation, adrenaline, amiodarone, the airway and the treatment of
/// the cause. Without a plan an arrest is death, as in simulation 4 (the
/// three curated fixtures, whose recorded traces must re-execute unchanged).
public struct ArrestPlan: Sendable, Hashable, Codable {
    /// The rhythm when the course itself arrests (progress reaches
    /// `death_at_progress`); arrests from the body's state (potassium,
    /// hypoxaemia, collapse) take the rhythm their cause gives (``CardiacArrest``).
    public var rhythm: ArrestRhythm
    /// Actions that treat the course's own cause (decompression for a
    /// tension pneumothorax, calcium for hyperkalaemia, blood for a bleed).
    public var reversedBy: [String]
    /// Why this rhythm and these treatments, in a clinician's words.
    public var note: String?
    public var source: Citation
    /// The chance a rhythm check finds a pulse once the course's cause is
    /// treated, where the cause's reversal restores the circulation at once
    /// (a decompressed tension pneumothorax: within about a minute, GENERIC-RULES
    /// §4.3); nil: the rhythm's base chance.
    public var roscWhenTreated: Double? = nil
}

/// A cardiac arrest in progress.
public struct ArrestState: Sendable, Hashable, Codable {
    /// The minute the pulse was lost.
    public var startMinute: Int
    public var rhythm: ArrestRhythm
    public var cause: ArrestCause
    /// Actions that treat this arrest's cause (any one of them).
    public var reversedBy: [String]
    /// One of `reversedBy` was done during the arrest (or the cause is a
    /// rhythm a shock treats and a shock was given).
    public var causeTreated: Bool
    /// Chest compressions under way (from the first `cpr` until the pulse returns).
    public var compressing: Bool
    /// Minutes without compressions (no flow) and with them (low flow).
    public var noFlowMin: Int
    public var lowFlowMin: Int
    /// Shocks given since the last rhythm check, and in all.
    public var shocksSinceCheck: Int
    public var shocks: Int
    /// The last minute adrenaline 1 mg was given, and how many doses.
    public var lastAdrenalineMinute: Int?
    public var adrenalineDoses: Int
    public var amiodarone: Bool
    /// Rhythm checks so far.
    public var checks: Int
}

/// An arrest that ended in return of spontaneous circulation.
public struct Resuscitation: Sendable, Hashable, Codable {
    public var arrestMinute: Int
    public var roscMinute: Int
    public var rhythm: ArrestRhythm
    public var cause: String
    public var noFlowMin: Int
    public var lowFlowMin: Int
    /// Treatment caused the arrest.
    public var iatrogenic: Bool
}

/// The resuscitation rules every fixture with an ``ArrestPlan`` shares
/// (GENERIC-RULES §4; AHA 2025 / ERC 2025 adult ALS, read through the 2020/2021
/// algorithms and secondary summaries: `verified: false`).
///
/// - **Rhythm by cause** (§4.3): hyperkalaemia ≥ 8 gives a sine-wave PEA,
///   6.5–8 ventricular fibrillation; hypoxaemia, acidaemia, hypoglycaemia and
///   circulatory collapse PEA; a rate above 220 VF; a rate below 25 asystole;
///   the course's own arrest the plan's rhythm.
/// - **Return of circulation** is decided only at a rhythm check (the end of
///   each 2-minute `cpr` cycle), by one keyed draw per minute (common random
///   numbers): P = base × adrenaline × amiodarone × cause × e^(−0.10·no-flow) × e^(−0.03·low-flow).
///   Base per check: VF/pVT 0.35 when a shock was given since the last check,
///   0.02 without; PEA 0.15; asystole 0.04 [calib: cumulative ROSC over the
///   first 20 minutes ≈ 70 % VF shocked early, ≈ 45 % PEA with the cause
///   treated, ≈ 15 % asystole, against CARES 2023 admitted-alive 47 / 34 / 15 %
///   and IHCA ROSC 47 % in Donnino BMJ 2014].
///   Adrenaline in the last 5 minutes ×1.3 in a non-shockable rhythm (Donnino
///   2014: survival falls with every minute to the first dose), ×1.1 in VF;
///   amiodarone after the third shock ×1.2 in VF. A cause that is not treated
///   ×0.03 (§4.4: P(ROSC) ≤ 5 % when the haemorrhage, tamponade or potassium
///   is left). Survival falls 7–10 % a minute without CPR and 3–4 % with it
///   (§4.4): the two exponentials.
/// - **Death** is declared after 10 minutes without compressions (no-flow
///   beyond 10–12 min: survival < 1 %, Resuscitation 2017;111:74) or after 40
///   minutes of arrest without return of circulation (non-shockable
///   24–34 min, shockable 55–62 min for < 1 % favourable outcome, SJTREM 2022).
/// - **After return of circulation** the stunned heart and brain carry a
///   lasting offset (SBP −20, DBP −10, GCS −1 per 2 minutes of arrest, at
///   most −10) [calib]; the course resumes where the arrest found it, just
///   short of death, so an untreated cause re-arrests within minutes.
public enum CardiacArrest {
    /// Minutes without compressions after which death is declared.
    public static let noFlowLimitMin = 10
    /// Minutes of arrest without return of circulation after which death is declared.
    public static let arrestLimitMin = 40

    /// The rhythm an arrest from the body's state takes, from its cause text (``ArrestRules``).
    static func rhythm(forHazard text: String, potassium: Double?) -> ArrestRhythm {
        if text.hasPrefix("asystole") { return .asystole }
        if text.hasPrefix("ventricular fibrillation") { return .vf }
        if text.hasPrefix("hyperkalaemic") { return (potassium ?? 8) >= 8 ? .pea : .vf }
        if text.hasPrefix("hypokalaemic") { return .vf }
        return .pea
    }

    /// The actions that treat an arrest from the body's state (§4.1 item 5, §4.3).
    static func reversal(forHazard text: String, plan: ArrestPlan) -> [String] {
        if text.hasPrefix("hyperkalaemic") { return ["calcium_chloride"] }
        if text.hasPrefix("hypokalaemic") { return ["potassium_replacement"] }
        if text.hasPrefix("hypoxaemic") { return ["intubation", "bag_valve_mask"] }
        if text.hasPrefix("acidaemic") { return ["sodium_bicarbonate", "intubation"] }
        if text.hasPrefix("hypoglycaemic") { return ["dextrose"] }
        if text.hasPrefix("ventricular fibrillation") { return ["defibrillation"] }
        return plan.reversedBy
    }

    /// The chance that this rhythm check finds a pulse.
    static func roscProbability(_ arrest: ArrestState, minute: Int, whenTreated: Double? = nil) -> Double {
        var p: Double
        switch arrest.rhythm {
        case .vf, .pvt: p = arrest.shocksSinceCheck > 0 ? 0.35 : 0.02
        case .pea: p = 0.15
        case .asystole: p = 0.04
        }
        if arrest.causeTreated, let treated = whenTreated { p = max(p, treated) }
        if let last = arrest.lastAdrenalineMinute, minute - last <= 5 {
            p *= arrest.rhythm.shockable ? 1.1 : 1.3
        }
        if arrest.amiodarone, arrest.shocks >= 3, arrest.rhythm.shockable { p *= 1.2 }
        if !arrest.causeTreated { p *= 0.03 }
        p *= exp(-0.10 * Double(arrest.noFlowMin)) * exp(-0.03 * Double(arrest.lowFlowMin))
        return min(p, 0.9)
    }

    /// The lasting offset the stunned heart and brain carry after return of circulation.
    static func postArrestOffset(minutesOfArrest: Int) -> VitalsOffset {
        VitalsOffset(["sbp": -20, "dbp": -10, "gcs": -min(Double(minutesOfArrest) / 2, 10)])
    }
}
