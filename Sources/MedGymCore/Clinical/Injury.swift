/// What the encounter did to the patient's organs, minute by minute: the
/// perfusion and oxygenation debt carried into the post-ED outcome and
/// scored as harm where treatment caused it.
public struct InjuryRecord: Sendable, Hashable, Codable {
    public var minutesMapBelow65 = 0
    public var minutesMapBelow55 = 0
    /// Minutes with MAP < 65 that the drugs caused (MAP ≥ 10 lower than without them).
    public var minutesIatrogenicHypotension = 0
    public var minutesSpo2Below90 = 0
    /// Minutes with SpO2 < 90 that treatment caused (drugs or fluid).
    public var minutesIatrogenicHypoxaemia = 0
    /// Consecutive minutes of profound shock (MAP < 40 or SBP < 50).
    public var profoundShockRun = 0
    /// Consecutive minutes with SpO2 < 85.
    public var hypoxaemiaRun = 0
    public var lowestSbp: Double
    public var lowestMap: Double
    /// Drugs whose active doses went over the label ceiling, in order first seen.
    public var overCeiling: [String] = []
    /// Infused volume crossed the overload threshold.
    public var fluidOverload = false

    public init(arrival: Vitals) {
        lowestSbp = arrival.sbp
        lowestMap = arrival.map
    }

    /// Adds one minute at `vitals`; `untreated` is the same minute without drugs or fluid.
    mutating func record(_ vitals: Vitals, untreated: Vitals, drugs: DrugEffects) {
        let map = vitals.map
        if map < 65 { minutesMapBelow65 += 1 }
        if map < 55 { minutesMapBelow55 += 1 }
        if map < 65, untreated.map - map >= 10 { minutesIatrogenicHypotension += 1 }
        if vitals.spo2 < 90 { minutesSpo2Below90 += 1 }
        if vitals.spo2 < 90, untreated.spo2 - vitals.spo2 >= 3 { minutesIatrogenicHypoxaemia += 1 }
        profoundShockRun = (map < 40 || vitals.sbp < 50) ? profoundShockRun + 1 : 0
        hypoxaemiaRun = vitals.spo2 < 85 ? hypoxaemiaRun + 1 : 0
        lowestSbp = min(lowestSbp, vitals.sbp)
        lowestMap = min(lowestMap, map)
        for (action, _) in drugs.overCeiling where !overCeiling.contains(action) { overCeiling.append(action) }
        if drugs.volumeMlPerKg > Physiology.overloadMlPerKg { fluidOverload = true }
    }
}

/// Why a heart stopped: the first rule whose hazard fired.
public struct ArrestCause: Sendable, Hashable, Codable {
    public var text: String
    /// True when treatment caused it (the same minute without drugs or fluid
    /// would not carry this hazard, or a drug moved the lab value).
    public var iatrogenic: Bool
}

/// Cardiac arrest from the state of the body, whatever the diagnosis
/// (PHYSIOLOGY §6 rules 2–4, calibration): each rule gives a per-minute
/// hazard; one keyed draw per minute (common random numbers) decides.
enum ArrestRules {
    struct Hazard {
        var probability: Double
        var text: String
        var iatrogenic: Bool
    }

    /// `moved`: which of potassium, glucose and pH treatment has moved (those arrests are called iatrogenic).
    static func hazards(
        _ v: Vitals, untreated: Vitals, injury: InjuryRecord, potassium: Double?, glucose: Double?,
        ph: Double? = nil, moved: (potassium: Bool, glucose: Bool, ph: Bool),
        potassiumDirection: (up: Bool, down: Bool)? = nil, membraneStabilised: Bool = false
    ) -> [Hazard] {
        // Which way treatment moved potassium (nil: either way counts, as before the direction was kept).
        let raised = potassiumDirection?.up ?? moved.potassium
        let lowered = potassiumDirection?.down ?? moved.potassium
        var found: [Hazard] = []
        let map = v.map
        if v.hr < 25 {
            found.append(Hazard(probability: 1, text: "asystole (HR \(Int(v.hr.rounded())))", iatrogenic: untreated.hr >= 25))
        }
        if injury.profoundShockRun >= 5 {
            found.append(
                Hazard(
                    probability: 0.15, text: "circulatory collapse (MAP \(Int(map.rounded())) for \(injury.profoundShockRun) min)",
                    iatrogenic: untreated.map >= 40 && untreated.sbp >= 50))
        } else if map < 50 {
            found.append(Hazard(probability: 0.02, text: "circulatory collapse (MAP \(Int(map.rounded())))", iatrogenic: untreated.map >= 50))
        }
        if injury.hypoxaemiaRun >= 3 {
            found.append(
                Hazard(
                    probability: v.spo2 < 70 ? 0.2 : 0.05,
                    text: "hypoxaemic arrest (SpO2 \(Int(v.spo2.rounded()))% for \(injury.hypoxaemiaRun) min)",
                    iatrogenic: untreated.spo2 >= 85))
        }
        if v.hr > 220 {
            found.append(Hazard(probability: 0.1, text: "ventricular fibrillation (HR \(Int(v.hr.rounded())))", iatrogenic: untreated.hr <= 220))
        }
        if let k = potassium {
            // Calcium on board stabilises the membrane: no arrhythmia hazard from 6.5 to 8 while it acts; at 8 or
            // more it holds only partly (5 %/min instead of an arrest at once) [calib].
            if k >= 8 {
                found.append(
                    Hazard(probability: membraneStabilised ? 0.05 : 1, text: "hyperkalaemic arrest (K \(k.plain1))", iatrogenic: raised))
            } else if k > 6.5, !membraneStabilised {
                found.append(Hazard(probability: 0.1, text: "hyperkalaemic arrhythmia (K \(k.plain1))", iatrogenic: raised))
            } else if k < 2.5 {
                found.append(Hazard(probability: 0.02, text: "hypokalaemic arrhythmia (K \(k.plain1))", iatrogenic: lowered))
            }
        }
        // Severe acidaemia: contractility and catecholamine response fail (GENERIC-RULES §1.3, §2A) [calib].
        if let ph, ph < 6.9 {
            let p = ph < 6.7 ? 0.15 : (ph < 6.8 ? 0.05 : 0.01)
            found.append(Hazard(probability: p, text: "acidaemic arrest (pH \(Chemistry.fixed(ph, decimals: 2)))", iatrogenic: moved.ph))
        }
        if let g = glucose, g < 30 {
            found.append(
                Hazard(
                    probability: 0.05, text: "hypoglycaemic seizure and arrest (glucose \(Int(g.rounded())) mg/dL)",
                    iatrogenic: moved.glucose))
        }
        return found
    }

    /// The arrest this minute, if the keyed draw falls under the combined hazard.
    static func check(_ hazards: [Hazard], draw: Double) -> ArrestCause? {
        guard !hazards.isEmpty else { return nil }
        var survive = 1.0
        for h in hazards { survive *= 1 - h.probability }
        guard draw < 1 - survive else { return nil }
        let worst = hazards.max { $0.probability < $1.probability }!
        return ArrestCause(text: worst.text, iatrogenic: worst.iatrogenic)
    }
}

extension Double {
    /// One decimal: "6.7".
    var plain1: String { String((self * 10).rounded() / 10) }
}
