import Foundation

/// How one medication acts over time, from the catalog's `pk` entry.
///
/// Each dose's activity rises linearly to 1 at `peak_min`, then decays with
/// `half_life_min` (a bolus) or stays at 1 (an infusion step, which runs
/// until the episode ends). Doses of one class share a saturating response;
/// active doses beyond `ceiling` add only `toxicity`.
public struct DrugProfile: Sendable, Hashable, Codable {
    /// Drugs of one class share one saturating response (all β-blockers).
    public var drugClass: String
    /// Minutes from the dose to its full effect.
    public var peakMin: Double
    /// Half-life of the effect after the peak; absent for infusions and
    /// effects that outlast the episode.
    public var halfLifeMin: Double?
    /// An infusion step: the effect holds once reached.
    public var infusion: Bool?
    /// An infusion that runs this long, then stops (a bag of potassium): the
    /// effect holds from the peak to the end, then is gone.
    public var durationMin: Double?
    /// Sodium in the infusate, mmol/L (0.9 % saline 154, 0.45 % 77, 3 % 513):
    /// each dose moves serum sodium by Adrogué–Madias.
    public var sodiumMmolPerL: Double?
    /// Multiplier on any bleeding's pace at full activity (anticoagulants,
    /// antiplatelets, fibrinolytics, NSAIDs: GENERIC-RULES §2C) [calib].
    public var bleedingMultiplier: Double?
    /// Most active doses the label allows (its maximum dose); beyond it a
    /// dose adds only harm.
    public var ceiling: Double?
    /// Effect on vitals per active dose above the ceiling.
    public var toxicity: VitalsOffset?
    /// Volume given per dose, mL per kg of body weight (fluids and blood).
    public var volumeMlPerKg: Double?
    /// Effects on hidden laboratory values.
    public var labs: [LabEffect]?
    /// The label or guideline the time course and ceiling come from.
    public var source: Citation

    enum CodingKeys: String, CodingKey {
        case drugClass = "drug_class", peakMin = "peak_min", halfLifeMin = "half_life_min", infusion, ceiling, toxicity
        case volumeMlPerKg = "volume_ml_per_kg", labs, source, durationMin = "duration_min", sodiumMmolPerL = "sodium_mmol_per_l"
        case bleedingMultiplier = "bleeding_multiplier"
    }

    /// Activity of one dose `elapsed` minutes after it was given, 0…1.
    public func activity(after elapsed: Double) -> Double {
        if elapsed < 0 { return 0 }
        if let duration = durationMin, elapsed >= duration { return 0 }
        if elapsed < peakMin { return elapsed / peakMin }
        guard infusion != true, let halfLife = halfLifeMin else { return 1 }
        return exp(-0.693_147_180_56 * (elapsed - peakMin) / halfLife)
    }
}

/// A medication's effect on one laboratory value of ``Chemistry``.
public struct LabEffect: Sendable, Hashable, Codable {
    public var lab: String
    /// Change when the dose is given (a dextrose push, a unit of red cells).
    public var perDose: Double?
    /// Change per hour at full activity (insulin driving potassium into
    /// cells), weighted by the dose's activity minute by minute.
    public var perHour: Double?

    enum CodingKeys: String, CodingKey {
        case lab, perDose = "per_dose", perHour = "per_hour"
    }
}

/// One dose given: when, and the effect on vitals it was given with (the
/// catalog's generic effect, or the fixture's modifier for this patient).
public struct Dose: Sendable, Hashable, Codable {
    public var action: String
    public var minute: Int
    /// Effect at full activity, before class saturation.
    public var effect: VitalsOffset
    /// Multiplier on the disease's progression rate at full activity.
    public var rateMultiplier: Double?
    /// Addition to the progression rate at full activity.
    public var rateAdd: Double?
    /// The catalog's profile and the effect as vectors, looked up once when
    /// the dose is given (not part of the dose's value: never encoded or compared).
    var resolved: ResolvedDose?

    enum CodingKeys: String, CodingKey { case action, minute, effect, rateMultiplier, rateAdd }

