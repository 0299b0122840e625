import Foundation
import MedGym

/// Plays an agent and records the episode as a trace; re-executes a
/// recorded trace's exchanges in a fresh environment (the fold that rebuilds
/// every projection and that `replay verify` compares against).
public struct EpisodeRecorder: Sendable {
    public let fixture: Fixture
    public let resolver: ActionResolver
    public var invalidActions: InvalidActionPolicy
    /// SHA-256 of the fixture's canonical JSON, written into every trace.
    public let fixtureDigest: String
    /// SHA-256 of the fixture's answer key, written into every trace's provenance.
    public let answerKeyDigest: String

    /// `fixtureDigest`: the fixture's digest when the caller already has it
    /// (a trace's checked `episode_started`); computed here otherwise.
    public init(
        fixture: Fixture, resolver: ActionResolver = .shipped, invalidActions: InvalidActionPolicy = .fail,
        fixtureDigest: String? = nil
    ) throws {
        self.fixture = fixture
        self.resolver = resolver
        self.invalidActions = invalidActions
        self.fixtureDigest = try fixtureDigest ?? TraceHash.digest(of: fixture)
        self.answerKeyDigest = try AnswerKeyDigests.shared.digest(of: fixture.answerKey, fixtureDigest: self.fixtureDigest)
    }

    /// Plays `agent` from reset with `seed` and returns the recorded episode.
    /// Without an `episodeID` the id is derived from the trace's content.
    public func record(
        seed: UInt64, agent: inout some Agent, label: String? = nil, episodeID: String? = nil,
        createdAt: String
    ) throws -> RecordedEpisode {
        try play(seed: seed, agent: &agent, label: label, episodeID: episodeID, createdAt: createdAt).recorded
    }

    /// Like ``record(seed:agent:label:episodeID:createdAt:)``, also returning
    /// the played episode (for printing its trajectory).
    /// `endpoint`: the model endpoint's settings when `agent` wraps an ``OpenAIAgent`` (a paced agent);
    /// an ``OpenAIAgent`` itself is asked for them. `live`: a run of a ``LiveFeed`` that each turn's
    /// events are published to as they are built (the caller says how the run ended).
    public func play(
        seed: UInt64, agent: inout some Agent, label: String? = nil, episodeID: String? = nil,
        createdAt: String, endpoint: EndpointSettings? = nil, live: LiveRun? = nil
    ) throws -> (episode: Episode, recorded: RecordedEpisode) {
        let env = Environment(fixture: fixture, resolver: resolver, seed: seed)
        let provenance = Provenance(
            agent: agent.id, label: label, answerKeyDigest: answerKeyDigest,
            endpoint: endpoint ?? (agent as? OpenAIAgent)?.settings)
        var builder = try TraceBuilder(starting: env, fixtureDigest: fixtureDigest, provenance: provenance)
        let runner = EpisodeRunner(fixture: fixture, resolver: resolver, invalidActions: invalidActions)
        let episode: Episode
        if let live {
            var watched = LiveRecording(builder: builder, run: live)
            episode = try runner.run(from: env, observation: env.initialObservation, agent: &agent, observer: &watched)
            builder = watched.builder
        } else {
            episode = try runner.run(from: env, observation: env.initialObservation, agent: &agent, observer: &builder)
        }
        let events = try builder.finish(score: episode.score, state: episode.finalState)
        let head = events.last!.hash
        let id = episodeID ?? EpisodeID.derive(headHash: head, agent: agent.id, label: label, parentID: nil, forkStep: nil)
        let header = EpisodeHeader(
            episodeID: id, fixture: fixture.id, tier: fixture.tier, variant: EpisodeHeader.variant(ofFixture: fixture.id), seed: seed,
            agent: agent.id,
            label: label, createdAt: createdAt)
        var recorded = RecordedEpisode(header: header, events: events, score: episode.score, finalState: episode.finalState)
        recorded.chainBuiltHere = true
        return (episode, recorded)
    }

    /// Plays `agent` again from reset on a recorded trace's seed, writing the
    /// trace's own provenance (so a run by an older release of the same
    /// simulation compares equal), without hashing: a trace to compare by
    /// content with a stored one whose chain was checked (`replay verify`
    /// re-running a deterministic built-in agent).
    public func rerun(_ start: TraceStart, agent: inout some Agent, header: EpisodeHeader) throws -> RecordedEpisode {
        let env = Environment(fixture: fixture, resolver: resolver, seed: start.seed)
        var builder = try TraceBuilder(starting: env, fixtureDigest: fixtureDigest, provenance: start.provenance, format: start.format)
        builder.hashing = false
        let runner = EpisodeRunner(fixture: fixture, resolver: resolver, invalidActions: invalidActions)
        let episode = try runner.run(from: env, observation: env.initialObservation, agent: &agent, observer: &builder)
        let events = try builder.finish(score: episode.score, state: episode.finalState)
        return RecordedEpisode(header: header, events: events, score: episode.score, finalState: episode.finalState)
    }

