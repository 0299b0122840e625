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
    /// Definitive treatment given: progression has stopped.
    public var definitive: Bool
    /// Lasting complications on vitals (cerebral oedema after an insulin bolus).
    public var offsets: VitalsOffset
    /// Every dose given, with the effect it was given with: drug effects are
    /// computed from these at each minute (onset, decay, saturation, ceiling).
    public var doses: [Dose]
    /// Current (true) vitals.
    public var vitals: Vitals
    /// Blood chemistry now: what a sample drawn this minute shows.
    public var chemistry: Chemistry
    /// Intubated and on a ventilator (pCO2 set by the machine, not the patient).
    public var ventilated: Bool
    /// Answer-key targets (vital signs reached), with the first minute each held.
    public var targetsReached: [TargetReached]
    /// Vitals at arrival, the reference for trend alerts.
    public var arrivalVitals: Vitals
    /// Actions taken (given, ordered, done): what scoring and the order-of-care rules read.
    public var actions: [ActionRecord]
    /// Actions asked for but not carried out (an intravenous drug with no IV
    /// access): the step and its minutes happened, the action did not.
    public var notCarriedOut: [ActionRecord] = []
    /// Why the caller ended the encounter before the agent did (an
    /// `abandoned` agent error), or nil: the episode is then kept out of
    /// leaderboards, diffs and corpora.
    public var abandoned: String? = nil
    public var pending: [PendingOrder]
    /// Orders and consults whose answer has arrived, in arrival order.
    public var results: [ResultRecord]
    /// Contraindication warnings shown, each with the action given despite it.
    public var warnings: [WarningRecord]
    /// Perfusion and oxygenation debt so far.
    public var injury: InjuryRecord
    /// Why the heart stopped, when it did.
    public var deathCause: ArrestCause?
    /// A cardiac arrest being worked now (fixtures whose course has an
    /// `arrest` plan), nil with a pulse.
    public var arrest: ArrestState? = nil
    /// Arrests that ended in return of spontaneous circulation, in order.
    public var resuscitations: [Resuscitation] = []
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

    /// Whether the answer to any of these orders had arrived by `minute`.
    public func resulted(_ actionIDs: [String], by minute: Int) -> Bool {
        results.contains { actionIDs.contains($0.actionID) && $0.minute <= minute }
    }

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
    /// The result as the sample drawn at `orderedAt` reads (nil for consults,
    /// whose note is written when the consultant arrives).
    public var text: String?
}

/// The first minute an answer-key target held.
public struct TargetReached: Sendable, Hashable, Codable {
    public var item: String
    public var minute: Int
}

/// An order or consult whose answer arrived.
public struct ResultRecord: Sendable, Hashable, Codable {
    public var actionID: String
    public var step: Int
    public var orderedAt: Int
    /// Minute the result (or the consultant) arrived.
    public var minute: Int
}

/// A contraindication warning shown for an action that was then given.
public struct WarningRecord: Sendable, Hashable, Codable {
    public var step: Int
    public var minute: Int
    public var actionID: String
    public var reason: String
    public var source: Citation
    /// A danger that held, or no indication (see ``SafetyRule``).
    public var kind: SafetyFinding.Kind
    public var points: Double
    public var severity: HarmLevel
}
