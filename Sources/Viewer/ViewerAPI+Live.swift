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
        let run = live.start(request)
        let gate = self.gate
        Thread {
            Self.play(run, fixture: fixture, spec: spec, seed: request.seed ?? 42, pace: Double(pace) / 1000, gate: gate)
        }.start()
        return try CanonicalJSON.data(LiveStarted(run: run.id, stream: "/api/live/\(run.id)/stream"))
    }

    /// Plays and records one live run, publishing as it goes; ends with its episode id and score, or an error.
    static func play(_ run: LiveRun, fixture: Fixture, spec: AgentSpec, seed: UInt64, pace: Double, gate: StoreGate) {
        do {
            var recorder = try EpisodeRecorder(fixture: fixture)
            switch spec {
            case .command, .openAI: recorder.invalidActions = .reject(limit: 5)  // models write free text
            default: break
            }
            let inner = spec.makeAgent(fixture: fixture, seed: seed)
            var watched = WatchedAgent(inner: inner, run: run, resolver: .shipped, pace: pace)
            let (episode, recorded) = try recorder.play(
                seed: seed, agent: &watched, label: run.request.label, createdAt: CreatedAt.now(),
                endpoint: (inner as? OpenAIAgent)?.settings)
            run.publish(LiveLine.observation(episode.steps.last?.result.observation ?? episode.initialObservation))
            let outcome = try gate.readHere { try $0.save(recorded) }
            switch outcome {
            case .inserted: run.publish(LiveLine.end(recorded.header.episodeID, alreadyStored: false, score: episode.score), last: true)
            case .alreadyStored(let existing): run.publish(LiveLine.end(existing, alreadyStored: true, score: episode.score), last: true)
            }
        } catch {
            run.publish(LiveLine.error("\(error)"), last: true)
        }
    }

    /// The runs started from the page, newest last.
    func liveRuns() throws -> Data {
        try CanonicalJSON.data(
            live.all.map { LiveSummary(run: $0.id, fixture: $0.request.fixture, agent: $0.request.agent, seed: $0.request.seed ?? 42, done: $0.done) })
    }
}