    /// Re-executes the exchanges recorded in `events` from reset and returns
    /// the trace that produces: for an untampered trace, identical events.
    /// `hashing: false` leaves the rebuilt events' hashes empty, for a
    /// comparison by content with a stored trace whose chain was checked.
    public func reexecute(_ events: [TraceEvent], header: EpisodeHeader, hashing: Bool = true) throws -> RecordedEpisode {
        let start = try TraceStart(events)
        var agent = ExchangeAgent(exchanges: TraceExchange.all(in: events))
        let env = Environment(fixture: fixture, resolver: resolver, seed: start.seed)
        var builder = try TraceBuilder(starting: env, fixtureDigest: fixtureDigest, provenance: start.provenance, format: start.format)
        builder.hashing = hashing
        let runner = EpisodeRunner(fixture: fixture, resolver: resolver, invalidActions: .reject(limit: Int.max))
        let episode = try runner.run(from: env, observation: env.initialObservation, agent: &agent, observer: &builder)
        let events = try builder.finish(score: episode.score, state: episode.finalState)
        var recorded = RecordedEpisode(header: header, events: events, score: episode.score, finalState: episode.finalState)
        recorded.chainBuiltHere = hashing
        return recorded
    }

    /// The environment just before the event at `boundary` (a fork point),
    /// rebuilt by re-executing the recorded turns before it, and checked:
    /// the events re-execution writes must equal `events[..<boundary]` byte
    /// for byte, so an altered trace is refused rather than forked.
    public func restore(_ events: [TraceEvent], before boundary: Int) throws -> Environment {
        guard let env = try restoreAll(events, through: boundary)[boundary] else {
            throw TraceFormatError.noTurnAt(event: boundary)
        }
        return env
    }

    /// The environment just before every turn whose event seq is at most
    /// `last`, by seq, from one re-execution, checked as ``restore(_:before:)``
    /// checks: the events it writes must equal the stored ones up to there.
    public func restoreAll(_ events: [TraceEvent], through last: Int = Int.max) throws -> [Int: Environment] {
        try replay(events, through: last).before
    }

    /// The environment before every turn and after the last one, from one checked re-execution of
    /// the whole trace (see ``restoreAll(_:through:)``): a trace whose last turn ran the clock out
    /// ends at the state before it, run out by the caller if it needs that.
    public func restoreAllAndEnd(_ events: [TraceEvent]) throws -> (before: [Int: Environment], end: Environment) {
        try replay(events, through: Int.max)
    }

    private func replay(_ events: [TraceEvent], through last: Int) throws -> (before: [Int: Environment], end: Environment) {
        let start = try TraceStart(events)
        var env = Environment(fixture: fixture, resolver: resolver, seed: start.seed)
        var builder = try TraceBuilder(starting: env, fixtureDigest: fixtureDigest, provenance: start.provenance, format: start.format)
        builder.hashing = false  // compared by content; callers serve only traces whose chain they checked
        var states: [Int: Environment] = [:]
        var boundary = 0
        for exchange in TraceExchange.all(in: events) where exchange.seq <= last {
            states[exchange.seq] = env
            boundary = exchange.seq
            guard exchange.seq < last else { break }
            if case .failed(let step, _, let failure) = exchange {
                builder.agentFailed(failure, step: step, minute: env.state.minute)
                continue
            }
            guard let text = exchange.text else { break }
            do {
                let result = try env.step(text)
                var step = EpisodeStep(step: env.state.step, text: text, result: result)
                step.raw = exchange.raw
                step.tokens = exchange.tokens
                builder.stepped(step, state: env.state)
            } catch let StepError.unknownAction(error) {
                var rejection = RejectedAction(step: env.state.step + 1, minute: env.state.minute, text: error.text, error: error)
                rejection.raw = exchange.raw
                rejection.tokens = exchange.tokens
                builder.rejected(rejection)
            }
        }
        let rebuilt = try builder.built()
        let checkedUpTo = last == Int.max ? rebuilt.count : boundary
        if let difference = TraceComparison.firstContentDifference(
            recorded: Array(events[..<min(checkedUpTo, events.count)]),
            replayed: Array(rebuilt.prefix(checkedUpTo)))
        {
            throw TraceFormatError.doesNotReexecute(upTo: checkedUpTo, difference: "\(difference)")
        }
        return (states, env)
    }
}

