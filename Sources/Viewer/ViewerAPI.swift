import Foundation
import MedGym
import Replay
import TraceStore

/// The viewer's JSON endpoints, as functions of a request's parameters: the server only routes to
/// them. Every body is canonical JSON (sorted keys, snake_case); an error is a ``ViewerError``.
struct ViewerAPI: Sendable {
    let gate: StoreGate
    let options: ViewerOptions
    let live = LiveRuns()
    let facetCache = FacetCache()

    // MARK: GET /api/episodes

    /// One page of stored episodes, filtered and sorted, each row checked against its trace.
    func episodes(_ parameters: [String: String]) async throws -> Data {
        let query = try Self.query(parameters)
        return try await gate.read { store in
            let page = try store.page(query)
            let checker = store.checker
            let rows = page.rows.map { row -> EpisodeRow in
                let id = row.header.episodeID
                do {
                    let checked = try checker.check(row, outline: try store.outline(id))
                    return EpisodeRow(row, check: checked.unverifiedReason == nil ? "checked" : "unverified", reason: checked.unverifiedReason)
                } catch {
                    return EpisodeRow(row, check: "broken", reason: "\(error)")
                }
            }
            return try CanonicalJSON.data(EpisodesPage(total: page.total, offset: query.offset, limit: query.limit, rows: rows))
        }
    }

    /// The query a request's parameters make; an unknown parameter or a bad value is a 400 naming it.
    static func query(_ p: [String: String]) throws(ViewerError) -> EpisodeQuery {
        let known = [
            "fixture", "agent", "label", "outcome", "harm", "min_tier", "max_tier", "min_composite", "max_composite", "from", "until",
            "forks", "sort", "order", "offset", "limit",
        ]
        for name in p.keys.sorted() where !known.contains(name) {
            let near = known.filter { $0.hasPrefix(String(name.prefix(3))) }
            throw .badRequest("unknown parameter '\(name)'", suggestions: near.isEmpty ? known : near)
        }
        var q = EpisodeQuery()
        func text(_ name: String) -> String? { p[name].flatMap { $0.isEmpty ? nil : $0 } }
        func whole(_ name: String, _ range: ClosedRange<Int>) throws(ViewerError) -> Int? {
            guard let value = text(name) else { return nil }
            guard let n = Int(value), range.contains(n) else {
                throw .badRequest("\(name) '\(value)' is not a whole number in \(range.lowerBound)…\(range.upperBound)")
            }
            return n
        }
        func number(_ name: String) throws(ViewerError) -> Double? {
            guard let value = text(name) else { return nil }
            guard let n = Double(value), n.isFinite else { throw .badRequest("\(name) '\(value)' is not a number") }
            return n
        }
        (q.fixture, q.agent, q.label, q.outcome, q.harm) = (text("fixture"), text("agent"), text("label"), text("outcome"), text("harm"))
        (q.minTier, q.maxTier) = (try whole("min_tier", 1...100), try whole("max_tier", 1...100))
        (q.minComposite, q.maxComposite) = (try number("min_composite"), try number("max_composite"))
        (q.from, q.until) = (text("from"), text("until"))
        if let forks = text("forks") {
            guard let flag = Bool(forks) else { throw .badRequest("forks '\(forks)' is not true or false") }
            q.forks = flag
        }
        if let sort = text("sort") {
            guard let chosen = EpisodeQuery.Sort(rawValue: sort) else {
                throw .badRequest("sort '\(sort)' is not a column", suggestions: EpisodeQuery.Sort.allCases.map(\.rawValue))
            }
            q.sort = chosen
        }
        if let order = text("order") {
            guard order == "asc" || order == "desc" else { throw .badRequest("order '\(order)' is not asc or desc", suggestions: ["asc", "desc"]) }
            q.descending = order == "desc"
        }
        q.offset = try whole("offset", 0...Int(Int32.max)) ?? 0
        q.limit = try whole("limit", 1...EpisodeQuery.maximumLimit) ?? 50
        return q
    }

    // MARK: GET /api/facets

