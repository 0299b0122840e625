import Foundation
import MedGym
import TraceStore

/// The environment driven from outside, one request at a time: what
/// `medgym serve --stdio` answers and the Python package wraps as a
/// Gymnasium environment. Many environments per server (by `env` name), one
/// episode at a time each; every episode is recorded in the trace store like
/// any other run (agent `python`, the caller's label), and re-executes from
/// its trace like any other.
///
/// Reward: ``StepReward`` (potential-based, the same as the RLVR corpus's):
/// the change in the composite the episode would score if it ended there,
/// the last step also carrying the arrival state's potential, so the rewards
/// of an episode sum exactly to its composite.
public final class EnvServer {
    public let store: (any EpisodeStore)?
    public let resolver: ActionResolver
    /// The agent id episodes are recorded under (`python` for `serve --stdio`, `mcp` for `serve --mcp`).
    public let agent: String
    /// The action tools a `step` with a tool call is checked against (the MCP server's and the `openai:` agent's).
    public let tools: ActionTools
    /// Where each episode's turns are published as they are played (the viewer's live page), or nil.
    public var live: LiveFeed?
    /// The episodes in progress by env name, each in its own slot: a turn changes its session in
    /// place (a session held in the table's value would be copied out and back by every access).
    private var sessions: [String: Slot] = [:]
    private let fixtures = FixtureCache()
    /// Each fixture's digests (its canonical JSON's and its answer key's), computed once per name, as
    /// ``fixtures`` loads each name once.
    private var fixtureDigests: [String: (fixture: String, answerKey: String)] = [:]

    private func digests(of fixture: Fixture, named name: String) throws -> (fixture: String, answerKey: String) {
        if let known = fixtureDigests[name] { return known }
        let recorder = try EpisodeRecorder(fixture: fixture, resolver: resolver, invalidActions: .reject(limit: Self.stepLimitForRejections))
        fixtureDigests[name] = (recorder.fixtureDigest, recorder.answerKeyDigest)
        return (recorder.fixtureDigest, recorder.answerKeyDigest)
    }
    private var forker: Forker? { store.map { Forker(store: $0, resolver: resolver) } }

    /// An episode in progress.
    struct Session {
        var fixture: Fixture
        /// The turns: the same ``EpisodeSession`` the runner and re-execution feed.
        var turns: EpisodeSession
        /// The trace being built; nil when the server records nothing (no store): then no event is
        /// encoded or hashed, and a finished episode has no id.
        var builder: TraceBuilder?
        var label: String?
        var seed: UInt64
        /// The episode's live run and how many of its events it has been told (nil: not watched).
        var live: LiveRun?
        var published = 0
        /// Scores the potential every step (points only), re-reading only the answer-key items still open.
        let scorer: Scorer
        var memo: ScoreMemo
        var potentialCard: ScoreCard
        var arrivalCard: ScoreCard
        var env: Environment { turns.env }
        var observation: Observation { turns.observation }
        /// Events in the trace so far (0 without one).
        var eventCount: Int { builder?.events.count ?? 0 }

        /// One turn, told to the trace builder when there is one.
        mutating func submit(_ input: EpisodeSession.Input) throws(EpisodeRunError) -> EpisodeSession.TurnOutcome {
            guard var recording = builder else {
                var none = NoObserver()
                return try turns.submit(input, observer: &none)
            }
            builder = nil  // uniquely referenced while it grows
            defer { builder = recording }
            let outcome = try turns.submit(input, observer: &recording)
            if let live, recording.events.count > published {
                live.publish(recording.events[published...])
                published = recording.events.count
            }
            return outcome
        }
    }

    public init(store: (any EpisodeStore)?, resolver: ActionResolver = .shipped, agent: String = "python") {
        self.store = store
        self.resolver = resolver
        self.agent = agent
        self.tools = ActionTools(resolver: resolver)
    }

    /// A reply's error: a stable code and a message naming the fix.
    public struct Failure: Error, Sendable, Hashable {
        /// The stable error codes of both servers' replies (the strings a client sees).
        public enum Code: String, Sendable, Hashable, CaseIterable, Codable {
            case badRequest = "bad_request"
            case invalidParams = "invalid_params"
            case unknownMethod = "unknown_method"
            case unknownFixture = "unknown_fixture"
            case noEpisode = "no_episode"
            case unknownEpisode = "unknown_episode"
            case notServed = "not_served"
            case unknownAction = "unknown_action"
            case badFork = "bad_fork"
            case tooLarge = "too_large"
            case noStore = "no_store"
            case store
            case `internal`
        }
        public var code: Code
        public var message: String
        public init(_ code: Code, _ message: String) { (self.code, self.message) = (code, message) }
    }