    public init(
        action: String, minute: Int, effect: VitalsOffset, rateMultiplier: Double?, rateAdd: Double?,
        catalog: ActionCatalog? = nil
    ) {
        self.action = action
        self.minute = minute
        self.effect = effect
        self.rateMultiplier = rateMultiplier
        self.rateAdd = rateAdd
        self.resolved = catalog.map { ResolvedDose(action: action, effect: effect, catalog: $0) }
    }

    /// The resolution, looked up now if the dose was decoded rather than given.
    func resolution(_ catalog: ActionCatalog) -> ResolvedDose {
        resolved ?? ResolvedDose(action: action, effect: effect, catalog: catalog)
    }

    public static func == (a: Dose, b: Dose) -> Bool {
        a.action == b.action && a.minute == b.minute && a.effect == b.effect && a.rateMultiplier == b.rateMultiplier
            && a.rateAdd == b.rateAdd
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(action)
        hasher.combine(minute)
        hasher.combine(effect)
        hasher.combine(rateMultiplier)
        hasher.combine(rateAdd)
    }
}

/// A dose's catalog profile and its effects as vectors, shared by copies of
/// the dose so the per-minute loop looks nothing up by name.
final class ResolvedDose: Sendable {
    let action: String
    let profile: DrugProfile?
    let effect: Vitals
    let toxicity: Vitals?
    let labs: [LabEffect]
    /// The action's position in the catalog (-1 outside it): the drug's key in the per-minute sums.
    let actionKey: Int
    /// The first catalog position of a drug of the same class: the class's key.
    let classKey: Int
    let isBenzodiazepine: Bool
    let isOpioid: Bool
    let isBetaBlocker: Bool
    let isVasopressor: Bool
    let isVasodilator: Bool
    let bleeding: Double?
    /// The profile's per-hour lab rates, by position.
    let labRates: [(lab: ChemistryLab, perHour: Double)]
    /// The drug class's name ("" outside the catalog's drugs).
    let className: String
    /// The profile's time course and volume, copied out for the per-minute loop.
    let peakMin: Double
    let halfLifeMin: Double?
    let holds: Bool
    let durationMin: Double?
    let ceiling: Double?
    let volumeMlPerKg: Double
    /// Whether the action has a catalog drug profile.
    let isDrug: Bool

    init(action: String, effect: VitalsOffset, catalog: ActionCatalog) {
        let profile = catalog[action]?.pk
        self.action = action
        self.profile = profile
        self.effect = Vitals(effect)
        self.toxicity = profile?.toxicity.map(Vitals.init)
        self.labs = profile?.labs ?? []
        let key = catalog.index(of: action) ?? -1
        self.actionKey = key
        self.classKey = profile.flatMap { profile in catalog.actions.firstIndex { $0.pk?.drugClass == profile.drugClass } } ?? key
        self.isBenzodiazepine = profile?.drugClass == "benzodiazepine"
        self.isOpioid = profile?.drugClass == "opioid"
        self.isBetaBlocker = profile?.drugClass == "beta_blocker"
        self.isVasopressor = profile?.drugClass == "vasopressor"
        self.isVasodilator = profile?.drugClass == "dihydropyridine" || profile?.drugClass == "nitrate"
        self.labRates = (profile?.labs ?? []).compactMap { effect in
            guard let perHour = effect.perHour, let lab = ChemistryLab(name: effect.lab) else { return nil }
            return (lab, perHour)
        }
        self.className = profile?.drugClass ?? ""
        self.bleeding = profile?.bleedingMultiplier
        self.peakMin = profile?.peakMin ?? 1
        self.halfLifeMin = profile?.halfLifeMin
        self.holds = profile?.infusion == true || profile?.halfLifeMin == nil
        self.durationMin = profile?.durationMin
        self.ceiling = profile?.ceiling
        self.volumeMlPerKg = profile?.volumeMlPerKg ?? 0
        self.isDrug = profile != nil
    }

    /// ``DrugProfile/activity(after:)`` from the copied fields.
    @inline(__always)
    func activity(after elapsed: Double) -> Double {
        if elapsed < 0 { return 0 }
        if let duration = durationMin, elapsed >= duration { return 0 }
        if elapsed < peakMin { return elapsed / peakMin }
        guard !holds, let halfLife = halfLifeMin else { return 1 }
        return exp(-0.693_147_180_56 * (elapsed - peakMin) / halfLife)
    }
}