    /// The values each filter can take in this store.
    func facets() async throws -> Data {
        // Each is a scan of the store: read again only when an episode has been added since.
        let facetCache = self.facetCache
        let values = try await gate.read { store in
            let latest = try store.connection.scalarInt("SELECT max(id) FROM episodes") ?? 0
            return try facetCache.values(at: latest) {
                try EpisodeQuery.Facet.allCases.map { facet in Facet(name: facet.rawValue, values: try store.distinct(facet)) }
            }
        }
        return try CanonicalJSON.data(
            Facets(
                facets: values, store: gate.path, allowSave: options.allowSave, allowRun: options.allowRun,
                fixtures: FixtureLoader.shippedNames()))
    }

    // MARK: GET /api/episodes/:id

    /// One episode, its whole chain checked: the row, every event as recorded, and the score card.
    func episode(_ id: String) async throws -> Data {
        let checked: CheckedEpisode = try await gate.read { store in
            do throws(StoreError) {
                return try store.checkedEpisode(id)
            } catch {
                if case .unknownEpisode(_, _, let suggestions) = error {
                    throw ViewerError(status: 404, message: "no episode '\(id)' in this store", suggestions: suggestions)
                }
                throw ViewerError(status: 409, message: "\(error)")
            }
        }
        // The events' payloads are the recorded canonical JSON, hash-checked: written into the body as they are.
        var body = Data("{\"episode\":".utf8)
        body += try CanonicalJSON.data(
            EpisodeRow(checked.listing, check: checked.unverifiedReason == nil ? "checked" : "unverified", reason: checked.unverifiedReason))
        body += Data(",\"events\":[".utf8)
        for (index, event) in checked.events.enumerated() {
            if index > 0 { body += Data(",".utf8) }
            body += try CanonicalJSON.data(EventHead(seq: event.seq, step: event.step, minute: event.simMinute, kind: event.kind.rawValue)).dropLast()
            body += Data(",\"payload\":".utf8) + Data(event.payload.utf8) + Data("}".utf8)
        }
        body += Data("]}".utf8)
        return body
    }

    // MARK: GET /api/episodes/:id/postmortem, /sweep, /training

    /// `replay postmortem --format json`: the decisive step, what was missed, the critical steps.
    func postmortem(_ id: String) async throws -> Data {
        try await gate.analysis("postmortem/" + id) { store in
            try Self.served(id) { try CanonicalJSON.data(PostmortemBuilder(forker: Forker(store: store)).build(id, jobs: Self.jobs)) }
        }
    }

    /// `replay sweep --json` (the answer key's actions at every step, the recorded agent carrying on):
    /// the regret per step the page charts.
    func sweep(_ id: String) async throws -> Data {
        try await gate.analysis("sweep/" + id) { store in
            try Self.served(id) {
                try CanonicalJSON.data(Sweeper(forker: Forker(store: store)).sweep(id, candidates: .key, continuation: .original, jobs: Self.jobs))
            }
        }
    }

    /// The training rows the episode yields, as `replay export corpus` writes them: `{"rlvr": [...],
    /// "grpo": [...], "sft": [...]}` (each row the exported JSON object).
    func training(_ id: String) async throws -> Data {
        try await gate.analysis("training/" + id) { store in
            let rows = try Self.served(id) { try CorpusExporter(forker: Forker(store: store), jobs: Self.jobs).rows(id) }
            var body = Data("{".utf8)
            for (index, (name, lines)) in [("grpo", rows.grpo), ("rlvr", rows.rlvr), ("sft", rows.sft)].enumerated() {
                body += Data(((index > 0 ? "," : "") + "\"\(name)\":[" + lines.joined(separator: ",") + "]").utf8)
            }
            return body + Data("}".utf8)
        }
    }