    /// What reset and step return.
    public struct Transition: Sendable, Hashable, Encodable {
        public var observation: Observation
        /// The observation as a clinician reads it (``ChatTranscript``).
        public var text: String
        public var reward: Double
        public var terminated: Bool
        public var truncated: Bool
        public var info: Info
    }

    public struct Info: Sendable, Hashable, Encodable {
        public var fixture: String
        public var seed: UInt64
        public var step: Int
        public var minute: Int
        /// The catalog action the text resolved to (nil at reset, or when rejected).
        public var action: String?
        /// Why the text was not applied, with the nearest actions.
        public var rejected: String?
        public var suggestions: [String]?
        /// The refusal as the agent is told it (also at the head of `text`): reason, nearest actions, bad replies left.
        public var refused: TurnRefusal?
        /// The potential (composite if the episode ended now) and its nine dimensions.
        public var potential: Double
        public var dimensions: [DimensionScore]
        public var outcome: String
        public var harmLevel: HarmLevel
        /// Seq numbers of the trace events this call produced.
        public var events: [Int]
        /// When the episode is over: its id in the store and its score.
        public var episodeID: String?
        public var composite: Double?
        /// When the episode is over: whether its outcome is the answer key's `caught` (the diagnosis
        /// confirmed and acted on).
        public var caught: Bool?
    }

    static let stepLimitForRejections = EpisodeRunner.consecutiveFailureLimit

    /// Every character an observation can hold, sorted: printable ASCII, newline, every
    /// character of the shipped fixtures and catalog (what observations are made of) and the
    /// rendering's own punctuation. A Gymnasium `Text` space takes it as its character set.
    public static func characterSet() throws -> String {
        var characters = Set((32...126).map { Character(UnicodeScalar(UInt8($0))) })
        characters.insert("\n")
        for fixture in try FixtureLoader.shipped() { characters.formUnion(try CanonicalJSON.string(fixture)) }
        for action in ActionCatalog.shipped.actions { characters.formUnion(action.name + action.id + (action.normalResult ?? "")) }
        characters.formUnion("·…–—→%°µ≥≤✓✗⚠’“”")
        return String(characters.sorted())
    }

    /// Starts an episode; `settings` (the caller's model and sampling settings) go into the trace's provenance.
    public func reset(
        env name: String, fixture id: String, seed: UInt64, label: String?,
        settings: [String: String]? = nil
    ) throws(Failure) -> Transition {
        if sessions.index(forKey: name) != nil {  // the episode in progress is ended (and recorded, marked abandoned) first
            try abandon(name, reason: Self.abandoned("a reset started a new episode in env '\(name)' before this one ended"))
        }
        let fixture: Fixture
        do { fixture = try fixtures.fixture(named: id, resolver: resolver).0 } catch {
            let known = (try? FixtureLoader.shipped().map(\.id)) ?? []
            throw Failure(.unknownFixture, "unknown fixture '\(id)'; known: \(known.joined(separator: ", "))")
        }
        do {
            let env = Environment(fixture: fixture, resolver: resolver, seed: seed)
            var builder: TraceBuilder?
            if store != nil {
                let digests = try digests(of: fixture, named: id)
                let provenance = Provenance(
                    agent: agent, label: label, answerKeyDigest: digests.answerKey,
                    settings: settings?.isEmpty == false ? settings : nil)
                builder = try TraceBuilder(starting: env, fixtureDigest: digests.fixture, provenance: provenance)
            }
            var scorer = Scorer(fixture: fixture, catalog: resolver.catalog)
            scorer.details = false  // the potential needs the points only
            var memo = ScoreMemo()
            let card = scorer.score(env.state, memo: &memo)
            let observation = env.initialObservation
            let turns = EpisodeSession(from: env, observation: observation, invalidActions: .reject(limit: Self.stepLimitForRejections))
            var session = Session(
                fixture: fixture, turns: turns, builder: builder, label: label, seed: seed, scorer: scorer, memo: memo,
                potentialCard: card, arrivalCard: card)
            if let builder, let run = live?.begin(fixture: fixture.id, seed: seed, agent: agent, label: label) {
                run.publish(builder.events)
                (session.live, session.published) = (run, builder.events.count)
            }
            sessions[name] = Slot(session)
            return Transition(
                observation: observation, text: ChatTranscript.render(observation, limits: EncounterChart.Limits(fixture)), reward: 0,
                terminated: false,
                truncated: false, info: Self.info(session, card: card, action: nil, events: Array(0..<session.eventCount)))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(.internal, "\(error)")
        }
    }

