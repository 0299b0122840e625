/// Everything the environment knows about one episode: the hidden patient
/// state, the clock, what was done and what is pending.
///
/// A value type: copying it is a snapshot, and restoring a copy is an exact
/// fork point (the random source is keyed, so it holds no hidden state).
public struct EpisodeState: Sendable, Hashable, Codable {
    public var fixtureID: String
    public var seed: UInt64
    /// Simulated minutes since arrival.
    public var minute: Int
    /// Steps taken so far (the next step is `step + 1`).
    public var step: Int
    /// Latent disease progression, 0 = stable, `death_at_progress` = death.
    public var progress: Double
    /// Product of rate multipliers from interventions.
    public var rateFactor: Double
    /// Sum of rate additions from interventions.
    public var rateAdd: Double
    /// Definitive treatment given: progression has stopped.
    public var definitive: Bool
    /// Accumulated effect of interventions on vitals.
    public var offsets: VitalsOffset
    /// Current (true) vitals.
    public var vitals: Vitals
    /// Vitals at arrival, the reference for trend alerts.
    public var arrivalVitals: Vitals
    public var actions: [ActionRecord]
    public var pending: [PendingOrder]
    public var firedAlerts: [String]
    public var symptoms: [String]
    public var totalCost: Int
    public var status: EpisodeStatus
    public var deathMinute: Int?

    /// Whether the episode still accepts actions.
    public var isRunning: Bool { status == .running }

    /// Whether the patient is alive.
    public var alive: Bool { deathMinute == nil }

    /// The disposition action, if the episode ended with one.
    public var disposition: String? {
        if status == .disposed, let last = actions.last { return last.actionID }
        return nil
    }

    /// Whether an action was done at any step.
    public func did(_ actionID: String) -> Bool { actions.contains { $0.actionID == actionID } }

    /// The first record of any of these actions.
    public func first(of actionIDs: [String]) -> ActionRecord? {
        actions.first { actionIDs.contains($0.actionID) }
    }
}

/// Where an episode stands.
public enum EpisodeStatus: String, Sendable, Hashable, Codable {
    /// Accepting actions.
    case running
    /// Ended by a disposition (terminated).
    case disposed
    /// The patient died (terminated).
    case died
    /// The time or step limit was reached (truncated).
    case truncated
}

/// One action the agent took.
public struct ActionRecord: Sendable, Hashable, Codable {
    public var step: Int
    /// Minute the action started.
    public var minute: Int
    public var actionID: String
    /// The text the agent wrote.
    public var text: String
    /// Monitor values when the action was taken.
    public var vitals: ObservedVitals
}

/// An order whose result has not arrived yet.
public struct PendingOrder: Sendable, Hashable, Codable {
    public var actionID: String
    public var step: Int
    public var orderedAt: Int
    public var dueAt: Int
}