    static var jobs: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `body`, with an unknown episode a 404 naming the nearest and any other refusal a 409 saying why.
    static func served<T>(_ id: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            if case .unknownEpisode(_, _, let suggestions) = error {
                throw ViewerError(status: 404, message: "no episode '\(id)' in this store", suggestions: suggestions)
            }
            throw ViewerError(status: 409, message: "\(error)")
        } catch let error as ViewerError {
            throw error
        } catch {
            throw ViewerError(status: 409, message: "\(error)")
        }
    }

    // MARK: GET /api/actions?q=

    /// What a text resolves to, or the nearest catalog actions: the fork form's suggestions as you type.
    func actions(_ text: String) throws -> Data {
        let resolver = ActionResolver.shipped
        var reply = ActionLookup(text: text, action: nil, name: nil, suggestions: [])
        if !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let action = try resolver.resolve(text)
                (reply.action, reply.name) = (action.id, action.name)
            } catch {
                // What is being typed first ("esmo" is esmolol on its way), then the resolver's nearest.
                var found = Self.completions(of: text, in: resolver.catalog)
                for id in error.suggestions + resolver.nearest(text, limit: 8) where !found.contains(id) { found.append(id) }
                reply.suggestions = Array(found.prefix(8))
            }
        }
        return try CanonicalJSON.data(reply)
    }

    /// Catalog actions one of whose id, name or synonyms has, for every word typed, a word starting with
    /// it ("CT ang" → cta_chest), in catalog order.
    static func completions(of text: String, in catalog: ActionCatalog) -> [String] {
        func words(_ s: String) -> [Substring] { s.lowercased().split { !$0.isLetter && !$0.isNumber } }
        let typed = words(text)
        guard !typed.isEmpty else { return [] }
        return catalog.actions.filter { action in
            ([action.id, action.name] + action.synonyms).contains { phrase in
                let have = words(phrase.replacingOccurrences(of: "_", with: " "))
                return typed.allSatisfy { word in have.contains { $0.hasPrefix(word) } }
            }
        }.map(\.id)
    }

    // MARK: GET /api/diff, GET /api/leaderboard

    /// `replay diff` as JSON: two model versions (labels, else agents) on the same patients, each
    /// regression with its episodes, where the runs part and the decisive step.
    func diff(_ p: [String: String]) async throws -> Data {
        try Self.only(["baseline", "candidate", "fixtures"], in: p)
        guard let baseline = p["baseline"], !baseline.isEmpty, let candidate = p["candidate"], !candidate.isEmpty else {
            throw ViewerError.badRequest("give baseline and candidate (a label, else an agent): /api/diff?baseline=expert&candidate=anchoring")
        }
        return try await gate.read { store in
            do {
                return try CanonicalJSON.data(
                    ModelDiff.build(
                        forker: Forker(store: store), baseline: baseline, candidate: candidate,
                        fixtures: EpisodeSelection.patterns(p["fixtures"]), jobs: ProcessInfo.processInfo.activeProcessorCount))
            } catch let error as ViewerError {
                throw error
            } catch {
                throw ViewerError.badRequest("\(error)")
            }
        }
    }

    /// `medgym leaderboard --json`: each group's figures per fixture (or archetype, specialty, tier band) and overall.
    func leaderboard(_ p: [String: String]) async throws -> Data {
        try Self.only(["fixtures", "by"], in: p)
        var grouping = Leaderboard.Grouping.fixture
        if let by = p["by"], !by.isEmpty {
            guard let chosen = Leaderboard.Grouping(rawValue: by) else {
                throw ViewerError.badRequest("by '\(by)' is not a grouping", suggestions: Leaderboard.Grouping.allCases.map(\.rawValue))
            }
            grouping = chosen
        }
        let (patterns, by) = (EpisodeSelection.patterns(p["fixtures"]), grouping)
        return try await gate.read { store in
            try CanonicalJSON.data(
                Leaderboard.build(store: store, fixtures: patterns, by: by, jobs: ProcessInfo.processInfo.activeProcessorCount))
        }
    }

    /// A 400 for any parameter not in `known`.
    static func only(_ known: [String], in p: [String: String]) throws(ViewerError) {
        for name in p.keys.sorted() where !known.contains(name) {
            throw .badRequest("unknown parameter '\(name)'", suggestions: known)
        }
    }

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
        let spec: AgentSpec
        do {
            spec = try AgentSpec.parse(request.agent) { try String(contentsOfFile: $0, encoding: .utf8) }
        } catch {
            throw ViewerError.badRequest("\(error)", suggestions: ["expert", "anchoring", "random", "protocol"])
        }
        let pace = request.paceMs ?? 300
        guard (0...5000).contains(pace) else { throw ViewerError.badRequest("pace_ms \(pace) is out of range; use 0…5000") }
        let run = LiveRun(id: "run_\(live.count + 1)", request: request)
        live.add(run)
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

    // MARK: POST /api/fork

    /// Forks a stored episode at a step with another action (the page's counterfactual panel); saved
    /// into the store only when the server was started with saving allowed.
    func fork(_ body: Data) async throws -> Data {
        let request: ForkRequest
        do {
            request = try JSONDecoder().decode(ForkRequest.self, from: body)
        } catch {
            throw ViewerError.badRequest("the body is not {\"episode\": …, \"step\": …, \"action\": …, \"continuation\"?: …, \"save\"?: …}")
        }
        if request.save == true, !options.allowSave {
            throw ViewerError(status: 403, message: "saving forks is off: start the viewer with --allow-save to save them")
        }
        var continuation: ForkContinuation?
        if let name = request.continuation, !name.isEmpty {
            guard let chosen = ForkContinuation(rawValue: name) else {
                throw ViewerError.badRequest("continuation '\(name)' is unknown", suggestions: ForkContinuation.allCases.map(\.rawValue))
            }
            continuation = chosen
        }
        let chosen = continuation
        return try await gate.read { store in
            let forker = Forker(store: store)
            do {
                let how = try chosen ?? Forker.defaultContinuation(forAgent: store.header(request.episode).agent).0
                let fork = try forker.fork(request.episode, at: request.step, action: request.action, continuation: how)
                let saved = request.save == true ? try forker.save(fork, createdAt: CreatedAt.now()).header.episodeID : nil
                return try CanonicalJSON.data(ForkReport.document(fork, savedAs: saved))
            } catch let error as ForkError {
                throw ViewerError.badRequest("\(error)")
            } catch let error as StoreError {
                if case .unknownEpisode(_, _, let suggestions) = error {
                    throw ViewerError(status: 404, message: "no episode '\(request.episode)' in this store", suggestions: suggestions)
                }
                throw ViewerError(status: 409, message: "\(error)")
            }
        }
    }
}

