import Foundation
import MedGym
import TraceStore

/// Re-runs a stored episode from step N with another action: the same
/// patient with the same luck (the environment is restored from the cached
/// state after step N−1, and randomness is keyed by seed and minute), then
/// continues as asked, and scores the counterfactual against the original.
public struct Forker {
    public let store: TraceStore
    public let resolver: ActionResolver
    let fixtures = FixtureCache()

    public init(store: TraceStore, resolver: ActionResolver = .shipped) {
        self.store = store
        self.resolver = resolver
    }

    /// Forks `episodeID` at `step` with `action`.
    public func fork(_ episodeID: String, at step: Int, action text: String,
                     continuation: ForkContinuation = .original) throws -> Fork {
        let header = try store.header(episodeID)
        let events = try store.events(episodeID)
        let exchanges = TraceExchange.all(in: events)
        let turns = exchanges.filter { if case .rejected = $0 { false } else { true } }
        guard let original = turns.first(where: { $0.step == step }) else {
            let range = turns.last.map { "1…\($0.step)" } ?? "none: the episode has no steps"
            throw ForkError.stepOutOfRange(episode: episodeID, step: step, valid: range)
        }
        let alternate: CatalogAction
        do { alternate = try resolver.resolve(text) } catch { throw ForkError.unknownAction(error) }

        let start = try TraceStart(events)
        let fixture = try ReplayFixture.load(start, episode: episodeID, catalog: resolver.catalog, cache: fixtures)
        let restored = try restoredState(episodeID, before: step, events: events, fixture: fixture, header: header)
        let prefix = Array(events[..<original.seq])
        guard let promptEvent = prefix.last(where: { $0.kind == .observation }),
              let prompt = try promptEvent.decodedPayload().observation else {
            throw TraceFormatError(message: "episode \(episodeID) has no observation before step \(step)")
        }

        let texts = [text] + continuationTexts(continuation, original: original, alternate: alternate,
                                                 exchanges: exchanges, fixture: fixture, state: restored)
        var agent = ExchangeAgent(id: "fork:\(continuation.rawValue)", texts: texts)
        var builder = TraceBuilder(continuing: prefix, snapshots: [], seed: start.seed)
        let env = Environment(fixture: fixture, resolver: resolver, restoring: restored)
        let runner = EpisodeRunner(fixture: fixture, resolver: resolver, invalidActions: .reject(limit: Int.max))
        let episode = try runner.run(from: env, observation: prompt, agent: &agent, observer: &builder)
        let trace = try builder.finish(score: episode.score, state: episode.finalState)

        guard let actual = try events.last(where: { $0.kind == .score })?.decodedPayload().score else {
            throw TraceFormatError(message: "episode \(episodeID) has no score event")
        }
        let originalText = original.text
        let originalAction: String? = if case .action(_, _, _, let id) = original { id } else { nil }
        let counterfactual = episode.score
        let pair = GRPOPair(
            episodeID: episodeID, fixture: fixture.id, seed: start.seed, step: step, prompt: prompt,
            alternate: (text, alternate.id, counterfactual.composite),
            recorded: (originalText ?? "(no action)", originalAction, actual.composite))
        return Fork(
            parentID: episodeID, parent: header, step: step, minute: prompt.minute, fixture: fixture.id, seed: start.seed,
            continuation: continuation, recordedText: originalText, recordedAction: originalAction,
            alternateText: text, alternateAction: alternate.id, actual: actual, counterfactual: counterfactual,
            deltas: MedGym.Dimension.allCases.map { d in
                DimensionDelta(dimension: d, actual: actual.points(d), counterfactual: counterfactual.points(d))
            },
            grpoPair: pair, events: trace.events, newSnapshots: trace.snapshots,
            reproducesOriginal: trace.events == events)
    }

    /// Stores a fork as its own episode, linked to its parent: the parent's
    /// snapshots before step N (folded from the events if the cache lacks
    /// any) and the fork's own after. Returns what was stored.
    @discardableResult
    public func save(_ fork: Fork, createdAt: String) throws -> RecordedEpisode {
        let prefix: [StateSnapshot]
        if let cached = try store.completeSnapshots(fork.parentID, through: fork.step - 1) {
            prefix = cached
        } else {
            let events = try store.events(fork.parentID)
            let fixture = try ReplayFixture.load(try TraceStart(events), episode: fork.parentID, catalog: resolver.catalog, cache: fixtures)
            let folded = try EpisodeRecorder(fixture: fixture, resolver: resolver).reexecute(events, header: fork.parent)
            prefix = folded.snapshots.filter { $0.step < fork.step }
        }
        let recorded = fork.recorded(parentSnapshots: prefix, createdAt: createdAt)
        try store.save(recorded)
        return recorded
    }

    /// The state after step N−1: the cached snapshot, or (if the cache lacks
    /// it) a fold of the events up to there.
    func restoredState(_ id: String, before step: Int, events: [TraceEvent], fixture: Fixture,
                       header: EpisodeHeader) throws -> EpisodeState {
        if let cached = try store.snapshot(id, step: step - 1) { return cached.state }
        let replayed = try EpisodeRecorder(fixture: fixture, resolver: resolver).reexecute(events, header: header)
        guard let state = replayed.snapshots.first(where: { $0.step == step - 1 })?.state else {
            throw TraceFormatError(message: "episode \(id) has no state after step \(step - 1)")
        }
        return state
    }

