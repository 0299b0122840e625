import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import TraceStore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one episode, record it in the trace store, and print its trajectory and score.",
        discussion:
            "Example: medgym run --fixture adv_cocaine_dissection --seed 42 --agent anchoring\nAgents: expert, anchoring, random, script:FILE (one action a line), cmd:COMMAND (JSON lines), openai:MODEL (with --base-url)."
    )

    @Option(help: "A shipped fixture name (see 'medgym fixtures list') or a path to an archetype .json file.")
    var fixture: String

    @Option(parsing: .unconditional, help: "Episode seed, 0 to 18446744073709551615.")
    var seed: String = "42"

    @Option(help: "expert, anchoring, random, or script:FILE (one action text a line).")
    var agent: String = "expert"

    @OptionGroup var recording: RecordingOptions

    @Option(name: .customLong("episode-id"), help: "Record under this id (ep_ and 12 hex digits) instead of one derived from the trace.")
    var episodeID: String?

    @Flag(help: "Print the episode and score as one JSON document.")
    var json = false

    func run() throws {
        defer { AgentProcessGroups.endAll() }  // no cmd: agent outlives the command, whatever ended it
        do {
            let seed = try SeedParser.parse(seed)
            let fixture = try FixtureLoader.fixture(named: fixture)
            let spec = try AgentSpec.parse(
                agent, stepTimeout: recording.agentTimeout, endpoint: try recording.endpoint(),
                maxResponseBytes: recording.maxResponseBytes
            ) {
                try String(contentsOfFile: $0, encoding: .utf8)
            }
            if let episodeID, !EpisodeID.isValid(episodeID) {
                throw ValidationError("--episode-id '\(episodeID)' is not ep_ followed by 12 lowercase hex digits (e.g. ep_0fa72a32ec1d)")
            }
            let store = try recording.openStore()
            var agent = spec.makeAgent(fixture: fixture, seed: seed)
            var recorder = try EpisodeRecorder(fixture: fixture, invalidActions: recording.invalidActionPolicy)
            switch spec {
            case .command, .openAI: recorder.invalidActions = .reject(limit: 5)  // models write free text
            default: break
            }
            // Watched from the viewer as it is played, unless --no-live.
            let feed = try recording.liveFeed(store, source: .run, by: recording.live ?? true)
            defer { close(feed) }
            // An --episode-id already stored records nothing new (the same trace) or is refused: not published.
            let taken = try episodeID.map { try store?.contains($0) ?? false } ?? false
            let live = taken ? nil : feed?.begin(fixture: fixture.id, seed: seed, agent: agent.id, label: recording.label)
            var episode: Episode
            let recorded: RecordedEpisode
            do {
                (episode, recorded) = try recorder.play(
                    seed: seed, agent: &agent, label: recording.label,
                    episodeID: episodeID, createdAt: CreatedAt.now(), live: live)
            } catch {
                live?.failed("\(error)")
                throw error
            }
            if let model = agent as? OpenAIAgent {
                warn("\(model.id): \(model.tokens) tokens, \(model.retries) retried requests")
            }
            episode.episodeID = recorded.header.episodeID
            if let store {
                switch try store.save(recorded, sameContent: episodeID == nil ? .reportExisting : .refuse) {
                case .inserted:
                    live?.stored(episodeID: recorded.header.episodeID, alreadyStored: false)
                    warn("recorded \(recorded.header.episodeID) in \(store.path) (\(recorded.events.count) events)")
                case .alreadyStored(let existing):
                    live?.stored(episodeID: existing, alreadyStored: true)
                    episode.episodeID = existing
                    warn("already stored: \(existing) in \(store.path) (\(recorded.events.count) events); nothing new was written")
                }
            }
            if json {
                try printJSON(episode)
            } else {
                print(EpisodeFormatter.trajectory(episode))
                print("")
                print(EpisodeFormatter.scoreTable(episode.score))
            }
        } catch {
            throw fail(error)
        }
    }
}

