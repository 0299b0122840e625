import Foundation
import MedGym

/// One reply line of `medgym serve --stdio`: `{"id": …, "result": {…}}` or
/// `{"error": {"code": …, "message": …}, "id": …}`, keys sorted.
public enum StdioReply {
    /// A result line.
    public static func result(id: JSONValue, _ result: some Encodable) throws -> String {
        "{\"id\":\(id.text),\"result\":\(try CanonicalJSON.string(result))}"
    }

    /// An error line.
    public static func error(id: JSONValue, _ failure: EnvServer.Failure) -> String {
        "{\"error\":{\"code\":\(CanonicalJSON.quoted(failure.code.rawValue)),\"message\":\(CanonicalJSON.quoted(failure.message))},\"id\":\(id.text)}"
    }

    /// What `hello` answers.
    public struct Hello: Sendable, Hashable, Codable {
        public var `protocol`: Int
        public var libraryVersion: String
        public var fixtures: [String]
        public var actions: [Action]
        /// The action tools offered to models (one per family, the MCP server's and the `openai:` agent's):
        /// a `step` with `tool` is checked against them.
        public var tools: [Tool]
        /// The system prompt the `openai:` agent gives a model (one text for every model path).
        public var systemPrompt: String
        /// Every character an observation or action name can hold (for a tokenizer's check).
        public var charset: String

        /// An action as `hello` lists it.
        public struct Action: Sendable, Hashable, Codable {
            public var id: String
            public var name: String
            public var kind: String
        }

        /// A tool as `hello` lists it: its name (the family), what it does, and the catalog names its
        /// one argument `action` takes.
        public struct Tool: Sendable, Hashable, Codable {
            public var name: String
            public var description: String
            public var actions: [String]
        }
    }

    /// What `close` answers: the environment closed and the episode it
    /// recorded (null when none was in progress), or `"server"`.
    public struct Closed: Sendable, Hashable, Codable {
        public var closed: String
        public var episodeID: String?
        /// Whether an environment (not the server) was closed: then `episode_id` is written, null or not.
        var environment: Bool

        static func environment(_ env: String, recorded: String?) -> Closed {
            Closed(closed: env, episodeID: recorded, environment: true)
        }
        static let wholeServer = Closed(closed: "server", episodeID: nil, environment: false)

        enum CodingKeys: String, CodingKey { case closed, episodeID }

        init(closed: String, episodeID: String?, environment: Bool) {
            (self.closed, self.episodeID, self.environment) = (closed, episodeID, environment)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            closed = try c.decode(String.self, forKey: .closed)
            environment = c.contains(.episodeID)
            episodeID = try c.decodeIfPresent(String.self, forKey: .episodeID)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(closed, forKey: .closed)
            if environment {
                if let episodeID { try c.encode(episodeID, forKey: .episodeID) } else { try c.encodeNil(forKey: .episodeID) }
            }
        }
    }

    /// A fork as the server reports it.
    public struct ForkResult: Sendable, Hashable, Encodable {
        public var parentID: String, step: Int, continuation: ForkContinuation, recordedAction: String?, alternateAction: String
        public var actual: Double, counterfactual: Double, delta: Double, actualOutcome: String, counterfactualOutcome: String
        public var deltas: [DimensionDelta]
        public init(_ f: Fork) {
            (parentID, step, continuation, recordedAction, alternateAction) = (f.parentID, f.step, f.continuation, f.recordedAction, f.alternateAction)
            (actual, counterfactual, delta) = (f.actual.composite, f.counterfactual.composite, f.deltaComposite)
            (actualOutcome, counterfactualOutcome, deltas) = (f.actual.outcome, f.counterfactual.outcome, f.deltas)
        }
    }

    /// What `bounds` answers: every catalog action forked at one step under
    /// one continuation, the recorded action's composite beside the best
    /// (not contraindicated) and the worst candidate's.
    public struct Bounds: Sendable, Hashable, Encodable {
        public var episodeID: String, step: Int, continuation: ForkContinuation, candidates: Int
        public var recordedAction: String?, recorded: Double
        public var bestAction: String?, best: Double?, worstAction: String?, worst: Double?
        public init(episode: String, continuation: ForkContinuation, _ s: SweepStep) {
            (episodeID, step, self.continuation, candidates) = (episode, s.step, continuation, s.alternatives.count)
            (recordedAction, recorded) = (s.recordedAction, s.recordedComposite)
            (bestAction, best, worstAction, worst) = (s.best?.action, s.best?.composite, s.worst?.action, s.worst?.composite)
        }
    }

    /// What `reset_batch` and `step_batch` answer: one entry per environment, in the request's order.
    ///
    /// A vector environment's every step goes through it, so ``line(id:)`` writes it straight into
    /// bytes; the `Encodable` conformance is the reference it is tested against (the same bytes).
    public struct Batch: Sendable, Hashable, Encodable {
        public var results: [Entry]

        public init(results: [Entry]) { self.results = results }

