import Foundation
import MedGym
import TraceStore

/// The JSON-lines protocol of `medgym serve --stdio`, as a library: one
/// request line in, its reply line out (``handle(_:)`` hands each reply to
/// `write`), so it is tested in process; the CLI only wires standard input
/// and output. Requests: `{"id": …, "method": …, "params": {…}}`; replies:
/// `{"id": …, "result": {…}}` or `{"error": {"code": …, "message": …}, "id": …}`.
/// Every line gets a reply; a field of the wrong type is `invalid_params`
/// naming the field.
public final class StdioProtocol {
    public let server: EnvServer
    /// The largest request line accepted, in bytes.
    public static let maxRequestBytes = 1 << 20
    /// Where reply lines go (without their newline).
    let write: (String) -> Void

    public init(server: EnvServer, write: @escaping (String) -> Void) {
        self.server = server
        self.write = write
    }

    /// The reply to a line longer than ``maxRequestBytes``.
    public func refuseTooLarge() {
        reply(id: nil, error: EnvServer.Failure(.tooLarge, "a request over \(Self.maxRequestBytes) bytes was refused; send one request a line"))
    }

    /// Answers one request; false after `close` of the whole server.
    public func handle(_ line: Data) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: line), let request = object as? [String: Any] else {
            reply(id: nil, error: EnvServer.Failure(.badRequest, "a line that is not a JSON object; send {\"id\":1,\"method\":\"reset\",\"params\":{…}}"))
            return true
        }
        let id = request["id"]
        do {
            let params = try RequestParams(request["params"])
            let env = try params.string("env") ?? "default"
            switch request["method"] {
            case let method as String:
                return try dispatch(method, id: id, params: params, env: env)
            case nil:
                throw EnvServer.Failure(.badRequest, "the request has no method; use hello, reset, step, fork, score or close")
            default:
                throw EnvServer.Failure(.badRequest, "method must be a string: hello, reset, step, fork, score or close")
            }
        } catch let failure as EnvServer.Failure {
            reply(id: id, error: failure)
        } catch {
            reply(id: id, error: EnvServer.Failure(.internal, "\(error)"))
        }
        return true
    }

    private func dispatch(_ method: String, id: Any?, params: RequestParams, env: String) throws -> Bool {
        switch method {
        case "hello":
            let fixtures = try FixtureLoader.shipped().map(\.id)
            let actions = ActionCatalog.shipped.actions.map { ["id": $0.id, "name": $0.name, "kind": $0.kind.rawValue] }
            reply(
                id: id,
                result: [
                    "protocol": 1, "library_version": MedGymVersion.current, "fixtures": fixtures, "actions": actions,
                    "charset": try EnvServer.characterSet(),
                ])
        case "reset":
            guard let fixture = try params.string("fixture") else { throw EnvServer.Failure(.invalidParams, "reset needs params.fixture (a fixture name)") }
            let seed = try params.seed("seed")
            let options = try RequestParams(params.values["options"], name: "params.options")
            let settings = try options.object("settings")?.mapValues { value in (value as? String) ?? Self.json(value) }
            reply(
                id: id,
                encodable: try server.reset(
                    env: env, fixture: fixture, seed: seed, label: try options.string("label"),
                    settings: settings))
        case "step":
            guard let action = try params.string("action") else { throw EnvServer.Failure(.invalidParams, "step needs params.action (text)") }
            guard action.utf8.count <= ActionResolver.maximumTextLength * 4 else {
                throw EnvServer.Failure(.tooLarge, "an action of \(action.utf8.count) bytes; write one action, such as 'CTA chest'")
            }
            reply(id: id, encodable: try server.step(env: env, action: action))
        case "fork":
            guard let episode = try params.string("episode"), let step = try params.integer("step"), let action = try params.string("action") else {
                throw EnvServer.Failure(.invalidParams, "fork needs params.episode (an id), params.step (a whole number) and params.action (text)")
            }
            let continuation = ForkContinuation(rawValue: try params.string("continuation") ?? "original")
            guard let continuation, continuation != .agent else {
                throw EnvServer.Failure(.invalidParams, "params.continuation is original, expert or none")
            }
            let fork = try server.fork(episode: episode, step: step, action: action, continuation: continuation)
            reply(id: id, encodable: ForkReply(fork))
        case "score":
            guard let episode = try params.string("episode") else { throw EnvServer.Failure(.invalidParams, "score needs params.episode (an id)") }
            reply(id: id, encodable: try server.score(episode: episode))
        case "close":
            if params.values["env"] != nil {
                let recorded = try server.abandon(env)
                reply(id: id, result: ["closed": env, "episode_id": recorded as Any])
                return true
            }
            let failures = server.closeAll()
            if let first = failures.first { throw first }
            reply(id: id, result: ["closed": "server"])
            return false
        default:
            throw EnvServer.Failure(.unknownMethod, "unknown method '\(method)'; use hello, reset, step, fork, score or close")
        }
        return true
    }

    /// A fork as the server reports it.
    struct ForkReply: Encodable {
        var parentID: String, step: Int, continuation: ForkContinuation, recordedAction: String?, alternateAction: String
        var actual: Double, counterfactual: Double, delta: Double, actualOutcome: String, counterfactualOutcome: String
        var deltas: [DimensionDelta]
        init(_ f: Fork) {
            (parentID, step, continuation, recordedAction, alternateAction) = (f.parentID, f.step, f.continuation, f.recordedAction, f.alternateAction)
            (actual, counterfactual, delta) = (f.actual.composite, f.counterfactual.composite, f.deltaComposite)
            (actualOutcome, counterfactualOutcome, deltas) = (f.actual.outcome, f.counterfactual.outcome, f.deltas)
        }
    }

    func reply(id: Any?, encodable: some Encodable) {
        do {
            let result = try CanonicalJSON.string(encodable)
            write("{\"id\":\(Self.json(id)),\"result\":\(result)}")
        } catch {
            reply(id: id, error: EnvServer.Failure(.internal, "\(error)"))
        }
    }

    func reply(id: Any?, result: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])) ?? Data("{}".utf8)
        write("{\"id\":\(Self.json(id)),\"result\":\(String(decoding: data, as: UTF8.self))}")
    }

    func reply(id: Any?, error: EnvServer.Failure) {
        let body = (try? JSONSerialization.data(withJSONObject: ["code": error.code.rawValue, "message": error.message], options: [.sortedKeys])) ?? Data()
        write("{\"error\":\(String(decoding: body, as: UTF8.self)),\"id\":\(Self.json(id))}")
    }

    static func json(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed, .sortedKeys]) else { return "null" }
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

}