    /// One turn: `text` (free text, resolved like any action), or with `tool` a tool call whose
    /// argument `text` must be one of that tool's actions, as for the `openai:` agent: a call outside
    /// its tool's family is not taken (recorded as a protocol error, no time passes) and the reply
    /// says which tool to call. `raw` (the caller's whole output) is recorded with the action.
    public func step(env name: String, action text: String, tool: String? = nil, raw: String? = nil) throws(Failure) -> Transition {
        guard let slot = sessions[name] else { throw Self.noEpisode(name) }
        var input = EpisodeSession.Input.text(text, raw: raw)
        var nearest: [String]?
        if let tool, case .failure(let why) = tools.action(tool: tool, argument: text) {
            input = .failure(AgentFailure(kind: .protocolError, detail: why.description, fatal: false))
            nearest = why.suggestions
        }
        // Advanced in place in its slot (the session and its arrays never copied), taken out once it ended.
        let advanced = try Self.advance(&slot.session, input: input, nearest: nearest)
        return try finish(name, advanced)
    }

    static func noEpisode(_ name: String) -> Failure {
        Failure(.noEpisode, "no episode in progress for env '\(name)'; send reset first")
    }

    /// What one turn did to a session taken out of the table, before it is put back or recorded.
    struct Advanced: Sendable {
        var reply: Transition
        var eventsBefore: Int
        var over: Bool
    }

    /// One turn of one session: touches nothing but the session, so a batch's sessions advance on
    /// several threads at once.
    static func advance(_ session: inout Session, text: String) throws(Failure) -> Advanced {
        try advance(&session, input: .text(text))
    }

    /// One turn of one session from any input: a text, or a refused tool call (a failure that is not
    /// fatal) whose refusal names `nearest` (the valid calls it resembles).
    static func advance(_ session: inout Session, input: EpisodeSession.Input, nearest: [String]? = nil) throws(Failure) -> Advanced {
        let before = session.eventCount
        var result: StepResult?
        var rejection: ActionResolutionError?
        do {
            // The one turn loop: applied, or rejected (and after five in a row the agent is stopped and the clock runs out).
            switch try session.submit(input) {
            case .applied(let step):
                result = step.result
            case .rejected(let rejected, let stopped):
                rejection = rejected.error
                if stopped, case .ranOut(let rest?) = try session.submit(.stop) { result = rest.result }
            case .failed(_, let stopped):
                if stopped, session.turns.env.state.isRunning, case .ranOut(let rest?) = try session.submit(.stop) { result = rest.result }
            case .ranOut:
                break
            }
        } catch {
            throw Failure(.internal, "\(error)")
        }
        // The stored properties, read in place (the computed `env` would copy the whole environment).
        let card = session.scorer.score(session.turns.env.state, memo: &session.memo)
        let over = !session.turns.env.state.isRunning
        let reward = StepReward.step(before: session.potentialCard, after: card, arrival: session.arrivalCard, terminal: over).reward
        session.potentialCard = card
        var reply = Transition(
            observation: session.turns.observation, text: ChatTranscript.render(session.turns.observation), reward: reward,
            terminated: result?.terminated ?? false, truncated: result?.truncated ?? false,
            info: info(session, card: card, action: result?.action, events: Array(before..<session.eventCount)))
        if let rejection {
            reply.info.rejected = rejection.description
            reply.info.suggestions = rejection.suggestions
        }
        if var refusal = session.turns.refusal {
            if let nearest, !nearest.isEmpty {
                refusal.suggestions = nearest
                reply.info.suggestions = nearest
            }
            // The model reads why first, then the (unchanged) patient.
            reply.text = refusal.message + "\n\n" + reply.text
            reply.info.refused = refusal
        }
        return Advanced(reply: reply, eventsBefore: before, over: over)
    }

    /// The reply to an advanced session's turn; its episode taken out of the table and recorded when it is over.
    private func finish(_ name: String, _ advanced: Advanced) throws(Failure) -> Transition {
        var reply = advanced.reply
        guard advanced.over, let session = sessions.removeValue(forKey: name)?.session else { return reply }
        let (id, final) = try record(session)
        reply.info.episodeID = id
        reply.info.composite = final.composite
        reply.info.caught = final.outcome == session.fixture.answerKey.outcome.caught
        if session.builder != nil {  // and the score event
            reply.info.events = Array(advanced.eventsBefore..<(advanced.eventsBefore + reply.info.events.count + 1))
        }
        return reply
    }

