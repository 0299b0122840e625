import Foundation
import MedGym
import TraceStore

/// Follows one run of the store's live tables (``LiveFeed``), whichever process records it, and
/// turns its trace events into the lines the live page streams: what the agent was shown, what it
/// answered, then how the run ended. Once the episode is stored its live events are gone: the rest
/// is read from the stored trace, which holds the same events.
final class LiveFollower: @unchecked Sendable {
    let run: Int
    private let catalog: ActionCatalog
    /// The last seq turned into lines.
    private var seen = -1
    private var score: ScoreCard?
    private var ended = false

    init(run: Int, catalog: ActionCatalog = ActionCatalog.shipped) {
        self.run = run
        self.catalog = catalog
    }

    /// The lines since the last call, and whether the run is over (its last line says how).
    func next(_ store: any EpisodeStore) throws -> (lines: [String], done: Bool) {
        guard !ended else { return ([], true) }
        // Events first, then the row: a row read as stored after its live events were dropped sends
        // the reader to the stored trace for what it missed.
        var events = try store.liveEvents(run: run, after: seen)
        guard let row = try store.liveRun(run) else {
            ended = true
            return ([LiveLine.error("live run \(run) is no longer in the store (only the newest runs are kept, \(LiveFeed.keptRuns) by default)")], true)
        }
        if row.state == .stored, let id = row.episodeID {
            let after = events.last?.seq ?? seen
            events += try store.events(id).filter { $0.seq > after }
        }
        var lines = try events.flatMap(lines(for:))
        if let last = events.last { seen = last.seq }
        switch row.state {
        case .running:
            break
        case .stored:
            ended = true
            if let score, let id = row.episodeID {
                lines.append(LiveLine.end(id, alreadyStored: row.alreadyStored ?? false, score: score))
            } else {
                lines.append(LiveLine.error("live run \(run) was stored as \(row.episodeID ?? "?"), whose trace has no score"))
            }
        case .failed, .abandoned:
            ended = true
            lines.append(LiveLine.error(row.error ?? "the run ended without an episode"))
        }
        return (lines, ended)
    }

    private func lines(for event: TraceEvent) throws -> [String] {
        switch event.kind {
        case .observation:
            guard let observation = try event.decodedPayload().observation else { return [] }
            return [LiveLine.observation(observation)]
        case .actionReceived:
            let p = try event.decodedPayload()
            return [LiveLine.action(step: event.step, text: p.text, raw: p.raw, action: p.action.flatMap { catalog[$0] })]
        case .actionRejected:
            let p = try event.decodedPayload()
            return [LiveLine.action(step: event.step, text: p.text, raw: p.raw, action: nil, rejected: p.error)]
        case .noAction:
            return [LiveLine.action(step: event.step, text: nil, raw: nil, action: nil)]
        case .agentError:
            guard let failure = try event.decodedPayload().failure else { return [] }
            return [LiveLine.failure(step: event.step, failure)]
        case .score:
            score = try event.decodedPayload().score
            return []
        default:
            // What the environment did shows in the observation that follows.
            return []
        }
    }
}

/// The lines a live run streams (canonical JSON, one object each).
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
        /// Why the text was not taken (it named no action), with the nearest.
        var rejected: String?
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

    static func action(step: Int, text: String?, raw: String?, action: CatalogAction?, rejected: String? = nil) -> String {
        encode(
            Acted(
                step: step, text: text, raw: raw, action: action?.id, name: action?.name, kind: action?.kind.rawValue, rejected: rejected))
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
