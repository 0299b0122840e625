import Foundation
import MedGym

/// Turns an episode's exchanges into hash-chained trace events and per-step
/// state snapshots, as the runner plays them.
///
/// Used as the runner's ``EpisodeObserver``: start it at reset (or from a
/// fork prefix), let the runner report each step, then ``finish(score:)``.
public struct TraceBuilder: EpisodeObserver {
    /// The trace format written into `episode_started`.
    public static let format = 1

    public private(set) var events: [TraceEvent] = []
    /// Environment state after each step; index 0 is the state at reset.
    public private(set) var snapshots: [StateSnapshot] = []
    private var failure: (any Error)?
    private let seed: UInt64

    /// Starts a trace at reset: `episode_started`, the first observation,
    /// and the reset snapshot.
    public init(starting environment: Environment) throws {
        let fixture = environment.fixture
        let state = environment.state
        self.seed = state.seed
        try append(.episodeStarted, step: 0, minute: 0, seed: state.seed, payload: TracePayload(
            fixture: fixture.id, fixtureDigest: try TraceHash.digest(of: fixture), seed: state.seed, format: Self.format,
            simulation: MedGymVersion.simulation))
        try append(.observation, step: 0, minute: 0, seed: state.seed,
                   payload: TracePayload(observation: environment.initialObservation))
        snapshots.append(StateSnapshot(step: 0, state: state))
    }

    /// Continues a trace from a prefix of recorded events and the snapshots
    /// that go with it (a fork).
    public init(continuing prefix: [TraceEvent], snapshots: [StateSnapshot], seed: UInt64) {
        self.events = prefix
        self.snapshots = snapshots
        self.seed = seed
    }

    public mutating func stepped(_ step: EpisodeStep, state: EpisodeState) {
        guard failure == nil else { return }
        do {
            let result = step.result
            let start = result.events.first?.minute ?? result.observation.minute
            if let text = step.text {
                try append(.actionReceived, step: step.step, minute: start, seed: state.seed,
                           payload: TracePayload(text: text, action: result.action))
            } else {
                try append(.noAction, step: step.step, minute: start, seed: state.seed, payload: TracePayload())
            }
            for event in result.events {
                try append(TraceEventKind(event.kind), step: step.step, minute: event.minute, seed: state.seed,
                           payload: TracePayload(text: event.text, action: event.action, vitals: event.vitals, orderedAt: event.orderedAt))
            }
            try append(.observation, step: step.step, minute: result.observation.minute, seed: state.seed,
                       payload: TracePayload(observation: result.observation))
            snapshots.append(StateSnapshot(step: step.step, state: state))
        } catch {
            failure = error
        }
    }

    public mutating func rejected(_ rejection: RejectedAction) {
        guard failure == nil else { return }
        do {
            try append(.actionRejected, step: rejection.step, minute: rejection.minute, seed: nil, payload: TracePayload(
                text: rejection.text, error: rejection.error.description, suggestions: rejection.error.suggestions))
        } catch {
            failure = error
        }
    }

    /// Appends the score event and returns the finished trace.
    public mutating func finish(score: ScoreCard, state: EpisodeState) throws -> (events: [TraceEvent], snapshots: [StateSnapshot]) {
        if let failure { throw failure }
        let step = events.last?.step ?? 0
        try append(.score, step: step, minute: state.minute, seed: state.seed, payload: TracePayload(score: score))
        return (events, snapshots)
    }

    private mutating func append(_ kind: TraceEventKind, step: Int, minute: Int, seed: UInt64?, payload: TracePayload) throws {
        let prev = events.last?.hash ?? TraceHash.genesis
        let seed = seed ?? self.seed
        var event = TraceEvent(
            seq: events.count, step: step, simMinute: minute, kind: kind,
            payload: try CanonicalJSON.string(payload), rngState: Self.rngState(seed: seed, minute: minute),
            prevHash: prev, hash: "")
        event.hash = TraceHash.hash(of: event)
        events.append(event)
    }

    /// The random generator's position: MedGym's generator is counter-based,
    /// keyed by (seed, purpose, simulated minute), so seed and minute are its
    /// whole state.
    public static func rngState(seed: UInt64, minute: Int) -> String {
        "seed=\(seed) minute=\(minute)"
    }
}

/// The environment's state after a step: the cache that makes a fork O(1).
public struct StateSnapshot: Sendable, Hashable, Codable {
    public var step: Int
    public var state: EpisodeState

    public init(step: Int, state: EpisodeState) {
        self.step = step
        self.state = state
    }
}