/// What `episode_started` says: fixture, digest, seed, format, simulation and (format 2) provenance.
public struct TraceStart: Sendable, Hashable {
    public var fixture: String
    public var fixtureDigest: String
    public var seed: UInt64
    public var format: Int
    /// The simulation version that recorded the trace (1 when absent).
    public var simulation: Int
    /// Who recorded it (trace format 2; nil in format 1).
    public var provenance: Provenance?

    /// Reads the first event; a trace that does not begin with
    /// `episode_started` is an error.
    public init(_ events: [TraceEvent]) throws(TraceFormatError) {
        guard let first = events.first, first.kind == .episodeStarted else {
            throw TraceFormatError.notStarted
        }
        guard let payload = try? CanonicalJSON.decode(Fields.self, from: Data(first.payload.utf8)), let fixture = payload.fixture,
            let digest = payload.fixtureDigest,
            let seed = payload.seed, let format = payload.format
        else {
            throw TraceFormatError.incompleteStart
        }
        guard format <= TraceBuilder.format else {
            throw TraceFormatError.newerFormat(found: format, supported: TraceBuilder.format)
        }
        self.fixture = fixture
        self.fixtureDigest = digest
        self.seed = seed
        self.format = format
        self.simulation = payload.simulation ?? 1
        self.provenance = payload.provenance
        if format >= 2 && provenance == nil {
            throw TraceFormatError.missingProvenance(format: format)
        }
    }

    /// Whether this MedGym can re-execute the trace.
    public var isCurrentSimulation: Bool { simulation == MedGymVersion.simulation }

    /// The fields of ``TracePayload`` a start reads: a report reads the start of every episode, and
    /// decoding the whole payload type (twenty optional fields) was most of that.
    private struct Fields: Decodable {
        var fixture: String?
        var fixtureDigest: String?
        var seed: UInt64?
        var format: Int?
        var simulation: Int?
        var provenance: Provenance?
    }
}

/// A trace whose events do not have the shape MedGym writes: one case per
/// way, so a caller can switch on it; the description says what to do.
public enum TraceFormatError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The first event is not `episode_started`.
    case notStarted
    /// `episode_started` lacks fixture, fixture digest, seed or format.
    case incompleteStart
    /// A trace format newer than this MedGym reads.
    case newerFormat(found: Int, supported: Int)
    /// A format-2 (or later) trace whose `episode_started` has no provenance.
    case missingProvenance(format: Int)
    /// No recorded turn begins at this event (a fork point inside a turn).
    case noTurnAt(event: Int)
    /// Re-executing the stored turns does not give the stored events.
    case doesNotReexecute(upTo: Int, difference: String)
    /// The episode has no score event.
    case noScoreEvent(episode: String)
    /// The score event holds no score card.
    case noScoreCard
    /// No observation before the step to fork.
    case noObservation(episode: String, step: Int)
    /// Re-execution ended without a final state.
    case noFinalState(episode: String)

    public var description: String {
        switch self {
        case .notStarted: "the trace does not begin with an episode_started event"
        case .incompleteStart: "episode_started (event 0) lacks fixture, fixture_digest, seed or format"
        case .newerFormat(let found, let supported): "trace format \(found) is newer than this MedGym reads (\(supported)); upgrade MedGym"
        case .missingProvenance(let format):
            "episode_started (event 0) of a format \(format) trace lacks its provenance (agent, label, library_version, answer_key_digest)"
        case .noTurnAt(let event): "no turn of the stored trace begins at event \(event)"
        case .doesNotReexecute(let upTo, let difference): "the stored trace does not re-execute up to event \(upTo): \(difference); run replay verify"
        case .noScoreEvent(let episode): "episode \(episode) has no score event"
        case .noScoreCard: "no score card"
        case .noObservation(let episode, let step): "episode \(episode) has no observation before step \(step)"
        case .noFinalState(let episode): "\(episode) does not re-execute to a final state; run replay verify"
        }
    }

    /// The description (what older callers read).
    public var message: String { description }
}

/// One agent turn as recorded: an applied action, a rejected text, a
/// failure to answer, or no action.
public enum TraceExchange: Sendable, Hashable {
    case action(step: Int, seq: Int, text: String, actionID: String, raw: String? = nil, tokens: Int? = nil)
    case rejected(step: Int, seq: Int, text: String, raw: String? = nil, tokens: Int? = nil)
    case failed(step: Int, seq: Int, failure: AgentFailure)
    case none(step: Int, seq: Int)

    public var step: Int {
        switch self {
        case .action(let step, _, _, _, _, _), .rejected(let step, _, _, _, _), .failed(let step, _, _), .none(let step, _): step
        }
    }