        /// The reply line, keys sorted, as ``StdioReply/result(id:_:)`` would write it.
        public func line(id: JSONValue) throws -> String {
            var out: [UInt8] = []
            out.reserveCapacity(512 * results.count)
            out.append(contentsOf: #"{"id":"#.utf8)
            out.append(contentsOf: id.text.utf8)
            out.append(contentsOf: #","result":{"results":["#.utf8)
            for (index, entry) in results.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try entry.write(into: &out)
            }
            out.append(contentsOf: "]}}".utf8)
            return String(decoding: out, as: UTF8.self)
        }

        /// One environment's transition, slim (text, reward, flags, the short info; the structured
        /// observation only when asked), or its error.
        public enum Entry: Sendable, Hashable, Encodable {
            case transition(EnvServer.Transition, observation: Bool)
            case failure(EnvServer.Failure)

            enum Keys: String, CodingKey { case text, reward, terminated, truncated, info, observation, error }
            enum InfoKeys: String, CodingKey {
                case step, minute, action, rejected, suggestions, refused, potential, outcome, harmLevel, episodeID, composite
            }
            enum ErrorKeys: String, CodingKey { case code, message }

            /// The entry's JSON, keys sorted (as `encode(to:)` gives it through the canonical encoder).
            func write(into out: inout [UInt8]) throws {
                func key(_ name: String) {
                    CanonicalJSON.appendQuoted(name, to: &out)
                    out.append(UInt8(ascii: ":"))
                }
                func flag(_ value: Bool) { out.append(contentsOf: (value ? "true" : "false").utf8) }
                switch self {
                case .failure(let failure):
                    out.append(contentsOf: #"{"error":{"code":"#.utf8)
                    CanonicalJSON.appendQuoted(failure.code.rawValue, to: &out)
                    out.append(contentsOf: #","message":"#.utf8)
                    CanonicalJSON.appendQuoted(failure.message, to: &out)
                    out.append(contentsOf: "}}".utf8)
                case .transition(let t, let observation):
                    let i = t.info
                    out.append(contentsOf: #"{"info":{"#.utf8)
                    var first = true
                    func field(_ name: String) {
                        if !first { out.append(UInt8(ascii: ",")) }
                        first = false
                        key(name)
                    }
                    if let action = i.action {
                        field("action")
                        CanonicalJSON.appendQuoted(action, to: &out)
                    }
                    if let composite = i.composite {
                        field("composite")
                        try CanonicalJSON.appendNumber(composite, to: &out)
                    }
                    if let id = i.episodeID {
                        field("episode_id")
                        CanonicalJSON.appendQuoted(id, to: &out)
                    }
                    field("harm_level")
                    CanonicalJSON.appendQuoted(i.harmLevel.rawValue, to: &out)
                    field("minute")
                    out.append(contentsOf: String(i.minute).utf8)
                    field("outcome")
                    CanonicalJSON.appendQuoted(i.outcome, to: &out)
                    field("potential")
                    try CanonicalJSON.appendNumber(i.potential, to: &out)
                    if let refused = i.refused {
                        field("refused")
                        out.append(contentsOf: try CanonicalJSON.string(refused).utf8)
                    }
                    if let rejected = i.rejected {
                        field("rejected")
                        CanonicalJSON.appendQuoted(rejected, to: &out)
                    }
                    field("step")
                    out.append(contentsOf: String(i.step).utf8)
                    if let suggestions = i.suggestions {
                        field("suggestions")
                        out.append(contentsOf: try CanonicalJSON.string(suggestions).utf8)
                    }
                    out.append(contentsOf: "},".utf8)
                    if observation {
                        key("observation")
                        out.append(contentsOf: try CanonicalJSON.string(t.observation).utf8)
                        out.append(UInt8(ascii: ","))
                    }
                    key("reward")
                    try CanonicalJSON.appendNumber(t.reward, to: &out)
                    out.append(UInt8(ascii: ","))
                    key("terminated")
                    flag(t.terminated)
                    out.append(UInt8(ascii: ","))
                    key("text")
                    CanonicalJSON.appendQuoted(t.text, to: &out)
                    out.append(UInt8(ascii: ","))
                    key("truncated")
                    flag(t.truncated)
                    out.append(UInt8(ascii: "}"))
                }
            }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Keys.self)
                switch self {
                case .failure(let failure):
                    var e = c.nestedContainer(keyedBy: ErrorKeys.self, forKey: .error)
                    try e.encode(failure.code.rawValue, forKey: .code)
                    try e.encode(failure.message, forKey: .message)
                case .transition(let t, let observation):
                    try c.encode(t.text, forKey: .text)
                    try c.encode(t.reward, forKey: .reward)
                    try c.encode(t.terminated, forKey: .terminated)
                    try c.encode(t.truncated, forKey: .truncated)
                    if observation { try c.encode(t.observation, forKey: .observation) }
                    var i = c.nestedContainer(keyedBy: InfoKeys.self, forKey: .info)
                    try i.encode(t.info.step, forKey: .step)
                    try i.encode(t.info.minute, forKey: .minute)
                    try i.encodeIfPresent(t.info.action, forKey: .action)
                    try i.encodeIfPresent(t.info.rejected, forKey: .rejected)
                    try i.encodeIfPresent(t.info.suggestions, forKey: .suggestions)
                    try i.encodeIfPresent(t.info.refused, forKey: .refused)
                    try i.encode(t.info.potential, forKey: .potential)
                    try i.encode(t.info.outcome, forKey: .outcome)
                    try i.encode(t.info.harmLevel, forKey: .harmLevel)
                    try i.encodeIfPresent(t.info.episodeID, forKey: .episodeID)
                    try i.encodeIfPresent(t.info.composite, forKey: .composite)
                }
            }
        }
    }

    /// What `stats` answers: the server's time answering requests (a wall clock, for benchmarks only;
    /// nothing of it reaches a trace) and the env-steps (resets and steps) it served since the last reset.
    public struct Stats: Sendable, Hashable, Codable {
        public var requests: Int
        public var envSteps: Int
        public var elapsedUs: Int
    }
}
