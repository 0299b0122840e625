import Foundation
import MedGym
import TraceStore

/// Episodes started from the live page: each is played on a thread of its own, every turn published
/// as a line of JSON that any number of pages stream (server-sent events), then recorded into the
/// store exactly as `medgym run` would record it (same agent id, same content-derived episode id).
final class LiveRuns: @unchecked Sendable {
    private var runs: [String: LiveRun] = [:]
    private var order: [String] = []
    private let lock = NSLock()

    /// A new run for `request`, its id (`run_N`) given under the lock: two requests at once never share one.
    func start(_ request: LiveRequest) -> LiveRun {
        lock.lock()
        defer { lock.unlock() }
        let run = LiveRun(id: "run_\(order.count + 1)", request: request)
        runs[run.id] = run
        order.append(run.id)
        return run
    }

    func run(_ id: String) -> LiveRun? {
        lock.lock()
        defer { lock.unlock() }
        return runs[id]
    }

    /// The runs in the order started.
    var all: [LiveRun] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { runs[$0] }
    }
}

/// One live episode: its request and the lines published so far.
final class LiveRun: @unchecked Sendable {
    let id: String
    let request: LiveRequest
    private var lines: [String] = []
    private var finished = false
    private let lock = NSLock()

    init(id: String, request: LiveRequest) {
        self.id = id
        self.request = request
    }

    func publish(_ line: String, last: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        lines.append(line)
        if last { finished = true }
    }

    /// The lines from `index` on, and whether the run has ended.
    func lines(from index: Int) -> (lines: [String], done: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (index < lines.count ? Array(lines[index...]) : [], finished)
    }

    var done: Bool { lines(from: Int.max).done }
}

/// What the live page asks for: a fixture (or scenario id), a seed, an agent, how fast to show it.
struct LiveRequest: Sendable, Codable {
    var fixture: String
    var seed: UInt64?
    var agent: String
    var label: String?
    /// Milliseconds between turns (0…5000), so a person can watch a built-in agent.
    var paceMs: Int?
    /// An `openai:MODEL` agent's endpoint, the environment variable (of the viewer's process) holding its
    /// key, and its sampling settings; as `medgym run`'s `--base-url`, `--api-key-env`, `--temperature`, `--max-tokens`.
    var baseUrl: String?
    var apiKeyEnv: String?
    var temperature: Double?
    var maxTokens: Int?
}

/// Wraps the agent of a live run: every observation it is shown and every text it answers is
/// published before play goes on. Its id and everything it records are the inner agent's, so the
/// stored episode is the one `medgym run` would store.
struct WatchedAgent: Agent {
    var inner: any Agent
    let run: LiveRun
    let resolver: ActionResolver
    let pace: Double

    var id: String { inner.id }
    var rawReply: String? { inner.rawReply }
    var replyTokens: Int? { inner.replyTokens }

    mutating func act(on observation: Observation) throws -> String? {
        run.publish(LiveLine.observation(observation))
        let text: String?
        do {
            text = try inner.act(on: observation)
        } catch let failure as AgentFailure {
            // (a timeout, a crash, a reply too long: the session records it and asks again or stops the agent)
            run.publish(LiveLine.failure(step: observation.step + 1, failure))
            throw failure
        }
        let action = text.flatMap { try? resolver.resolve($0) }
        run.publish(LiveLine.action(step: observation.step + 1, text: text, raw: inner.rawReply, action: action))
        if pace > 0 { Thread.sleep(forTimeInterval: pace) }
        return text
    }

    mutating func finish(score: ScoreCard) { inner.finish(score: score) }
    mutating func refused(_ refusal: TurnRefusal) { inner.refused(refusal) }
    mutating func resume(_ observation: Observation, answered text: String?, raw: String?) throws {
        try inner.resume(observation, answered: text, raw: raw)
    }
}

/// The lines a live run publishes (canonical JSON, one object each, `type` first among equals).
enum LiveLine {
    struct Observed: Encodable {
        var type = "observation"
        var observation: Observation
    }
    struct Acted: Encodable {
        var type = "action"
        var step: Int
        var text: String?
        var raw: String?
        var action: String?
        var name: String?
        var kind: String?
    }
    struct Failed: Encodable {
        var type = "failure"
        var step: Int
        var kind: String
        var detail: String
    }
    struct Ended: Encodable {
        var type = "end"
        var episodeID: String
        var alreadyStored: Bool
        var score: Headline
    }
    struct Headline: Encodable {
        var outcome: String
        var outcomeText: String?
        var harmLevel: String
        var composite: Double
        var dimensions: [DimensionScore]
    }
    struct Broken: Encodable {
        var type = "error"
        var message: String
    }

    static func observation(_ o: Observation) -> String { encode(Observed(observation: o)) }

    static func action(step: Int, text: String?, raw: String?, action: CatalogAction?) -> String {
        encode(Acted(step: step, text: text, raw: raw, action: action?.id, name: action?.name, kind: action?.kind.rawValue))
    }

    static func end(_ id: String, alreadyStored: Bool, score: ScoreCard) -> String {
        encode(
            Ended(
                episodeID: id, alreadyStored: alreadyStored,
                score: Headline(
                    outcome: score.outcome, outcomeText: score.outcomeText, harmLevel: score.harmLevel.rawValue, composite: score.composite,
                    dimensions: score.dimensions)))
    }

    static func error(_ message: String) -> String { encode(Broken(message: message)) }

    static func failure(step: Int, _ failure: AgentFailure) -> String {
        encode(Failed(step: step, kind: failure.kind.description, detail: failure.detail))
    }

    private static func encode(_ value: some Encodable) -> String {
        (try? CanonicalJSON.string(value)) ?? #"{"message":"a line could not be encoded","type":"error"}"#
    }
}
