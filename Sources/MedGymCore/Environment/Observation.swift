/// What the agent sees after reset or a step: what a clinician at the bedside
/// would see, never the hidden truth. It does not name the fixture: a
/// fixture id such as `adv_cocaine_dissection` is the diagnosis.
public struct Observation: Sendable, Hashable, Codable {
    /// Always nil since simulation 3; kept so traces of simulations 1 and 2,
    /// whose observations carried it, still read back byte for byte.
    public var fixtureID: String?
    public var step: Int
    public var minute: Int
    /// Present at reset: who the patient is and why they came.
    public var presentation: Presentation?
    public var vitals: ObservedVitals
    public var symptoms: [String]
    /// The answer, exam finding or acknowledgement for the action just taken.
    public var response: String?
    /// Alerts raised since the previous observation.
    public var alerts: [String]
    /// Results that arrived since the previous observation.
    public var results: [ArrivedResult]
    /// Contraindication warnings for the action just taken.
    public var warnings: [String]
    /// Names of orders still awaiting results.
    public var pending: [String]
    public var terminated: Bool
    public var truncated: Bool
    /// Why the episode ended, when it did: disposition, death, time limit or step limit.
    public var endReason: String?
}

/// The patient as triage presents them.
public struct Presentation: Sendable, Hashable, Codable {
    public var age: Int
    public var sex: String
    public var chiefComplaint: String
    public var triageNote: String
}

/// An order's result as it reaches the agent.
public struct ArrivedResult: Sendable, Hashable, Codable {
    public var action: String
    public var name: String
    public var text: String
    public var orderedAt: Int
    public var arrivedAt: Int
}

/// The outcome of one ``Environment/step(_:)``: Gymnasium's
/// `(observation, terminated, truncated)` plus the events and the resolved action.
public struct StepResult: Sendable, Hashable, Codable {
    public var action: String
    public var observation: Observation
    public var events: [EnvironmentEvent]
    public var terminated: Bool
    public var truncated: Bool
}