    /// What the agent does after the alternate action.
    func continuationTexts(_ continuation: ForkContinuation, original: TraceExchange, alternate: CatalogAction,
                           exchanges: [TraceExchange], fixture: Fixture, state: EpisodeState) -> [String?] {
        let catalog = resolver.catalog
        switch continuation {
        case .none:
            return []
        case .original:
            var later = exchanges.filter { $0.seq > original.seq }
            let replacedID: String? = if case .action(_, _, _, let id) = original { id } else { nil }
            if replacedID != alternate.id, alternate.repeatable != true {
                // The alternate action was already taken: the agent does not repeat it.
                later.removeAll { if case .action(_, _, _, let id) = $0 { id == alternate.id } else { false } }
            }
            if later.isEmpty, let replacedID, catalog[replacedID]?.kind == .disposition, alternate.kind != .disposition {
                later = [original]  // then its disposition
            }
            var texts: [String?] = []
            for exchange in later {
                texts.append(exchange.text)
                if case .none = exchange { break }
            }
            return texts
        case .expert:
            var done = Set(state.actions.map(\.actionID))
            done.insert(alternate.id)
            var texts: [String?] = []
            for line in fixture.policies.expert {
                guard let action = try? resolver.resolve(line) else { continue }
                if action.repeatable != true && done.contains(action.id) { continue }
                done.insert(action.id)
                texts.append(line)
            }
            return texts
        }
    }
}

/// How a fork goes on after its alternate action.
public enum ForkContinuation: String, Sendable, Hashable, Codable, CaseIterable {
    /// The original agent's later actions where still valid (not a repeat of
    /// the alternate action), then its disposition.
    case original
    /// The expert policy from there, skipping what was already done.
    case expert
    /// No further action: the clock runs to the time limit.
    case none
}

/// Why a fork could not be made.
public enum ForkError: Error, CustomStringConvertible, Sendable, Hashable {
    case stepOutOfRange(episode: String, step: Int, valid: String)
    case unknownAction(ActionResolutionError)

    public var description: String {
        switch self {
        case .stepOutOfRange(let episode, let step, let valid):
            "--at \(step) is out of range for \(episode): valid steps are \(valid)"
        case .unknownAction(let error):
            error.description
        }
    }
}

/// A counterfactual: the original and the forked run side by side.
public struct Fork: Sendable, Hashable {
    public var parentID: String
    public var parent: EpisodeHeader
    public var step: Int
    /// Simulated minute of the fork point.
    public var minute: Int
    public var fixture: String
    public var seed: UInt64
    public var continuation: ForkContinuation
    public var recordedText: String?
    public var recordedAction: String?
    public var alternateText: String
    public var alternateAction: String
    public var actual: ScoreCard
    public var counterfactual: ScoreCard
    public var deltas: [DimensionDelta]
    public var grpoPair: GRPOPair
    /// The whole counterfactual trace: the original's events before step N, then the fork's.
    public var events: [TraceEvent]
    /// States after each step from N on.
    public var newSnapshots: [StateSnapshot]
    /// True when the counterfactual trace is identical to the original (same action, same continuation).
    public var reproducesOriginal: Bool

    public var deltaComposite: Double { round2(counterfactual.composite - actual.composite) }

    /// The fork as an episode of its own, linked to its parent, ready to
    /// save: its snapshots are the parent's before step N and the fork's after.
    public func recorded(parentSnapshots: [StateSnapshot], createdAt: String) -> RecordedEpisode {
        let agent = "fork:\(continuation.rawValue)"
        let id = EpisodeID.derive(headHash: events.last?.hash ?? "", agent: agent, label: parent.label,
                                  parentID: parentID, forkStep: step)
        let header = EpisodeHeader(episodeID: id, fixture: fixture, tier: parent.tier, variant: parent.variant, seed: seed,
                                   agent: agent, label: parent.label, createdAt: createdAt, parentID: parentID, forkStep: step)
        let snapshots = parentSnapshots.filter { $0.step < step } + newSnapshots
        return RecordedEpisode(header: header, events: events, snapshots: snapshots, score: counterfactual)
    }
}

/// One dimension, before and after.
public struct DimensionDelta: Sendable, Hashable, Codable {
    public var dimension: MedGym.Dimension
    public var actual: Double
    public var counterfactual: Double
    public var delta: Double

    public init(dimension: MedGym.Dimension, actual: Double, counterfactual: Double) {
        self.dimension = dimension
        self.actual = actual
        self.counterfactual = counterfactual
        self.delta = round2(counterfactual - actual)
    }
}

/// The preference pair a fork yields for step N: same prompt (the
/// observation at N), same seed, the higher-reward action chosen.
public struct GRPOPair: Sendable, Hashable, Codable {
    public var episodeID: String
    public var fixture: String
    public var seed: UInt64
    public var step: Int
    public var prompt: Observation
    public var chosen: String
    public var rejected: String
    public var chosenAction: String?
    public var rejectedAction: String?
    public var chosenReward: Double
    public var rejectedReward: Double
    /// Both actions earned the same reward: the pair carries no preference.
    public var tie: Bool

    init(episodeID: String, fixture: String, seed: UInt64, step: Int, prompt: Observation,
         alternate: (text: String, action: String?, reward: Double), recorded: (text: String, action: String?, reward: Double)) {
        self.episodeID = episodeID
        self.fixture = fixture
        self.seed = seed
        self.step = step
        self.prompt = prompt
        let altWins = alternate.reward > recorded.reward
        let (win, lose) = altWins ? (alternate, recorded) : (recorded, alternate)
        chosen = win.text
        rejected = lose.text
        chosenAction = win.action
        rejectedAction = lose.action
        chosenReward = win.reward
        rejectedReward = lose.reward
        tie = alternate.reward == recorded.reward
    }
}

func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