/// Where and how `run` and `batch` record.
struct RecordingOptions: ParsableArguments {
    @Option(help: "Trace store: a SQLite file or postgres://USER@HOST/DATABASE (default: $MEDGYM_STORE, else traces/medgym.sqlite).")
    var store: String?

    @Flag(name: .customLong("no-store"), help: "Do not record the episode.")
    var noStore = false

    @Option(help: "A model or version label stored with the episode.")
    var label: String?

    @Flag(name: .customLong("reject-invalid"), help: "Record unknown action text as action_rejected and ask the agent again, instead of stopping.")
    var rejectInvalid = false

    @Option(
        name: .customLong("agent-timeout"), parsing: .unconditional,
        help:
            "Seconds a cmd: or openai: agent gets per reply before it is stopped (timeout recorded; a cmd: agent's process group is ended within about a second more)."
    )
    var agentTimeout: Double = AgentSpec.defaultStepTimeout

    @Option(name: .customLong("base-url"), help: "openai:MODEL agents: the OpenAI-compatible endpoint (e.g. http://localhost:8000/v1).")
    var baseURL: String?

    @Option(name: .customLong("api-key-env"), help: "openai:MODEL agents: the environment variable holding the API key (the key is never stored or printed).")
    var apiKeyEnv: String?

    @Option(help: "openai:MODEL agents: sampling temperature.")
    var temperature: Double?

    @Option(name: .customLong("max-tokens"), help: "openai:MODEL agents: most tokens per reply.")
    var maxTokens: Int?

    @Option(name: .customLong("sign-key"), help: "Sign every stored episode with this Ed25519 key (medgym keys new; default: $MEDGYM_SIGNING_KEY).")
    var signKey: String?

    @Option(
        name: .customLong("max-response-bytes"),
        help: "openai:MODEL agents: most bytes of one endpoint response; a longer one is cut off as it streams (agent_error too_long).")
    var maxResponseBytes: Int = OpenAIAgent.defaultMaxResponseBytes

    /// The endpoint settings for openai: agents, when --base-url is given.
    func endpoint() throws -> EndpointSettings? {
        guard let baseURL else { return nil }
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ValidationError("--base-url '\(baseURL)' is not an http(s) URL; write e.g. http://localhost:8000/v1")
        }
        return EndpointSettings(baseURL: url, apiKeyVariable: apiKeyEnv, temperature: temperature, maxTokens: maxTokens)
    }

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Write each turn into the store's live tables as it is played, for the viewer's live page (serve --http).",
            discussion:
                "Default: on for run; for batch, on for cmd: and openai: agents only (a built-in agent's turns take microseconds, and writing them costs the batch time)."
        ))
    var live: Bool?

    var invalidActionPolicy: InvalidActionPolicy { rejectInvalid ? .reject(limit: 5) : .fail }

    /// A live feed into `store` when `wanted` (nil without a store). A store whose live tables cannot
    /// be written is told on stderr and not watched: the recording goes on.
    func liveFeed(_ store: (any EpisodeStore)?, source: LiveSource, by wanted: Bool) throws -> LiveFeed? {
        guard wanted, let store else { return nil }
        return try LiveFeed(store: store, source: source)
    }

    func validate() throws {
        guard agentTimeout > 0 && agentTimeout <= 3600 else {
            throw ValidationError("--agent-timeout \(agentTimeout) is out of range; use more than 0 and at most 3600 seconds")
        }
        guard maxResponseBytes >= 1024 && maxResponseBytes <= 1 << 30 else {
            throw ValidationError(
                "--max-response-bytes \(maxResponseBytes) is out of range; use 1024 to 1073741824 (default \(OpenAIAgent.defaultMaxResponseBytes))")
        }
    }

    /// The store to record into (nil with --no-store); the default store first imports traces/*.jsonl.
    func openStore() throws -> (any EpisodeStore)? {
        guard !noStore else { return nil }
        let key = try SigningOption.load(signKey)
        let (store, imports) = try StoreLocation(option: store).openStore(create: true)
        for note in imports { warn(note.description) }
        store.signingKey = key
        return store
    }
}