// MARK: Bodies

/// One row of the episode list: the stored row and how it checked against its trace.
struct EpisodeRow: Sendable, Encodable {
    var episodeID: String
    var fixture: String
    var tier: Int?
    var variant: String?
    var seed: String
    var agent: String
    var label: String?
    var createdAt: String
    var parentID: String?
    var forkStep: Int?
    var steps: Int?
    var endMinute: Int?
    var outcome: String?
    var harmLevel: String?
    var composite: Double?
    var tokens: Int?
    /// checked, unverified (another simulation) or broken (row and trace disagree: not served).
    var check: String
    var reason: String?

    init(_ row: EpisodeListing, check: String, reason: String?) {
        let h = row.header
        (episodeID, fixture, tier, variant, seed, agent, label) = (h.episodeID, h.fixture, h.tier, h.variant, String(h.seed), h.agent, h.label)
        (createdAt, parentID, forkStep) = (h.createdAt, h.parentID, h.forkStep)
        (steps, endMinute, outcome, harmLevel, composite, tokens) = (
            row.summary?.steps, row.summary?.endMinute, row.summary?.outcome, row.summary?.harmLevel, row.summary?.composite,
            row.summary?.tokens
        )
        (self.check, self.reason) = (check, reason)
    }
}

struct EpisodesPage: Sendable, Encodable {
    var total: Int
    var offset: Int
    var limit: Int
    var rows: [EpisodeRow]
}

struct Facet: Sendable, Encodable {
    var name: String
    var values: [String]
}

/// The facets as of the store's latest episode.
final class FacetCache: @unchecked Sendable {
    private var cached: (latest: Int, facets: [Facet])?
    private let lock = NSLock()

    func values(at latest: Int, _ read: () throws -> [Facet]) rethrows -> [Facet] {
        lock.lock()
        defer { lock.unlock() }
        if let cached, cached.latest == latest { return cached.facets }
        let facets = try read()
        cached = (latest, facets)
        return facets
    }
}

struct Facets: Sendable, Encodable {
    var facets: [Facet]
    var store: String
    var allowSave: Bool
    var allowRun: Bool
    /// The shipped fixtures (the live page's choices; a scenario id is typed).
    var fixtures: [String]
}

struct EventHead: Sendable, Encodable {
    var seq: Int
    var step: Int
    var minute: Int
    var kind: String
}

struct ActionLookup: Sendable, Encodable {
    var text: String
    var action: String?
    var name: String?
    var suggestions: [String]
}

struct LiveStarted: Sendable, Encodable {
    var run: String
    var stream: String
}

struct LiveSummary: Sendable, Encodable {
    var run: String
    var fixture: String
    var agent: String
    var seed: UInt64
    var done: Bool
}

struct ForkRequest: Sendable, Decodable {
    var episode: String
    var step: Int
    var action: String
    var continuation: String?
    var save: Bool?
}