/// A request's `params`, read field by field: a field of the wrong type is
/// an `invalid_params` failure naming it (a boolean is not a number, a number
/// is not an environment name).
struct RequestParams {
    let values: [String: Any]
    let name: String

    init(_ value: Any?, name: String = "params") throws {
        self.name = name
        switch value {
        case nil, is NSNull: values = [:]
        case let object as [String: Any]: values = object
        default: throw EnvServer.Failure(.invalidParams, "\(name) must be a JSON object")
        }
    }

    func string(_ key: String) throws -> String? {
        switch values[key] {
        case nil, is NSNull: return nil
        case let text as String: return text
        default: throw EnvServer.Failure(.invalidParams, "\(name).\(key) must be a string")
        }
    }

    func object(_ key: String) throws -> [String: Any]? {
        switch values[key] {
        case nil, is NSNull: return nil
        case let object as [String: Any]: return object
        default: throw EnvServer.Failure(.invalidParams, "\(name).\(key) must be a JSON object")
        }
    }

    /// A whole number (not a boolean, not a string of digits).
    func integer(_ key: String) throws -> Int? {
        switch values[key] {
        case nil, is NSNull: return nil
        case let number as NSNumber where !Self.isBoolean(number) && number.doubleValue == Double(number.intValue):
            return number.intValue
        default: throw EnvServer.Failure(.invalidParams, "\(name).\(key) must be a whole number")
        }
    }

    /// A seed: a whole number from 0 to 2^64−1, or its decimal text (JSON numbers past 2^53 lose digits); 0 when absent.
    func seed(_ key: String) throws -> UInt64 {
        switch values[key] {
        case nil, is NSNull: return 0
        case let number as NSNumber where !Self.isBoolean(number) && number.int64Value >= 0 && number.doubleValue == Double(number.int64Value):
            return UInt64(number.int64Value)
        case let text as String: if let seed = UInt64(text) { return seed }
        default: break
        }
        throw EnvServer.Failure(.invalidParams, "\(name).\(key) must be a whole number from 0 to 2^64−1 (or its decimal text)")
    }

    /// JSON `true`/`false` arrive as NSNumber too; their type code is `c`.
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