    /// A batch of turns, one per item in order: resets first (in order), then every step's session
    /// advanced on up to `width` threads, then each put back or recorded in order. The replies and
    /// the store are the same for any `width`. A batch naming an environment twice runs one item
    /// after another.
    public func batch(_ items: [BatchStep], width: Int) -> [Result<Transition, Failure>] {
        func one(_ item: BatchStep) -> Result<Transition, Failure> {
            Result { () throws(Failure) -> Transition in
                if let r = item.reset { return try reset(env: r.env, fixture: r.fixture, seed: r.seed, label: r.label, settings: r.settings) }
                return try step(env: item.env, action: item.action ?? "")
            }
        }
        guard Set(items.map(\.env)).count == items.count else { return items.map(one) }
        var results = [Result<Transition, Failure>?](repeating: nil, count: items.count)
        var work: [(index: Int, name: String, text: String)] = []
        for (index, item) in items.enumerated() {
            if item.reset != nil {
                results[index] = one(item)
            } else if sessions.index(forKey: item.env) != nil {
                work.append((index, item.env, item.action ?? ""))
            } else {
                results[index] = .failure(Self.noEpisode(item.env))
            }
        }
        if width <= 1 || work.count <= 1 {  // one lane: each turn in place in the table, in order
            for job in work { results[job.index] = one(items[job.index]) }
            return results.map { $0! }
        }
        // Each lane advances its own slots, in place.
        let box = AdvanceBox(slots: work.map { sessions[$0.name]! }, texts: work.map(\.text))
        let (count, lanes) = (work.count, min(width, work.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for k in stride(from: lane, to: count, by: lanes) { box.advance(k) }
        }
        for (k, job) in work.enumerated() {
            switch box.outcomes[k]! {
            case .success(let advanced):
                do throws(Failure) {
                    results[job.index] = .success(try finish(job.name, advanced))
                } catch {
                    results[job.index] = .failure(error)
                }
            case .failure(let failure):
                results[job.index] = .failure(failure)
            }
        }
        return results.map { $0! }
    }

    /// The agent error that ends an encounter its caller left: an
    /// `abandoned` agent error saying why (the episode is marked abandoned).
    public static func abandoned(_ why: String) -> AgentFailure {
        AgentFailure(kind: .abandoned, detail: why, fatal: true)
    }

    /// What ends an encounter whose client went away (its input ended, or it stopped reading).
    public static let clientGone = abandoned("the client closed the connection with the encounter in progress; the patient was left to the clock")

    /// Ends an episode whose caller stopped (a reset or close mid-episode, a
    /// client gone): `reason` is recorded as an `abandoned` agent error, the
    /// patient is left to the clock, and the episode is recorded marked
    /// abandoned (kept out of leaderboards, diffs and corpora). An episode in
    /// which no action was applied is not recorded (nil) unless `recordEmpty`
    /// (a model's encounter counts even when it did nothing).
    @discardableResult
    public func abandon(_ name: String, reason: AgentFailure, recordEmpty: Bool = false) throws(Failure) -> String? {
        guard var session = sessions.removeValue(forKey: name)?.session else { return nil }
        guard recordEmpty || !session.turns.steps.isEmpty, session.builder != nil else {
            session.live?.failed("\(reason.detail) (no action had been taken, so nothing was recorded)")
            return nil
        }
        _ = try? session.submit(.failure(reason))
        _ = try? session.submit(.stop)
        return try record(session).id
    }

    /// Ends every episode in progress (the server is closing); the failures, if any recording failed.
    @discardableResult
    public func closeAll(reason: AgentFailure = abandoned("the server was closed with the encounter in progress")) -> [Failure] {
        var failures: [Failure] = []
        for name in sessions.keys.sorted() {
            do { try abandon(name, reason: reason) } catch { failures.append(error) }
        }
        return failures
    }

    /// The episode's score, and its id once stored (nil without a store: nothing was recorded).
    private func record(_ session: Session) throws(Failure) -> (id: String?, score: ScoreCard) {
        let score = Scorer(fixture: session.fixture, catalog: resolver.catalog).score(session.env.state)
        guard var builder = session.builder else { return (nil, score) }
        do {
            let events = try builder.finish(score: score, state: session.env.state)
            let id = EpisodeID.derive(headHash: events.last!.hash, agent: agent, label: session.label, parentID: nil, forkStep: nil)
            let header = EpisodeHeader(
                episodeID: id, fixture: session.fixture.id, tier: session.fixture.tier,
                variant: EpisodeHeader.variant(ofFixture: session.fixture.id), seed: session.seed,
                agent: agent, label: session.label, createdAt: CreatedAt.now())
            let recorded = RecordedEpisode(header: header, events: events, score: score, finalState: session.env.state)
            guard let store else { return (nil, score) }
            switch try store.save(recorded) {
            case .inserted:
                session.live?.stored(episodeID: id, alreadyStored: false)
                return (id, score)
            case .alreadyStored(let existing):
                session.live?.stored(episodeID: existing, alreadyStored: true)
                return (existing, score)
            }
        } catch {
            session.live?.failed("the episode could not be recorded: \(error)")
            throw Failure(.store, "the episode could not be recorded: \(error)")
        }
    }

    private static func info(_ s: Session, card: ScoreCard, action: String?, events: [Int]) -> Info {
        Info(
            fixture: s.fixture.id, seed: s.seed, step: s.turns.env.state.step, minute: s.turns.env.state.minute, action: action, rejected: nil,
            suggestions: nil, potential: card.composite, dimensions: card.dimensions, outcome: card.outcome, harmLevel: card.harmLevel,
            events: events, episodeID: nil, composite: nil)
    }

    /// A recorded episode forked at `step` with `action` (like `replay fork`).
    public func fork(episode: String, step: Int, action: String, continuation: ForkContinuation) throws(Failure) -> Fork {
        guard let forker else { throw Failure(.noStore, "the server runs without a store (--no-store); forks need one") }
        do {
            return try forker.fork(episode, at: step, action: action, continuation: continuation)
        } catch {
            throw Self.forkFailure(error)
        }
    }

    /// A fork's (or a sweep's) error as the reply names it: an unknown action, an unknown episode, the store, or the fork.
    static func forkFailure(_ error: any Error) -> Failure {
        switch error {
        case ForkError.unknownAction(let resolution): Failure(.unknownAction, resolution.description)
        case let error as StoreError:
            if case .unknownEpisode = error { Failure(.unknownEpisode, "\(error)") } else { Failure(.store, "\(error)") }
        default: Failure(.badFork, "\(error)")
        }
    }

    /// Every catalog action forked at `step` of a recorded episode, scored
    /// (what a reward places a malformed completion below).
    public func bounds(episode: String, step: Int, continuation: ForkContinuation) throws(Failure) -> SweepStep {
        guard let forker else { throw Failure(.noStore, "the server runs without a store (--no-store); bounds need one") }
        do {
            return try Sweeper(forker: forker).sweepStep(episode, at: step, candidates: .catalog, continuation: continuation)
        } catch {
            throw Self.forkFailure(error)
        }
    }

    /// A recorded episode's score card.
    public func score(episode: String) throws(Failure) -> ScoreCard {
        guard let store else { throw Failure(.noStore, "the server runs without a store (--no-store)") }
        do {
            return try store.checkedEpisode(episode).score
        } catch {
            if case .unknownEpisode = error { throw Failure(.unknownEpisode, "\(error)") }
            throw Failure(.notServed, "\(error)")
        }
    }
}

/// One episode in progress: the session a turn changes in place.
final class Slot: @unchecked Sendable {
    var session: EnvServer.Session
    init(_ session: EnvServer.Session) { self.session = session }
}

/// A batch's turns while they advance on several lanes: each lane touches only its own indices
/// (its slots and its outcomes).
private final class AdvanceBox: @unchecked Sendable {
    let slots: [Slot]
    let texts: [String]
    let outcomes: UnsafeMutableBufferPointer<Result<EnvServer.Advanced, EnvServer.Failure>?>

    init(slots: [Slot], texts: [String]) {
        self.slots = slots
        self.texts = texts
        self.outcomes = .allocate(capacity: texts.count)
        self.outcomes.initialize(repeating: nil)
    }

    deinit {
        outcomes.deinitialize()
        outcomes.deallocate()
    }

    func advance(_ k: Int) {
        outcomes[k] = Result { () throws(EnvServer.Failure) -> EnvServer.Advanced in try EnvServer.advance(&slots[k].session, text: texts[k]) }
    }
}
