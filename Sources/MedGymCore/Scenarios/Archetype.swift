/// How an archetype becomes scenarios: the fixture it starts from (its own
/// patient, at its own tier) and what tiers and variants may change. Loaded
/// from `Resources/scenarios/*.json` (snake_case, like fixtures).
///
/// The disease and its answer key never change: a tier changes how hard the
/// truth is to see, a variant changes the person (``ScenarioEngine``).
public struct Archetype: Sendable, Hashable, Codable {
    /// The name scenario ids start with (`aortic_dissection`).
    public var archetype: String
    /// The fixture the scenarios transform (`adv_cocaine_dissection`): the
    /// archetype's own patient at the fixture's tier, variant 0.
    public var base: String
    /// A benign presentation that looks dangerous: the right care is a focused,
    /// rule-guided work-up and discharge.
    public var negativeClass: Bool
    /// Variants per tier in the catalogue (0 ..< variants).
    public var variants: Int
    /// The person's healthy vitals, which a higher tier's arrival vitals move toward
    /// (an adult's when absent).
    public var normalVitals: Vitals?
    public var variation: Variation
    public var tiering: Tiering?
    /// Why the ranges are what they are, with sources.
    public var note: String

    /// What a variant may change about the person.
    public struct Variation: Sendable, Hashable, Codable {
        /// Ages drawn from (inclusive), in years.
        public var age: [Int]
        /// Weights drawn from (inclusive), in kg.
        public var weightKg: [Double]
        /// Sexes drawn from; texts then use `{he}`, `{his}`, `{him}` (and capitalised) for the patient.
        public var sex: [String]
        /// How the chief complaint may be worded (the base's wording is variant 0's).
        public var chiefComplaints: [String]?
    }

    /// What a tier changes beyond the generic rules (arrival vitals, pace, noise).
    public struct Tiering: Sendable, Hashable, Codable {
        /// The triage note by tier: the first band whose `up_to_tier` reaches the tier (the
        /// base's note where none does).
        public var triageNotes: [TierText]?
        /// Answers that replace a topic's from a tier on: the atypical telling.
        public var answers: [TierAnswers]?
        /// History added to a topic's answers from a tier on: comorbidities, medicines, noise.
        public var history: [TierHistory]?
    }

    /// A text for tiers up to `upToTier`.
    public struct TierText: Sendable, Hashable, Codable {
        public var upToTier: Int
        public var text: String
    }

    /// Answers to an interview topic from `fromTier` on.
    public struct TierAnswers: Sendable, Hashable, Codable {
        public var topic: String
        public var fromTier: Int
        public var answers: [String]
    }

    /// A sentence added to an interview topic's every answer from `fromTier` on.
    public struct TierHistory: Sendable, Hashable, Codable {
        public var topic: String
        public var fromTier: Int
        public var text: String
    }
}
