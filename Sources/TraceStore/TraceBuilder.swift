import Foundation
import MedGym

/// Turns an episode's exchanges into hash-chained trace events as the runner
/// plays them.
///
/// Used as the runner's ``EpisodeObserver``: start it at reset (or from a
/// fork prefix), let the runner report each step, then ``finish(score:)``.
public struct TraceBuilder: EpisodeObserver {
    /// The trace format written into `episode_started`: 2 since MedGym 0.4.0
    /// carries the ``Provenance``; 1 had none.
    public static let format = 2

    public private(set) var events: [TraceEvent] = []
    /// False when the trace is built only to be compared, field by field,
    /// with a stored trace whose chain was checked: `hash` and `prev_hash`
    /// are then left empty (content equal + checked chain ⇒ equal hashes).
    public var hashing = true
    private var failure: (any Error)?
    private let seed: UInt64

    /// Starts a trace at reset: `episode_started` and the first observation.
    /// `fixtureDigest` is ``TraceHash/digest(of:)`` of the environment's
    /// fixture (computed once by the recorder, not per episode).
    public init(
        starting environment: Environment, fixtureDigest: String, provenance: Provenance?,
        format: Int = TraceBuilder.format
    ) throws {
        let fixture = environment.fixture
        let state = environment.state
        self.seed = state.seed
        try append(
            .episodeStarted, step: 0, minute: 0, seed: state.seed,
            payload: TracePayload(
                fixture: fixture.id, fixtureDigest: fixtureDigest, seed: state.seed, format: format,
                simulation: MedGymVersion.simulation, provenance: provenance))
        try append(
            .observation, step: 0, minute: 0, seed: state.seed,
            payload: TracePayload(observation: environment.initialObservation))
    }

    /// Continues a trace from a prefix of recorded events (a fork).
    public init(continuing prefix: [TraceEvent], seed: UInt64) {
        self.events = prefix
        self.seed = seed
    }

    public mutating func stepped(_ step: EpisodeStep, state: EpisodeState) {
        guard failure == nil else { return }
        do {
            let result = step.result
            let start = result.events.first?.minute ?? result.observation.minute
            if let text = step.text {
                try append(
                    .actionReceived, step: step.step, minute: start, seed: state.seed,
                    payload: TracePayload(text: text, action: result.action, raw: step.raw, tokens: step.tokens))
            } else {
                try append(.noAction, step: step.step, minute: start, seed: state.seed, payload: TracePayload())
            }
            for event in result.events {
                try append(
                    TraceEventKind(event.kind), step: step.step, minute: event.minute, seed: state.seed,
                    payload: TracePayload(text: event.text, action: event.action, vitals: event.vitals, orderedAt: event.orderedAt))
            }
            try append(
                .observation, step: step.step, minute: result.observation.minute, seed: state.seed,
                payload: TracePayload(observation: result.observation))
        } catch {
            failure = error
        }
    }

    public mutating func rejected(_ rejection: RejectedAction) {
        guard failure == nil else { return }
        do {
            try append(
                .actionRejected, step: rejection.step, minute: rejection.minute, seed: nil,
                payload: TracePayload(
                    text: rejection.text, error: rejection.error.description, suggestions: rejection.error.suggestions,
                    length: rejection.error.length, raw: rejection.raw, tokens: rejection.tokens))
        } catch {
            failure = error
        }
    }

    public mutating func agentFailed(_ failure: AgentFailure, step: Int, minute: Int) {
        guard self.failure == nil else { return }
        do {
            try append(.agentError, step: step, minute: minute, seed: nil, payload: TracePayload(failure: failure))
        } catch {
            self.failure = error
        }
    }

    /// Appends the score event and returns the finished trace.
    public mutating func finish(score: ScoreCard, state: EpisodeState) throws -> [TraceEvent] {
        if let failure { throw failure }
        let step = events.last?.step ?? 0
        try append(.score, step: step, minute: state.minute, seed: state.seed, payload: TracePayload(score: score))
        return events
    }

    /// The events so far, or the first error met while building them.
    public func built() throws -> [TraceEvent] {
        if let failure { throw failure }
        return events
    }

    private mutating func append(_ kind: TraceEventKind, step: Int, minute: Int, seed: UInt64?, payload: TracePayload) throws {
        let prev = hashing ? events.last?.hash ?? TraceHash.genesis : ""
        let seed = seed ?? self.seed
        var event = TraceEvent(
            seq: events.count, step: step, simMinute: minute, kind: kind,
            payload: try CanonicalJSON.string(payload), rngState: Self.rngState(seed: seed, minute: minute),
            prevHash: prev, hash: "")
        if hashing { event.hash = TraceHash.hash(of: event) }
        events.append(event)
    }

    /// The random generator's position: MedGym's generator is counter-based,
    /// keyed by (seed, purpose, simulated minute), so seed and minute are its
    /// whole state.
    public static func rngState(seed: UInt64, minute: Int) -> String {
        "seed=\(seed) minute=\(minute)"
    }
}
