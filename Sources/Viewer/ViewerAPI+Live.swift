import Foundation
import MedGym
import Replay
import TraceStore

/// Episodes started from the live page.
extension ViewerAPI {
    // MARK: POST /api/live, GET /api/live

    /// Starts an episode from the live page: checked first (an unknown fixture or agent is a 400 naming
    /// the nearest), then played on a thread of its own, each turn published to the run's stream.
    func startLive(_ body: Data) throws -> Data {
        guard options.allowRun else {
            throw ViewerError(status: 403, message: "starting episodes is off: start the viewer with --allow-run to start them from the page")
        }
        let request: LiveRequest
        do {
            request = try CanonicalJSON.decode(LiveRequest.self, from: body)
        } catch {
            throw ViewerError.badRequest(
                "the body is not {\"fixture\": …, \"agent\": …, \"seed\"?: …, \"label\"?: …, \"pace_ms\"?: 0…5000}")
        }
        let fixture: Fixture
        do {
            fixture = try FixtureLoader.fixture(named: request.fixture)
        } catch let error as UnknownFixtureError {
            let near = error.known.filter { $0.hasPrefix(String(error.name.prefix(3))) }
            throw ViewerError.badRequest("unknown fixture '\(error.name)'", suggestions: near.isEmpty ? error.known : near)
        } catch {
            throw ViewerError.badRequest("\(error)")
        }
        var endpoint: EndpointSettings?
        if let base = request.baseUrl, !base.isEmpty {
            guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ViewerError.badRequest("base_url '\(base)' is not an http(s) URL; write e.g. http://localhost:8000/v1")
            }
            endpoint = EndpointSettings(
                baseURL: url, apiKeyVariable: request.apiKeyEnv.flatMap { $0.isEmpty ? nil : $0 }, temperature: request.temperature,
                maxTokens: request.maxTokens)
        }
        let spec: AgentSpec
        do {
            spec = try AgentSpec.parse(request.agent, endpoint: endpoint) { try String(contentsOfFile: $0, encoding: .utf8) }
        } catch let error as AgentSpecError where request.agent.hasPrefix("openai:") {
            throw ViewerError.badRequest(error.message.replacingOccurrences(of: "--base-url", with: "base_url"))
        } catch {
            throw ViewerError.badRequest("\(error)", suggestions: ["expert", "anchoring", "random", "protocol"])
        }
        let pace = request.paceMs ?? 300
        guard (0...5000).contains(pace) else { throw ViewerError.badRequest("pace_ms \(pace) is out of range; use 0…5000") }
        guard let feed else { throw ViewerError(status: 500, message: "the live tables of \(gate.path) could not be opened for writing") }
        let seed = request.seed ?? 42
        let inner = spec.makeAgent(fixture: fixture, seed: seed)
        guard let run = feed.begin(fixture: fixture.id, seed: seed, agent: inner.id, label: request.label) else {
            throw ViewerError(status: 500, message: feed.problem ?? "the live tables of \(gate.path) could not be written")
        }
        let gate = self.gate
        Thread {
            Self.play(
                run, fixture: fixture, agent: PacedAgent(inner: inner, pace: Double(pace) / 1000), spec: spec, seed: seed,
                label: request.label, gate: gate)
        }.start()
        return try CanonicalJSON.data(LiveStarted(run: run.id, stream: "/api/live/\(run.id)/stream"))
    }

    /// Plays and records one run started from the page, publishing each turn to its live run as
    /// `medgym run` does; its end (stored, or why not) goes to the live run too.
    static func play(_ run: LiveRun, fixture: Fixture, agent: PacedAgent, spec: AgentSpec, seed: UInt64, label: String?, gate: StoreGate) {
        do {
            var recorder = try EpisodeRecorder(fixture: fixture)
            switch spec {
            case .command, .openAI: recorder.invalidActions = .reject(limit: 5)  // models write free text
            default: break
            }
            var paced = agent
            let (_, recorded) = try recorder.play(
                seed: seed, agent: &paced, label: label, createdAt: CreatedAt.now(), endpoint: (agent.inner as? OpenAIAgent)?.settings,
                live: run)
            switch try gate.readHere({ try $0.save(recorded) }) {
            case .inserted: run.stored(episodeID: recorded.header.episodeID, alreadyStored: false)
            case .alreadyStored(let existing): run.stored(episodeID: existing, alreadyStored: true)
            }
        } catch {
            run.failed("\(error)")
        }
    }

    // MARK: GET /api/live, GET /api/live/RUN/stream

    /// The newest runs of the store's live tables (whichever process records them), newest first.
    func liveRuns() async throws -> Data {
        try await gate.read { try CanonicalJSON.data($0.liveRuns(limit: 50)) }
    }

    /// The run `text` names (its number), checked to be in the store; a 404 names the newest ones.
    func liveRun(_ text: String) async throws -> Int {
        let run = Int(text.hasPrefix("run_") ? String(text.dropFirst(4)) : text)
        let (found, newest) = try await gate.read { store in
            (try run.flatMap { try store.liveRun($0) }, try store.liveRuns(limit: 5).map { String($0.run) })
        }
        guard let run, found != nil else {
            throw ViewerError(status: 404, message: "no live run '\(text)' in the store", suggestions: newest)
        }
        return run
    }
}
