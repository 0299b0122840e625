import Foundation
import MedGym

/// One request of `medgym serve --stdio`: `{"id": …, "method": …, "params": {…}}`.
/// Decoding checks every field: a request that cannot be served is a
/// ``StdioRefusal`` carrying its id (so the reply answers it) and the
/// failure naming the field and the fix.
public struct StdioRequest: Sendable, Hashable, Codable {
    /// The caller's id, echoed in the reply (any JSON value; null when absent).
    public var id: JSONValue
    /// The environment the call is about (`params.env`, "default" when absent).
    public var env: String
    public var call: StdioCall

    public init(id: JSONValue, env: String = "default", call: StdioCall) {
        (self.id, self.env, self.call) = (id, env, call)
    }

    /// The most environments one batch request may name.
    public static let maximumBatch = 4096

    /// The most bytes of a step's `raw` (the model's whole output, recorded with the action).
    public static let maximumRawBytes = 65536

    /// The methods, as a refusal lists them.
    public static let methods = "hello, reset, step, reset_batch, step_batch, fork, bounds, score, stats or close"

    enum Key: String, CodingKey { case id, method, params }

    /// The refusal of a line that is not a JSON object.
    static let notAnObject = StdioRefusal(id: .null, .badRequest, "a line that is not a JSON object; send {\"id\":1,\"method\":\"reset\",\"params\":{…}}")

    /// A request line, read with ``JSONParser`` (the server's path: one line a step).
    public init(line: some Sequence<UInt8>) throws {
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch { throw Self.notAnObject }
        try self.init(value: value)
    }

    /// A request from its JSON value; what cannot be served throws a ``StdioRefusal``.
    public init(value: JSONValue) throws {
        guard case .object(let top) = value else { throw Self.notAnObject }
        let id = top["id"] ?? .null
        func refuse(_ code: EnvServer.Failure.Code, _ message: String) -> StdioRefusal { StdioRefusal(id: id, code, message) }
        let params = try Params(top["params"], name: "params", id: id)
        let env = try params.string("env") ?? "default"
        guard let method = top["method"], method != .null else { throw refuse(.badRequest, "the request has no method; use \(Self.methods)") }
        guard case .string(let name) = method else { throw refuse(.badRequest, "method must be a string: \(Self.methods)") }
        self.init(id: id, env: env, call: try StdioCall(method: name, params: params, refuse: refuse))
    }

    public init(from decoder: any Decoder) throws {
        guard let value = try? JSONValue(from: decoder) else { throw Self.notAnObject }
        try self.init(value: value)
    }

    public func encode(to encoder: any Encoder) throws {
        var top = encoder.container(keyedBy: Key.self)
        try top.encode(id, forKey: .id)
        try top.encode(call.method, forKey: .method)
        var params = call.params
        if env != "default" || call.method == "close" && call.closesEnvironment { params["env"] = .string(env) }
        try top.encode(JSONValue.object(params), forKey: .params)
    }

    /// A request's `params`, read field by field: a field of the wrong type is
    /// an `invalid_params` refusal naming it (a boolean is not a number, a
    /// number is not an environment name).
    struct Params {
        let fields: [String: JSONValue]
        let name: String
        let id: JSONValue

        init(_ value: JSONValue?, name: String, id: JSONValue) throws {
            (self.name, self.id) = (name, id)
            switch value {
            case nil, .null: fields = [:]
            case .object(let object): fields = object
            default: throw StdioRefusal(id: id, .invalidParams, "\(name) must be a JSON object")
            }
        }

        func refuse(_ key: String, _ what: String) -> StdioRefusal {
            StdioRefusal(id: id, .invalidParams, "\(name).\(key) must be \(what)")
        }

        func has(_ key: String) -> Bool {
            if case .none = fields[key] { return false }
            if case .null = fields[key] { return false }
            return true
        }

        func string(_ key: String) throws -> String? {
            switch fields[key] {
            case nil, .null: return nil
            case .string(let text): return text
            default: throw refuse(key, "a string")
            }
        }

        func object(_ key: String) throws -> [String: JSONValue]? {
            switch fields[key] {
            case nil, .null: return nil
            case .object(let object): return object
            default: throw refuse(key, "a JSON object")
            }
        }

