import ArgumentParser
import Foundation
import MedGym
import Replay
import TraceStore

/// `medgym serve --stdio`: the environment as a subprocess speaking JSON
/// lines (README "Train from Python"). Requests: `{"id": …, "method": …,
/// "params": {…}}`; replies: `{"id": …, "result": {…}}` or `{"id": …,
/// "error": {"code": …, "message": …}}`, one line each, in order.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the environment over standard input and output: JSON lines (--stdio) or the Model Context Protocol (--mcp).")

    @Flag(help: "Speak JSON lines on stdin/stdout: reset, step, fork, score, close.")
    var stdio = false

    @Flag(help: "Speak the Model Context Protocol on stdin/stdout: one encounter per session, its action families as tools.")
    var mcp = false

    @Option(help: "With --mcp: the fixture of the encounter.")
    var fixture: String = "adv_cocaine_dissection"

    @Option(help: "With --mcp: the episode seed.")
    var seed: UInt64 = 42

    @Option(help: "With --mcp: the model label the episode is recorded under.")
    var label: String?

    @Option(help: "Trace store file (default: $MEDGYM_STORE, else traces/medgym.sqlite).")
    var store: String?

    @Option(name: .customLong("sign-key"), help: "Sign every stored episode with this Ed25519 key (medgym keys new; default: $MEDGYM_SIGNING_KEY).")
    var signKey: String?

    @Flag(name: .customLong("no-store"), help: "Record nothing (forks and scores of stored episodes are then unavailable).")
    var noStore = false

    /// The largest request line accepted, in bytes.
    static let maxRequestBytes = 1 << 20

    func validate() throws {
        guard stdio != mcp else { throw ValidationError("choose one transport: --stdio or --mcp") }
        if mcp && (try? FixtureLoader.fixture(named: fixture)) == nil {
            throw ValidationError("unknown fixture '\(fixture)'; run 'medgym fixtures' to list them")
        }
    }

    func run() async throws {
        let server: EnvServer
        do {
            var opened: TraceStore?
            if !noStore {
                let key = try SigningOption.load(signKey)
                let (store, imports) = try StoreLocation(option: store).open(create: true)
                for note in imports { warn(note.description) }
                store.signingKey = key
                opened = store
            }
            server = EnvServer(store: opened, agent: mcp ? "mcp" : "python")
        } catch {
            throw fail(error)
        }
        if mcp {
            try await MCPSession.serve(MCPSession(server: server, fixture: fixture, seed: seed, label: label))
            return
        }
        serveLines(server)
    }

    /// The JSON-lines loop of `--stdio`.
    func serveLines(_ server: EnvServer) {
        signal(SIGPIPE, SIG_IGN)
        let input = FileHandle.standardInput
        var buffer = Data()
        var scanned = 0  // bytes of `buffer` already known to hold no newline
        var discarding = false
        reading: while true {
            let chunk = input.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer[(buffer.startIndex + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                let wasDiscarding = discarding
                discarding = false
                let keep = buffer[(newline + 1)...]
                defer { buffer = Data(keep); scanned = 0 }
                if wasDiscarding || line.allSatisfy({ $0 == 32 || $0 == 13 }) { continue }
                if !handle(Data(line), server) { break reading }
            }
            scanned = buffer.count
            if buffer.count > Self.maxRequestBytes {
                if !discarding {
                    reply(id: nil, error: EnvServer.Failure("too_large", "a request over \(Self.maxRequestBytes) bytes was refused; send one request a line"))
                }
                buffer.removeAll()
                scanned = 0
                discarding = true
            }
        }
        for failure in server.closeAll() { warn("\(failure.code): \(failure.message)") }
    }

    /// Answers one request; false after `close` of the whole server.
    func handle(_ line: Data, _ server: EnvServer) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: line), let request = object as? [String: Any] else {
            reply(id: nil, error: EnvServer.Failure("bad_request", "a line that is not a JSON object; send {\"id\":1,\"method\":\"reset\",\"params\":{…}}"))
            return true
        }
        let id = request["id"]
        let params = request["params"] as? [String: Any] ?? [:]
        let env = params["env"] as? String ?? "default"
        do {
            switch request["method"] as? String {
            case "hello":
                let fixtures = try FixtureLoader.shipped().map(\.id)
                let actions = ActionCatalog.shipped.actions.map { ["id": $0.id, "name": $0.name, "kind": $0.kind.rawValue] }
                reply(id: id, result: ["protocol": 1, "library_version": MedGymVersion.current, "fixtures": fixtures, "actions": actions,
                                       "charset": try EnvServer.characterSet()])
            case "reset":
                guard let fixture = params["fixture"] as? String else { throw EnvServer.Failure("bad_request", "reset needs params.fixture") }
                let seed = try Self.seed(params["seed"])
                let options = params["options"] as? [String: Any] ?? [:]
                let settings = (options["settings"] as? [String: Any])?.mapValues { value in
                    (value as? String) ?? Self.json(value)
                }
                reply(id: id, encodable: try server.reset(env: env, fixture: fixture, seed: seed, label: options["label"] as? String,
                                                          settings: settings))
            case "step":
                guard let action = params["action"] as? String else { throw EnvServer.Failure("bad_request", "step needs params.action (text)") }
                guard action.utf8.count <= ActionResolver.maximumTextLength * 4 else {
                    throw EnvServer.Failure("too_large", "an action of \(action.utf8.count) bytes; write one action, such as 'CTA chest'")
                }
                reply(id: id, encodable: try server.step(env: env, action: action))
            case "fork":
                guard let episode = params["episode"] as? String, let step = params["step"] as? Int, let action = params["action"] as? String else {
                    throw EnvServer.Failure("bad_request", "fork needs params.episode, params.step and params.action")
                }
                let continuation = ForkContinuation(rawValue: params["continuation"] as? String ?? "original")
                guard let continuation, continuation != .agent else {
                    throw EnvServer.Failure("bad_request", "params.continuation is original, expert or none")
                }
                let fork = try server.fork(episode: episode, step: step, action: action, continuation: continuation)
                reply(id: id, encodable: ForkReply(fork))
            case "score":
                guard let episode = params["episode"] as? String else { throw EnvServer.Failure("bad_request", "score needs params.episode") }
                reply(id: id, encodable: try server.score(episode: episode))
            case "close":
                if params["env"] != nil {
                    let recorded = try server.abandon(env)
                    reply(id: id, result: ["closed": env, "episode_id": recorded as Any])
                    return true
                }
                let failures = server.closeAll()
                if let first = failures.first { throw first }
                reply(id: id, result: ["closed": "server"])
                return false
            case let other:
                throw EnvServer.Failure("unknown_method", "unknown method '\(other ?? "")'; use hello, reset, step, fork, score or close")
            }
        } catch let failure as EnvServer.Failure {
            reply(id: id, error: failure)
        } catch {
            reply(id: id, error: EnvServer.Failure("internal", "\(error)"))
        }
        return true
    }

    static func seed(_ value: Any?) throws -> UInt64 {
        switch value {
        case nil, is NSNull: return 0
        case let number as NSNumber where number.int64Value >= 0 && number.doubleValue == Double(number.int64Value): return UInt64(number.int64Value)
        case let text as String: if let seed = UInt64(text) { return seed }
        default: break
        }
        throw EnvServer.Failure("bad_request", "params.seed must be a whole number from 0 to 2^64−1")
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
            reply(id: id, error: EnvServer.Failure("internal", "\(error)"))
        }
    }

    func reply(id: Any?, result: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])) ?? Data("{}".utf8)
        write("{\"id\":\(Self.json(id)),\"result\":\(String(decoding: data, as: UTF8.self))}")
    }

    func reply(id: Any?, error: EnvServer.Failure) {
        let body = (try? JSONSerialization.data(withJSONObject: ["code": error.code, "message": error.message], options: [.sortedKeys])) ?? Data()
        write("{\"error\":\(String(decoding: body, as: UTF8.self)),\"id\":\(Self.json(id))}")
    }

    static func json(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "null" }
        guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]) else { return "null" }
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
