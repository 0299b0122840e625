/// A named clinical source: guideline, year, section.
public struct Citation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var guideline: String
    public var year: Int
    public var section: String
    /// False when the section or wording has not yet been checked against
    /// the primary text; `fixtures lint` counts these.
    public var verified: Bool?

    public var description: String {
        "\(guideline) (\(year)), \(section)" + (verified == false ? " [section unverified]" : "")
    }
}

/// The nine scoring dimensions of the product page, in display order.
public enum ScoreDimension: String, Sendable, Hashable, Codable, CaseIterable {
    case survival, disposition, workup, redFlag = "red_flag", communication, cost, harm, efficiency, documentation
}

/// What an expert does for a fixture, item by item, each citing its source.
public struct AnswerKey: Sendable, Hashable, Codable {
    public var outcome: OutcomeRule
    public var survival: SurvivalRule
    /// The course after the ED by disposition, to a fixed horizon.
    public var postEd: PostEDRule
    public var disposition: DispositionRule
    /// Actions to be done (workup, red flags, communication, documentation).
    public var items: [KeyItem]
    /// Actions that harm this patient.
    public var harmful: [HarmItem]
    public var cost: CostRule
    public var efficiency: EfficiencyRule
}

/// How the outcome label is chosen: `caught` when the result of a
/// confirming order had arrived before the episode ended and the
/// disposition was consistent with it (accepted or partially appropriate),
/// `missed` otherwise, `death` on death in the ED.
public struct OutcomeRule: Sendable, Hashable, Codable {
    public var caught: String
    public var missed: String
    /// Confirmed but still in the ED when time ran out: `confirmed_X` for `caught_X`.
    public var confirmed: String {
        caught.hasPrefix("caught_") ? "confirmed_" + caught.dropFirst("caught_".count) : "confirmed_" + caught
    }
    public var confirms: [String]
    /// Harm level when the diagnosis is missed (none, low, moderate, high, critical).
    public var missedHarm: HarmLevel
    public var source: Citation
}

/// Survival points: `points` × the probability of being alive at the
/// post-ED horizon (see ``PostEDRule``); zero on death in the ED.
public struct SurvivalRule: Sendable, Hashable, Codable {
    public var points: Double
    public var source: Citation
}

/// Disposition points: `points` for an accepted disposition, the listed
/// points for partial or harmful ones, zero for anything else or none.
public struct DispositionRule: Sendable, Hashable, Codable {
    public var accepted: [String]
    public var points: Double
    public var partial: [ScoredActions]
    public var harmful: [ScoredActions]
    public var source: Citation
}

/// A set of actions and the points they carry; for unsafe dispositions,
/// how badly they harm (scored on the harm dimension).
public struct ScoredActions: Sendable, Hashable, Codable {
    public var actions: [String]
    public var points: Double
    public var severity: HarmLevel?
}

/// One answer-key entry scored by whether the agent did it.
public struct KeyItem: Sendable, Hashable, Codable {
    public var id: String
    public var dimension: ScoreDimension
    public var description: String
    /// Any one of these satisfies the item.
    public var actions: [String]
    /// Points when done in time.
    public var points: Double
    /// Points when not done at all (0 when absent; negative for missed red flags).
    public var missedPoints: Double?
    /// Minutes from arrival by which it must start.
    public var deadlineMin: Int?
    /// Fraction of `points` earned when done after the deadline (default 0.5).
    public var lateFraction: Double?
    /// Must come before the first of these actions (if they happen).
    public var before: [String]?
    /// What must already be done or resulted when the action is taken
    /// (consent after the diagnosis is established).
    public var requires: Requirement?
    /// Points when done only out of order (default 0).
    public var outOfOrderPoints: Double?
    /// A state to reach rather than an action to take (anti-impulse
    /// targets: SBP < 120 and HR 60–80): the item is met at the first minute
    /// every predicate held, and one of `actions` must have been given by then.
    public var target: [StatePredicate]?
    public var source: Citation
}

/// An action that harms this patient, with an optional state condition.
public struct HarmItem: Sendable, Hashable, Codable {
    public var id: String
    public var description: String
    public var actions: [String]
    /// Negative points, charged once.
    public var points: Double
    public var severity: HarmLevel
    /// Harmless if one of these was done earlier (rate control before a vasodilator).
    public var unlessAfter: [String]?
    /// Harmful only when done at least this many times in total.
    public var minCount: Int?
    /// Harmful only while this holds when the action is taken.
    public var when: StateCondition?
    public var source: Citation
}

/// Cost points: full at or under budget, falling linearly to zero at three
/// times it; then multiplied by the care's safety (0 when the patient died, a
/// lethal diagnosis was missed or the disposition was unsafe, ½ after high
/// harm): cheap never pays for unsafe care.
public struct CostRule: Sendable, Hashable, Codable {
    public var budget: Double
    public var points: Double
    public var source: Citation
}

/// Efficiency points: full when the episode ends by `target_min`, falling
/// linearly to zero at the time limit; repeated non-repeatable actions cost
/// 0.5 each (a disposition asked again after a refusal is not a repeat); then
/// multiplied by the same safety factor as cost: fast never pays for unsafe care.
public struct EfficiencyRule: Sendable, Hashable, Codable {
    public var targetMin: Int
    public var points: Double
    public var source: Citation
}

/// How badly the patient was harmed, ordered.
public enum HarmLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case none, low, moderate, high, critical

    public static func < (lhs: HarmLevel, rhs: HarmLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