        /// A whole number (not a boolean, not a string of digits).
        func integer(_ key: String) throws -> Int? {
            switch fields[key] {
            case nil, .null: return nil
            case .integer(let whole) where Int(exactly: whole) != nil: return Int(whole)
            case .number(let number) where number.rounded() == number && abs(number) < 9e15: return Int(number)
            default: throw refuse(key, "a whole number")
            }
        }

        /// A seed: a whole number from 0 to 2^64−1, or its decimal text (JSON
        /// numbers past 2^53 lose digits in many clients); 0 when absent.
        func seed(_ key: String) throws -> UInt64 {
            switch fields[key] {
            case nil, .null: return 0
            case .integer(let whole) where whole >= 0: return UInt64(whole)
            case .number(let number) where number >= 0 && number.rounded() == number && number < 9e15: return UInt64(number)
            case .string(let text): if let seed = UInt64(text) { return seed }
            default: break
            }
            throw refuse(key, "a whole number from 0 to 2^64−1 (or its decimal text)")
        }
    }
}

/// What a request asks the server to do.
public enum StdioCall: Sendable, Hashable {
    /// The protocol version, the library version, the fixtures, the actions and the character set.
    case hello
    /// Start an episode; `settings` (the caller's model and sampling settings) go into the provenance.
    case reset(fixture: String, seed: UInt64, label: String?, settings: [String: String]?)
    /// One action: free text, or (`tool`) a tool call whose `action` must be one of that tool's
    /// family (``ActionTools``); `raw` is the caller's whole output, recorded with the action.
    case step(action: String, tool: String? = nil, raw: String? = nil)
    /// Many environments reset in one request (a vector environment); `observation`: replies carry the structured observation.
    case resetBatch([BatchReset], observation: Bool)
    /// Many environments stepped in one request, in order; each gets its own reply (or error).
    case stepBatch([BatchStep], observation: Bool)
    case fork(episode: String, step: Int, action: String, continuation: ForkContinuation)
    /// Every catalog action forked at one step: the worst, the best and the recorded composite.
    case bounds(episode: String, step: Int, continuation: ForkContinuation)
    case score(episode: String)
    /// The server's own time spent answering requests and the env-steps it served (`reset`: start counting again).
    case stats(reset: Bool)
    /// With `params.env`: end and record that environment's episode (`record`: even when no action was
    /// taken, as a model's encounter is). Without: stop the server.
    case close(environment: Bool, record: Bool = false)

