/// A catalog action's indications and dangers, sourced (drug labels, the
/// ISMP high-alert list, procedure guidelines: GENERIC-RULES §2). One rule
/// (``SafetyRule``) reads them for every fixture.
public struct ActionRisk: Sendable, Hashable, Codable {
    /// The states that justify the action; any one will do. Empty: always indicated.
    public var indications: [Indication]
    /// The states in which the action harms, whatever the indication.
    public var dangers: [Danger]?
    /// What giving it without any indication costs (high-risk actions only).
    public var unindicated: HarmCharge?
    public var source: Citation
}

/// One indication: every predicate must hold.
public struct Indication: Sendable, Hashable, Codable {
    public var text: String
    public var when: [StatePredicate]
}

/// A danger state: every predicate must hold.
public struct Danger: Sendable, Hashable, Codable {
    public var reason: String
    public var when: [StatePredicate]
    public var points: Double
    public var severity: HarmLevel
    public var source: Citation?
}

/// Points and harm level charged on the harm dimension.
public struct HarmCharge: Sendable, Hashable, Codable {
    public var points: Double
    public var severity: HarmLevel
}
