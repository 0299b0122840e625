import Foundation
import MedGym

/// One immutable row of a trace: what happened, at which step and simulated
/// minute, with the random generator's position and the hash chain.
///
/// `payload` is canonical JSON (sorted snake_case keys); `hash` is
/// ``TraceHash/hash(of:)`` over `prev_hash` and the row's other fields.
public struct TraceEvent: Sendable, Hashable, Codable {
    public var seq: Int
    public var step: Int
    public var simMinute: Int
    public var kind: TraceEventKind
    public var payload: String
    public var rngState: String
    public var prevHash: String
    public var hash: String

    public init(
        seq: Int, step: Int, simMinute: Int, kind: TraceEventKind, payload: String, rngState: String,
        prevHash: String, hash: String
    ) {
        self.seq = seq
        self.step = step
        self.simMinute = simMinute
        self.kind = kind
        self.payload = payload
        self.rngState = rngState
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The payload decoded.
    public func decodedPayload() throws -> TracePayload {
        try CanonicalJSON.decode(TracePayload.self, from: Data(payload.utf8))
    }
}

/// The kinds of trace event: the agent exchange, then everything the
/// environment did in answer, then the score.
public enum TraceEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Reset: fixture, fixture digest, seed, trace format.
    case episodeStarted = "episode_started"
    /// What the agent was shown.
    case observation
    /// Action text from the agent and the catalog action it resolved to.
    case actionReceived = "action_received"
    /// Action text that named no catalog action, with suggestions.
    case actionRejected = "action_rejected"
    /// The agent stopped acting; the clock ran to the time limit.
    case noAction = "no_action"
    /// The agent failed to answer: crashed, timed out, or replied with something not an action.
    case agentError = "agent_error"
    // What the environment did (``EnvironmentEvent/Kind``).
    case actionTaken = "action_taken"
    case response
    case orderPlaced = "order_placed"
    case resultArrived = "result_arrived"
    case warning
    case alert
    case finding
    case vitals
    case episodeEnded = "episode_ended"
    /// The score card: nine dimensions, composite, outcome, harm level.
    case score

    /// The trace kind of an environment event.
    public init(_ kind: EnvironmentEvent.Kind) {
        self = TraceEventKind(rawValue: kind.rawValue)!
    }
}

/// The body of a trace event. Fields that do not apply to a kind are absent
/// from its JSON.
public struct TracePayload: Sendable, Hashable, Codable {
    /// `episode_started`: the fixture id.
    public var fixture: String?
    /// `episode_started`: SHA-256 of the fixture's canonical JSON, so a trace
    /// is never silently replayed against a changed case.
    public var fixtureDigest: String?
    /// `episode_started`: the episode seed.
    public var seed: UInt64?
    /// `episode_started`: the trace format version.
    public var format: Int?
    /// `episode_started`: the simulation (patient model) version; absent means 1.
    public var simulation: Int?
    /// `episode_started` (format 2): who recorded the trace.
    public var provenance: Provenance?
    /// `observation`.
    public var observation: Observation?
    /// Action text, answer or alert text.
    public var text: String?
    /// Canonical action id.
    public var action: String?
    /// `action_rejected`: why, and the nearest catalog ids.
    public var error: String?
    public var suggestions: [String]?
    /// `agent_error`: what went wrong.
    public var failure: AgentFailure?
    /// `action_rejected`: the text's length in bytes when it was over the
    /// limit (the text itself is then stored clipped).
    public var length: Int?
    /// `action_received`, `action_rejected`: the agent's raw output (a
    /// model's tool call or reply) when it gave more than the text.
    public var raw: String?
    /// `action_received`, `action_rejected`: the tokens the model's reply
    /// used (its endpoint's `usage.total_tokens`), when reported; absent
    /// otherwise, so a trace without them reads and hashes as before.
    public var tokens: Int?
    /// `vitals` (simulations 1 and 2).
    public var vitals: ObservedVitals?
    /// `result_arrived`: minute the order was placed.
    public var orderedAt: Int?
    /// `score`.
    public var score: ScoreCard?

    public init(
        fixture: String? = nil, fixtureDigest: String? = nil, seed: UInt64? = nil, format: Int? = nil, simulation: Int? = nil,
        provenance: Provenance? = nil, observation: Observation? = nil, text: String? = nil, action: String? = nil, error: String? = nil,
        suggestions: [String]? = nil, length: Int? = nil, failure: AgentFailure? = nil, raw: String? = nil, tokens: Int? = nil,
        vitals: ObservedVitals? = nil,
        orderedAt: Int? = nil, score: ScoreCard? = nil
    ) {
        self.fixture = fixture
        self.fixtureDigest = fixtureDigest
        self.seed = seed
        self.format = format
        self.simulation = simulation
        self.provenance = provenance
        self.observation = observation
        self.text = text
        self.action = action
        self.error = error
        self.suggestions = suggestions
        self.length = length
        self.failure = failure
        self.raw = raw
        self.tokens = tokens
        self.vitals = vitals
        self.orderedAt = orderedAt
        self.score = score
    }
}
