/// A condition on the patient as a clinician would read it at the bedside:
/// a vital sign or a laboratory value against a threshold, a condition the
/// hidden truth carries, a drug class running, what was done before, age,
/// ventilation. Every present field must hold.
public struct StatePredicate: Sendable, Hashable, Codable {
    /// `hr`, `sbp`, `dbp`, `rr`, `spo2`, `temp`, `gcs`, `pain`, `map`, `shock_index`.
    public var vital: String?
    /// A ``Chemistry`` name: `potassium`, `glucose`, `ph`, `pco2`, `hemoglobin`…
    public var lab: String?
    public var below: Double?
    public var above: Double?
    /// The hidden truth carries this condition (`aortic_dissection`, `haemorrhage`, `dka`…).
    public var condition: String?
    /// The hidden truth does not carry this condition.
    public var notCondition: String?
    /// A drug of this class is active now (`insulin`, `beta_blocker`…).
    public var running: String?
    /// None of these actions was done before.
    public var notDone: [String]?
    /// One of these actions was done before.
    public var done: [String]?
    public var ageBelow: Int?
    public var ageAtLeast: Int?
    public var ventilated: Bool?
    /// GCS has fallen by at least this much since arrival.
    public var gcsFallAtLeast: Double?
    /// The patient is (true) or is not (false) in cardiac arrest now.
    public var arrest: Bool?
    /// In arrest with a shockable (true: VF, pulseless VT) or non-shockable
    /// (false: PEA, asystole) rhythm; never holds outside an arrest.
    public var shockable: Bool?

    public init(vital: String? = nil, lab: String? = nil, below: Double? = nil, above: Double? = nil) {
        self.vital = vital
        self.lab = lab
        self.below = below
        self.above = above
    }

    /// Whether it holds in `context`.
    public func holds(in context: SafetyContext) -> Bool {
        if let vital {
            guard within(context.vital(vital)) else { return false }
        }
        if let lab {
            guard within(context.chemistry.value(lab, rr: context.vitals.rr, ventilated: context.ventilated)) else { return false }
        }
        if let condition, !context.conditions.contains(condition) { return false }
        if let notCondition, context.conditions.contains(notCondition) { return false }
        if let running, !context.runningClasses.contains(running) { return false }
        if let notDone, notDone.contains(where: context.done.contains) { return false }
        if let done, !done.contains(where: context.done.contains) { return false }
        if let ageBelow, !(context.age < ageBelow) { return false }
        if let ageAtLeast, !(context.age >= ageAtLeast) { return false }
        if let ventilated, context.ventilated != ventilated { return false }
        // Sedated for the tube, GCS 3 says nothing about the brain.
        if let fall = gcsFallAtLeast, context.ventilated || !(context.arrivalGcs - context.vitals.gcs >= fall) { return false }
        if let arrest, (context.arrestRhythm != nil) != arrest { return false }
        if let shockable, context.arrestRhythm?.shockable != shockable { return false }
        return true
    }

    /// Whether its vital-sign part holds on `vitals` (true when it names no vital).
    func holds(vitalsOnly vitals: Vitals) -> Bool {
        guard let vital else { return true }
        switch vital {
        case "map": return within(vitals.map)
        case "shock_index": return within(vitals.shockIndex)
        default: return within(vitals[field: vital])
        }
    }

    /// Whether a value lies within the bounds (true when there are none); a missing value never does.
    private func within(_ value: Double?) -> Bool {
        guard let value else { return false }
        if let below, !(value < below) { return false }
        if let above, !(value > above) { return false }
        return true
    }

    /// Whether a single value meets the threshold (a fixture's harm condition
    /// or pressure rule): false without a bound or without a value.
    public func matches(_ value: Double?) -> Bool {
        (below != nil || above != nil) && within(value)
    }

    /// Underscores as spaces ("aortic_dissection" → "aortic dissection"), without Foundation.
    static func spaced(_ name: String) -> String { String(name.map { $0 == "_" ? " " : $0 }) }

    /// "potassium below 3.5", "condition aortic_dissection", "insulin running".
    public var summary: String {
        var parts: [String] = []
        if let subject = vital ?? lab {
            var bounds: [String] = []
            if let below { bounds.append("below \(below.plain)") }
            if let above { bounds.append("above \(above.plain)") }
            parts.append(([Self.spaced(subject)] + bounds).joined(separator: " "))
        }
        if let condition { parts.append(Self.spaced(condition)) }
        if let notCondition { parts.append("no " + Self.spaced(notCondition)) }
        if let running { parts.append(Self.spaced(running) + " running") }
        if let done { parts.append("after " + done.joined(separator: " or ")) }
        if let notDone { parts.append("before " + notDone.joined(separator: " or ")) }
        if let ageBelow { parts.append("age under \(ageBelow)") }
        if let ageAtLeast { parts.append("age \(ageAtLeast) or more") }
        if let ventilated { parts.append(ventilated ? "ventilated" : "breathing spontaneously") }
        if let gcsFallAtLeast { parts.append("GCS fallen by \(gcsFallAtLeast.plain) or more") }
        if let arrest { parts.append(arrest ? "in cardiac arrest" : "with a pulse") }
        if let shockable { parts.append(shockable ? "shockable rhythm" : "non-shockable rhythm") }
        return parts.joined(separator: ", ")
    }
}

/// What the safety rule reads: the patient now, the truth's conditions, and
/// what was done before this action.
public struct SafetyContext: Sendable {
    public var vitals: Vitals
    public var chemistry: Chemistry
    public var ventilated: Bool
    public var conditions: [String]
    public var age: Int
    public var arrivalGcs: Double
    /// Action ids done at earlier steps.
    public var done: [String]
    /// Drug classes active now.
    public var runningClasses: [String]
    /// The rhythm of a cardiac arrest in progress, nil with a pulse.
    public var arrestRhythm: ArrestRhythm? = nil

    func vital(_ name: String) -> Double? {
        switch name {
        case "map": vitals.map
        case "shock_index": vitals.shockIndex
        default: vitals[field: name]
        }
    }
}