    /// Seq of the event that records it.
    public var seq: Int {
        switch self {
        case .action(_, let seq, _, _, _, _), .rejected(_, let seq, _, _, _), .failed(_, let seq, _), .none(_, let seq): seq
        }
    }

    /// The text the agent wrote (nil for no action or a failure).
    public var text: String? {
        switch self {
        case .action(_, _, let text, _, _, _), .rejected(_, _, let text, _, _): text
        case .none, .failed: nil
        }
    }

    /// The agent's raw output recorded with the text, if any.
    public var raw: String? {
        switch self {
        case .action(_, _, _, _, let raw, _), .rejected(_, _, _, let raw, _): raw
        case .none, .failed: nil
        }
    }

    /// The tokens the reply used, as recorded with the text, if any.
    public var tokens: Int? {
        switch self {
        case .action(_, _, _, _, _, let tokens), .rejected(_, _, _, _, let tokens): tokens
        case .none, .failed: nil
        }
    }

    /// Whether this turn applied an action or stopped (a step of the episode),
    /// rather than being rejected or failed (the agent was asked again).
    public var isStep: Bool {
        switch self {
        case .action, .none: true
        case .rejected, .failed: false
        }
    }

    /// The turn as a reply to play back.
    public var reply: ExchangeAgent.Reply {
        if case .failed(_, _, let failure) = self { return .failure(failure) }
        return .text(text, raw: raw, tokens: tokens)
    }

    /// The agent's turns, in order.
    public static func all(in events: [TraceEvent]) -> [TraceExchange] {
        events.compactMap { event in
            switch event.kind {
            case .actionReceived:
                let payload = try? event.decodedPayload()
                return .action(
                    step: event.step, seq: event.seq, text: payload?.text ?? "", actionID: payload?.action ?? "",
                    raw: payload?.raw, tokens: payload?.tokens)
            case .actionRejected:
                let payload = try? event.decodedPayload()
                var text = payload?.text ?? ""
                if let length = payload?.length {
                    // Stored clipped: stand in a text of the recorded length that begins the same way, so
                    // re-execution rejects it with the same message.
                    text = String(text.dropLast()) + String(repeating: "x", count: max(0, length - text.dropLast().utf8.count))
                }
                return .rejected(step: event.step, seq: event.seq, text: text, raw: payload?.raw, tokens: payload?.tokens)
            case .noAction:
                return .none(step: event.step, seq: event.seq)
            case .agentError:
                guard let failure = (try? event.decodedPayload())?.failure else { return nil }
                return .failed(step: event.step, seq: event.seq, failure: failure)
            default:
                return nil
            }
        }
    }
}

/// Replays recorded turns: each text in order, `nil` where the agent
/// stopped, and each recorded failure thrown again where it happened.
public struct ExchangeAgent: Agent {
    /// One recorded answer.
    public enum Reply: Sendable, Hashable {
        case text(String?, raw: String? = nil, tokens: Int? = nil)
        case failure(AgentFailure)
    }

    public let id: String
    private let replies: [Reply]
    private var next = 0
    /// The recorded raw output of the reply just played back.
    public private(set) var rawReply: String?
    /// The recorded tokens of the reply just played back.
    public private(set) var replyTokens: Int?

    public init(id: String = "replay", exchanges: [TraceExchange]) {
        self.id = id
        self.replies = exchanges.map(\.reply)
    }

    public init(id: String, texts: [String?]) {
        self.id = id
        self.replies = texts.map { Reply.text($0) }
    }

    public init(id: String, replies: [Reply]) {
        self.id = id
        self.replies = replies
    }

    public mutating func act(on observation: Observation) throws -> String? {
        guard next < replies.count else { return nil }
        defer { next += 1 }
        switch replies[next] {
        case .text(let text, let raw, let tokens):
            rawReply = raw
            replyTokens = tokens
            return text
        case .failure(let failure):
            rawReply = nil
            replyTokens = nil
            throw failure
        }
    }
}

/// Answer-key digests by fixture digest: a recorder made per episode (a
/// verify, a re-score) does not encode the answer key again.
final class AnswerKeyDigests: @unchecked Sendable {
    static let shared = AnswerKeyDigests()
    private var known: [String: String] = [:]
    private let lock = NSLock()

    func digest(of key: AnswerKey, fixtureDigest: String) throws -> String {
        lock.lock()
        let hit = known[fixtureDigest]
        lock.unlock()
        if let hit { return hit }
        let digest = try TraceHash.digest(of: key)
        lock.lock()
        if known.count > 1_000 { known.removeAll() }
        known[fixtureDigest] = digest
        lock.unlock()
        return digest
    }
}