    init(
        method: String, params: StdioRequest.Params,
        refuse: (EnvServer.Failure.Code, String) -> StdioRefusal
    ) throws {
        switch method {
        case "hello":
            self = .hello
        case "reset":
            guard let fixture = try params.string("fixture") else { throw refuse(.invalidParams, "reset needs params.fixture (a fixture name)") }
            let seed = try params.seed("seed")
            let options = try StdioRequest.Params(params.fields["options"], name: "params.options", id: params.id)
            let settings = try options.object("settings")?.mapValues { value in
                if case .string(let text) = value { return text }
                return value.text
            }
            self = .reset(fixture: fixture, seed: seed, label: try options.string("label"), settings: settings)
        case "step":
            guard let action = try params.string("action") else { throw refuse(.invalidParams, "step needs params.action (text)") }
            guard action.utf8.count <= ActionResolver.maximumTextLength * 4 else {
                throw refuse(.tooLarge, "an action of \(action.utf8.count) bytes; write one action, such as 'CTA chest'")
            }
            let raw = try params.string("raw")
            guard (raw?.utf8.count ?? 0) <= StdioRequest.maximumRawBytes else {
                throw refuse(.tooLarge, "params.raw of \(raw?.utf8.count ?? 0) bytes; send at most \(StdioRequest.maximumRawBytes) bytes of the model's output")
            }
            self = .step(action: action, tool: try params.string("tool"), raw: raw)
        case "reset_batch", "step_batch":
            guard case .array(let items)? = params.fields[method == "reset_batch" ? "resets" : "steps"], !items.isEmpty else {
                throw refuse(
                    .invalidParams,
                    method == "reset_batch"
                        ? "reset_batch needs params.resets: [{env, fixture, seed, options}, …]" : "step_batch needs params.steps: [{env, action}, …]")
            }
            guard items.count <= StdioRequest.maximumBatch else {
                throw refuse(.tooLarge, "a batch of \(items.count); send at most \(StdioRequest.maximumBatch) a request")
            }
            let observation: Bool
            switch params.fields["observation"] {
            case nil, .null?: observation = false
            case .bool(let flag)?: observation = flag
            default: throw refuse(.invalidParams, "params.observation must be true or false")
            }
            var resets: [BatchReset] = []
            var steps: [BatchStep] = []
            func reset(_ fields: StdioRequest.Params, env: String) throws -> BatchReset {
                guard let fixture = try fields.string("fixture") else { throw fields.refuse("fixture", "a fixture name") }
                let options = try StdioRequest.Params(fields.fields["options"], name: "\(fields.name).options", id: params.id)
                let settings = try options.object("settings")?.mapValues { value in
                    if case .string(let text) = value { return text }
                    return value.text
                }
                return BatchReset(env: env, fixture: fixture, seed: try fields.seed("seed"), label: try options.string("label"), settings: settings)
            }
            for (index, item) in items.enumerated() {
                let fields = try StdioRequest.Params(item, name: "params.\(method == "reset_batch" ? "resets" : "steps")[\(index)]", id: params.id)
                guard let env = try fields.string("env") else { throw fields.refuse("env", "an environment name") }
                if method == "reset_batch" {
                    resets.append(try reset(fields, env: env))
                } else if fields.has("reset") {
                    // A vector environment's autoreset: this environment starts again in the same request.
                    let nested = try StdioRequest.Params(fields.fields["reset"], name: "\(fields.name).reset", id: params.id)
                    steps.append(BatchStep(env: env, reset: try reset(nested, env: env)))
                } else {
                    guard let action = try fields.string("action") else { throw fields.refuse("action", "text (or reset: {fixture, seed, options})") }
                    guard action.utf8.count <= ActionResolver.maximumTextLength * 4 else {
                        throw refuse(.tooLarge, "an action of \(action.utf8.count) bytes; write one action, such as 'CTA chest'")
                    }
                    steps.append(BatchStep(env: env, action: action))
                }
            }
            self = method == "reset_batch" ? .resetBatch(resets, observation: observation) : .stepBatch(steps, observation: observation)
        case "fork":
            guard let episode = try params.string("episode"), let step = try params.integer("step"), let action = try params.string("action") else {
                throw refuse(.invalidParams, "fork needs params.episode (an id), params.step (a whole number) and params.action (text)")
            }
            let continuation = ForkContinuation(rawValue: try params.string("continuation") ?? "original")
            guard let continuation, continuation != .agent else { throw refuse(.invalidParams, "params.continuation is original, expert or none") }
            self = .fork(episode: episode, step: step, action: action, continuation: continuation)
        case "bounds":
            guard let episode = try params.string("episode"), let step = try params.integer("step") else {
                throw refuse(.invalidParams, "bounds needs params.episode (an id) and params.step (a whole number)")
            }
            let continuation = ForkContinuation(rawValue: try params.string("continuation") ?? "original")
            guard let continuation, continuation != .agent else { throw refuse(.invalidParams, "params.continuation is original, expert or none") }
            self = .bounds(episode: episode, step: step, continuation: continuation)
        case "score":
            guard let episode = try params.string("episode") else { throw refuse(.invalidParams, "score needs params.episode (an id)") }
            self = .score(episode: episode)
        case "stats":
            switch params.fields["reset"] {
            case nil, .null?: self = .stats(reset: false)
            case .bool(let flag)?: self = .stats(reset: flag)
            default: throw refuse(.invalidParams, "params.reset must be true or false")
            }
        case "close":
            let record: Bool
            switch params.fields["record"] {
            case nil, .null?: record = false
            case .bool(let flag)?: record = flag
            default: throw refuse(.invalidParams, "params.record must be true or false")
            }
            self = .close(environment: params.has("env"), record: record)
        default:
            throw refuse(.unknownMethod, "unknown method '\(method)'; use \(StdioRequest.methods)")
        }
    }

