import CLITestSupport
import Foundation
import MedGym
import PostgresStore
import Testing
import TraceStore

/// The store interface (``EpisodeStore``) on each backend: the same save rules, the same episodes
/// read back byte for byte, the same rows, pages, outlines and refusals, whichever database holds
/// the store.
struct StoreInterfaceTests {
    static let createdAt = "2026-12-07T00:00:00Z"

    /// The demo episode (anchoring on the cocaine dissection, seed 42), under its committed id.
    func demo() throws -> RecordedEpisode {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var agent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: 42)
        return try EpisodeRecorder(fixture: fixture).record(seed: 42, agent: &agent, episodeID: "ep_0fa72a32ec1d", createdAt: Self.createdAt)
    }

    /// A batch worth browsing: three fixtures × two seeds × two agents labelled v1, the expert again
    /// without a label, and the demo.
    func fill(_ store: any EpisodeStore) throws {
        let fixtures = try FixtureLoader.shipped(matching: ["adv_*"])
        _ = try BatchRecorder(fixtures: fixtures, seeds: 1...2, agents: [.expert, .anchoring], label: "v1").run(into: store, createdAt: { Self.createdAt })
        _ = try BatchRecorder(fixtures: fixtures, seeds: 1...2, agents: [.expert]).run(into: store, createdAt: { "2026-12-08T09:30:00Z" })
        try store.save(try demo())
    }

    @Test(arguments: StoreBackend.available)
    func theSaveRulesAndReadsAreTheSameOnEveryBackend(_ backend: StoreBackend) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let location = try backend.newStore(in: dir)
        let store = try backend.open(location)
        let shown = try backend.shown(location)
        #expect(store.path == shown && !store.path.contains("medgym:medgym@"))
        #expect(try store.schemaVersion() > 0)
        let recorded = try demo()
        let id = recorded.header.episodeID

        #expect(try store.save(recorded) == .inserted)
        #expect(try store.save(recorded) == .alreadyStored(id: id))
        #expect(try store.contains(id) && !store.contains("ep_000000000000"))
        #expect(try store.events(id) == recorded.events)
        #expect(try store.checkedEvents(id).events == recorded.events)
        #expect(try store.storedScore(id) == recorded.score)
        let row = try store.listing(id)
        #expect(row.header == recorded.header && row.finished && row.eventCount == recorded.events.count && row.headHash == recorded.headHash)
        #expect(row.summary?.outcome == "missed_aad" && row.summary?.composite == recorded.score.composite)

        // The same trace under another id: reported, or refused when asked.
        var twin = recorded
        twin.header.episodeID = "ep_000000000001"
        #expect(try store.save(twin) == .alreadyStored(id: id))
        #expect(throws: StoreError.duplicateContent(id: "ep_000000000001", existing: id, path: shown)) {
            try store.save(twin, sameContent: .refuse)
        }
        // Other events under a stored id: refused, the stored episode unchanged.
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var agent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: 43)
        let other = try EpisodeRecorder(fixture: fixture).record(seed: 43, agent: &agent, episodeID: id, createdAt: Self.createdAt)
        #expect(throws: StoreError.conflictingEpisode(id: id, path: shown)) { try store.save(other) }
        // A broken chain is refused before anything is written.
        var broken = try demo()
        broken.header.episodeID = "ep_000000000002"
        broken.events[3].payload += " "
        #expect(throws: StoreError.self) { try store.save(broken) }
        #expect(try store.heads().map(\.id) == [id])
        #expect(try store.events(id) == recorded.events)

        // An unknown id names the nearest.
        #expect(throws: StoreError.unknownEpisode(id: "ep_0fa72a32ec1e", path: shown, suggestions: [id])) { try store.header("ep_0fa72a32ec1e") }
        #expect(throws: StoreError.unknownEpisode(id: "ep_0fa72a32ec1e", path: shown, suggestions: [id])) { try store.events("ep_0fa72a32ec1e") }

        // A signing key signs what the store saves; the signature verifies against the row.
        store.signingKey = SigningKey.generate()
        let expert = try EpisodeRecorder(fixture: fixture).record(seed: 1, agent: &agent, createdAt: Self.createdAt)
        #expect(try store.save(expert) == .inserted)
        let signatures = try store.signatures(expert.header.episodeID)
        #expect(signatures.count == 1 && signatures[0].publicKey == store.signingKey?.publicKey)
        #expect(signatures[0].isValid(header: expert.header, headHash: expert.headHash, eventCount: expert.events.count))
        #expect(try store.signatures(id).isEmpty)

        // Other handles on the store read what this one wrote; a read-only one refuses to write.
        var fresh = AgentSpec.expert.makeAgent(fixture: fixture, seed: 2)
        let unseen = try EpisodeRecorder(fixture: fixture).record(seed: 2, agent: &fresh, createdAt: Self.createdAt)
        let handles = try store.connections(3)
        #expect(handles.count == 3)
        for handle in handles.dropFirst() {
            #expect(handle.readOnly)
            #expect(try handle.heads() == store.heads())
            #expect(throws: StoreError.self) { try handle.save(unseen) }
            #expect(try !handle.contains(unseen.header.episodeID))
        }
        #expect(try store.orphanRows() == (0, 0) && store.strayEventRows() == 0)
    }

    /// Waits (up to 5 s) until `body` is true of the store read through another handle.
    func eventually(_ reader: any EpisodeStore, _ body: (any EpisodeStore) throws -> Bool) throws -> Bool {
        for _ in 0..<100 {
            if try body(reader) { return true }
            usleep(50_000)
        }
        return false
    }

    @Test(arguments: StoreBackend.available)
    func aWatchedRunIsInTheLiveTablesOfEitherStoreUntilStored(_ backend: StoreBackend) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let location = try backend.newStore(in: dir)
        let store = try backend.open(location)
        let reader = try backend.open(location, readOnly: true)
        let feed = try LiveFeed(store: store, source: .run, keep: 2)
        defer { feed.close() }
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        let run = try #require(feed.begin(fixture: fixture.id, seed: 42, agent: "anchoring", label: "v1"))
        var agent = AnchoringAgent(fixture: fixture)
        let watched = try EpisodeRecorder(fixture: fixture).play(seed: 42, agent: &agent, label: "v1", createdAt: Self.createdAt, live: run).recorded

        // Every turn is in the live tables before the episode is stored: all but the score event.
        #expect(try eventually(reader) { try $0.liveEvents(run: run.id, after: -1).count == watched.events.count - 1 })
        let live = try reader.liveEvents(run: run.id, after: -1)
        #expect(live.map(\.payload) == watched.events.dropLast().map(\.payload) && live.map(\.kind) == watched.events.dropLast().map(\.kind))
        #expect(try reader.liveEvents(run: run.id, after: 100).map(\.seq) == Array(101..<watched.events.count - 1))
        let row = try #require(try reader.liveRun(run.id))
        #expect(row.state == .running && row.source == "run" && row.agent == "anchoring" && row.label == "v1" && row.seed == "42")
        #expect(row.pid == Int(getpid()) && row.step == watched.events.dropLast().last?.step)

        #expect(try store.save(watched) == .inserted)
        run.stored(episodeID: watched.header.episodeID, alreadyStored: false)
        #expect(try eventually(reader) { try $0.liveRun(run.id)?.state == .stored })
        #expect(try reader.liveRun(run.id)?.episodeID == watched.header.episodeID)
        #expect(try reader.liveEvents(run: run.id, after: -1).isEmpty, "the stored trace holds them")

        // A failed run keeps its events and error; only the newest runs are kept.
        let failed = try #require(feed.begin(fixture: fixture.id, seed: 43, agent: "anchoring", label: nil))
        failed.publish(watched.events.prefix(3))
        failed.failed("the agent stopped answering")
        #expect(try eventually(reader) { try $0.liveRun(failed.id)?.state == .failed })
        #expect(try reader.liveRun(failed.id)?.error == "the agent stopped answering")
        #expect(try reader.liveEvents(run: failed.id, after: -1).count == 3)
        let third = try #require(feed.begin(fixture: fixture.id, seed: 44, agent: "expert", label: nil))
        #expect(try reader.liveRuns(limit: 10).map(\.run) == [third.id, failed.id])
    }

    @Test(.enabled(if: testServer != nil, "set MEDGYM_TEST_POSTGRES (eval \"$(scripts/test-postgres.sh start)\")"))
    func machinesStoringOneRunAtOnceStoreItOnce() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let location = try StoreBackend.postgres.newStore(in: dir)
        let recorded = try demo()
        // Eight writers at once, each on a connection of its own: half under the episode's id, half under another.
        let stores = try (0..<8).map { _ in try PostgresTraceStore(location: PostgresLocation(parsing: location)) }
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            var episode = recorded
            if i % 2 == 1 { episode.header.episodeID = "ep_00000000000\(i)" }
            outcomes.add(Result { try stores[i].save(episode) })
        }
        let results = outcomes.all.compactMap { try? $0.get() }
        #expect(results.count == 8, "\(outcomes.all)")
        #expect(results.filter { $0 == .inserted }.count == 1)
        let heads = try stores[0].heads()
        #expect(heads.count == 1 && heads[0].headHash == recorded.headHash)
        #expect(results.allSatisfy { $0 == .inserted || $0 == .alreadyStored(id: heads[0].id) })
    }

    /// Results gathered from several threads.
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var all: [Result<TraceStore.SaveOutcome, any Error>] = []
        func add(_ result: Result<TraceStore.SaveOutcome, any Error>) {
            lock.lock()
            defer { lock.unlock() }
            all.append(result)
        }
    }

    @Test(.enabled(if: testServer != nil, "set MEDGYM_TEST_POSTGRES (eval \"$(scripts/test-postgres.sh start)\")"))
    func bothBackendsGiveTheSameRowsPagesAndOutlines() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let sqlite = try StoreBackend.sqlite.open(try StoreBackend.sqlite.newStore(in: dir))
        let postgres = try StoreBackend.postgres.open(try StoreBackend.postgres.newStore(in: dir))
        try fill(sqlite)
        try fill(postgres)

        let heads = try sqlite.heads()
        #expect(heads.count == 19)
        #expect(try postgres.heads() == heads)
        #expect(try postgres.list() == sqlite.list())
        for head in heads {
            #expect(try postgres.row(head.id) == sqlite.row(head.id))
            #expect(try postgres.events(head.id) == sqlite.events(head.id))
            let (a, b) = (try sqlite.outline(head.id), try postgres.outline(head.id))
            #expect(a.count == b.count && a.events == b.events, "outline of \(head.id)")
            #expect(try postgres.checker.check(postgres.listing(head.id), outline: b).eventCount == head.eventCount)
        }
        for facet in EpisodeQuery.Facet.allCases {
            #expect(try postgres.distinct(facet) == sqlite.distinct(facet), "facet \(facet)")
        }
        #expect(try sqlite.newestKey() > 0 && postgres.newestKey() > 0)

        var queries: [EpisodeQuery] = []
        for sort in EpisodeQuery.Sort.allCases {
            for descending in [true, false] {
                var q = EpisodeQuery()
                (q.sort, q.descending, q.limit) = (sort, descending, 7)
                queries.append(q)
                q.offset = 7
                queries.append(q)
            }
        }
        func query(_ change: (inout EpisodeQuery) -> Void) -> EpisodeQuery {
            var q = EpisodeQuery()
            change(&q)
            return q
        }
        queries += [
            query { $0.fixture = "adv_*" }, query { $0.fixture = "adv_?aa_30min" }, query { $0.fixture = "adv_[ac]*" },
            query { $0.fixture = "adv_aaa_30min" }, query { $0.fixture = "adv.aaa*" }, query { $0.fixtures = [] },
            query { $0.fixture = "adv_[^a]*" }, query { $0.fixture = "adv_[]a]*" }, query { $0.fixture = "adv_[a" },
            query { $0.fixture = "adv_[a-c]*n" }, query { $0.fixture = "*(*" }, query { $0.fixture = "adv_[.]*" },
            query { $0.fixtures = ["adv_aaa_30min", "adv_pediatric_dka"] }, query { $0.agent = "anchoring" },
            query { $0.label = "v1" }, query { $0.outcome = "missed_aad" }, query { $0.harm = "none" },
            query { ($0.minTier, $0.maxTier) = (1, 30) }, query { ($0.minComposite, $0.maxComposite) = (0, 90) },
            query { $0.from = "2026-12-08" }, query { $0.until = "2026-12-07" }, query { $0.until = "2026-12-07T00:00" },
            query { ($0.forks, $0.sort, $0.descending) = (true, .composite, false) },
        ]
        for q in queries {
            let (a, b) = (try sqlite.page(q), try postgres.page(q))
            #expect(a.total == b.total && a.rows == b.rows, "\(q)")
        }
        #expect(try sqlite.page(query { $0.fixture = "adv_?aa_30min" }).total == 6)
        #expect(try sqlite.page(query { $0.fixture = "adv.aaa*" }).total == 0)
        #expect(try sqlite.page(query { $0.fixture = "adv_[]a]*" }).total == 6 && sqlite.page(query { $0.fixture = "adv_[a" }).total == 0)
    }
}
