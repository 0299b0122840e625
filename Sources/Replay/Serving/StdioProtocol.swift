import Foundation
import MedGym
import TraceStore

/// The JSON-lines protocol of `medgym serve --stdio`, as a library: one
/// request line in (``StdioRequest``), its reply line out (``StdioReply``),
/// handed to `write`, so it is tested in process; the CLI only wires
/// standard input and output. Every line gets a reply; a field of the wrong
/// type is `invalid_params` naming the field.
public final class StdioProtocol {
    public let server: EnvServer
    /// The largest request line accepted, in bytes.
    public static let maxRequestBytes = 1 << 20
    /// Where reply lines go (without their newline).
    let write: (String) -> Void

    /// Threads a `step_batch`'s environments step on (its replies are the same for any number).
    public let jobs: Int

    public init(server: EnvServer, jobs: Int = 1, write: @escaping (String) -> Void) {
        self.server = server
        self.jobs = jobs
        self.write = write
    }

    /// The reply to a line longer than ``maxRequestBytes``.
    public func refuseTooLarge() {
        write(StdioReply.error(id: .null, EnvServer.Failure(.tooLarge, "a request over \(Self.maxRequestBytes) bytes was refused; send one request a line")))
    }

    /// Answers one request line; false after `close` of the whole server.
    public func handle(_ line: Data) -> Bool {
        let request: StdioRequest
        do {
            request = try StdioRequest(line: line)
        } catch let refusal as StdioRefusal {
            write(StdioReply.error(id: refusal.id, refusal.failure))
            return true
        } catch {
            write(StdioReply.error(id: .null, StdioRequest.notAnObject.failure))
            return true
        }
        return handle(request)
    }

    /// The counters `stats` reports.
    private var stats = StdioReply.Stats(requests: 0, envSteps: 0, elapsedUs: 0)

    /// Answers one decoded request; false after `close` of the whole server.
    public func handle(_ request: StdioRequest) -> Bool {
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            stats.requests += 1
            stats.elapsedUs += Int(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
        }
        do {
            let (line, goOn) = try answer(request)
            write(line)
            return goOn
        } catch let failure as EnvServer.Failure {
            write(StdioReply.error(id: request.id, failure))
        } catch {
            write(StdioReply.error(id: request.id, EnvServer.Failure(.internal, "\(error)")))
        }
        return true
    }

    private func answer(_ request: StdioRequest) throws -> (line: String, goOn: Bool) {
        let (id, env) = (request.id, request.env)
        switch request.call {
        case .hello:
            let hello = StdioReply.Hello(
                protocol: 1, libraryVersion: MedGymVersion.current, fixtures: try FixtureLoader.shipped().map(\.id),
                actions: ActionCatalog.shipped.actions.map { .init(id: $0.id, name: $0.name, kind: $0.kind.rawValue) },
                tools: server.tools.tools.map { .init(name: $0.name, description: $0.description, actions: $0.actions) },
                systemPrompt: ChatTranscript.systemPrompt,
                charset: try EnvServer.characterSet())
            return (try StdioReply.result(id: id, hello), true)
        case .reset(let fixture, let seed, let label, let settings):
            return (try StdioReply.result(id: id, try server.reset(env: env, fixture: fixture, seed: seed, label: label, settings: settings)), true)
        case .step(let action, let tool, let raw):
            stats.envSteps += 1
            return (try StdioReply.result(id: id, try server.step(env: env, action: action, tool: tool, raw: raw)), true)
        case .stats(let reset):
            let reply = try StdioReply.result(id: id, stats)
            if reset { stats = StdioReply.Stats(requests: -1, envSteps: 0, elapsedUs: 0) }  // this request is counted on return
            return (reply, true)
        case .resetBatch(let resets, let observation):
            stats.envSteps += resets.count
            return (try Self.batchLine(id: id, server.batch(resets.map { BatchStep(env: $0.env, reset: $0) }, width: 1), observation), true)
        case .stepBatch(let steps, let observation):
            stats.envSteps += steps.count
            return (try Self.batchLine(id: id, server.batch(steps, width: jobs), observation), true)
        case .fork(let episode, let step, let action, let continuation):
            let fork = try server.fork(episode: episode, step: step, action: action, continuation: continuation)
            return (try StdioReply.result(id: id, StdioReply.ForkResult(fork)), true)
        case .bounds(let episode, let step, let continuation):
            let swept = try server.bounds(episode: episode, step: step, continuation: continuation)
            return (try StdioReply.result(id: id, StdioReply.Bounds(episode: episode, continuation: continuation, swept)), true)
        case .score(let episode):
            return (try StdioReply.result(id: id, try server.score(episode: episode)), true)
        case .close(environment: true, let record):
            let recorded = try server.abandon(
                env, reason: EnvServer.abandoned("the client closed env '\(env)' with the encounter in progress"), recordEmpty: record)
            return (try StdioReply.result(id: id, StdioReply.Closed.environment(env, recorded: recorded)), true)
        case .close(environment: false, _):
            if let first = server.closeAll().first { throw first }
            return (try StdioReply.result(id: id, StdioReply.Closed.wholeServer), false)
        }
    }

    /// A batch's reply line: each environment's transition (slim, with the structured observation when asked) or error.
    static func batchLine(id: JSONValue, _ results: [Result<EnvServer.Transition, EnvServer.Failure>], _ observation: Bool) throws -> String {
        try StdioReply.Batch(
            results: results.map { result in
                switch result {
                case .success(let transition): .transition(transition, observation: observation)
                case .failure(let failure): .failure(failure)
                }
            }
        ).line(id: id)
    }
}