    /// The method's name on the wire.
    public var method: String {
        switch self {
        case .hello: "hello"
        case .reset: "reset"
        case .step: "step"
        case .resetBatch: "reset_batch"
        case .stepBatch: "step_batch"
        case .fork: "fork"
        case .bounds: "bounds"
        case .score: "score"
        case .stats: "stats"
        case .close: "close"
        }
    }

    var closesEnvironment: Bool {
        if case .close(let environment, _) = self { return environment }
        return false
    }

    /// The call's params on the wire (without `env`).
    var params: [String: JSONValue] {
        switch self {
        case .close(_, let record): return record ? ["record": .bool(true)] : [:]
        case .hello: return [:]
        case .reset(let fixture, let seed, let label, let settings):
            var options: [String: JSONValue] = [:]
            if let label { options["label"] = .string(label) }
            if let settings { options["settings"] = .object(settings.mapValues { .string($0) }) }
            var params: [String: JSONValue] = ["fixture": .string(fixture), "seed": .string(String(seed))]
            if !options.isEmpty { params["options"] = .object(options) }
            return params
        case .step(let action, let tool, let raw):
            var params: [String: JSONValue] = ["action": .string(action)]
            if let tool { params["tool"] = .string(tool) }
            if let raw { params["raw"] = .string(raw) }
            return params
        case .resetBatch(let resets, let observation):
            return [
                "observation": .bool(observation),
                "resets": .array(
                    resets.map { r in
                        var options: [String: JSONValue] = [:]
                        if let label = r.label { options["label"] = .string(label) }
                        if let settings = r.settings { options["settings"] = .object(settings.mapValues { .string($0) }) }
                        var item: [String: JSONValue] = ["env": .string(r.env), "fixture": .string(r.fixture), "seed": .string(String(r.seed))]
                        if !options.isEmpty { item["options"] = .object(options) }
                        return .object(item)
                    }),
            ]
        case .stepBatch(let steps, let observation):
            return [
                "observation": .bool(observation),
                "steps": .array(
                    steps.map { step in
                        guard let reset = step.reset else { return .object(["env": .string(step.env), "action": .string(step.action ?? "")]) }
                        var item: [String: JSONValue] = ["fixture": .string(reset.fixture), "seed": .string(String(reset.seed))]
                        var options: [String: JSONValue] = [:]
                        if let label = reset.label { options["label"] = .string(label) }
                        if let settings = reset.settings { options["settings"] = .object(settings.mapValues { .string($0) }) }
                        if !options.isEmpty { item["options"] = .object(options) }
                        return .object(["env": .string(step.env), "reset": .object(item)])
                    }),
            ]
        case .fork(let episode, let step, let action, let continuation):
            return [
                "episode": .string(episode), "step": .integer(Int64(step)), "action": .string(action),
                "continuation": .string(continuation.rawValue),
            ]
        case .bounds(let episode, let step, let continuation):
            return ["episode": .string(episode), "step": .integer(Int64(step)), "continuation": .string(continuation.rawValue)]
        case .score(let episode): return ["episode": .string(episode)]
        case .stats(let reset): return reset ? ["reset": .bool(true)] : [:]
        }
    }
}

/// A request the server refuses before acting on it: the reply's id and failure.
public struct StdioRefusal: Error, Sendable, Hashable {
    public var id: JSONValue
    public var failure: EnvServer.Failure
    public init(id: JSONValue, _ code: EnvServer.Failure.Code, _ message: String) {
        (self.id, self.failure) = (id, EnvServer.Failure(code, message))
    }
}

/// One environment's reset in a `reset_batch` request.
public struct BatchReset: Sendable, Hashable {
    public var env: String, fixture: String, seed: UInt64, label: String?, settings: [String: String]?
    public init(env: String, fixture: String, seed: UInt64, label: String? = nil, settings: [String: String]? = nil) {
        (self.env, self.fixture, self.seed, self.label, self.settings) = (env, fixture, seed, label, settings)
    }
}

/// One environment's turn in a `step_batch` request: an action, or (a vector environment's
/// autoreset) a reset.
public struct BatchStep: Sendable, Hashable {
    public var env: String
    public var action: String?
    public var reset: BatchReset?
    public init(env: String, action: String) { (self.env, self.action, self.reset) = (env, action, nil) }
    public init(env: String, reset: BatchReset) { (self.env, self.action, self.reset) = (env, nil, reset) }
}
