import CLITestSupport
import Foundation
import MedGym
import Testing
import TraceStore

/// The store's live tables: a run's events are written as they are built, byte for byte the
/// trace's, without changing the trace; a stored run's live copy goes, a failed one keeps its events
/// and error; a run whose process is gone reads as abandoned; old runs are dropped; a feed that cannot
/// write stops and says why, and the recording goes on.
struct LiveFeedTests {
    func recorder() throws -> EpisodeRecorder {
        try EpisodeRecorder(fixture: try FixtureLoader.fixture(named: "adv_cocaine_dissection"))
    }

    /// Waits (up to 5 s) until `body` is true of the store read afresh.
    func eventually(_ path: String, _ body: (TraceStore) throws -> Bool) throws -> Bool {
        for _ in 0..<100 {
            if try body(try TraceStore(path: path, create: false, readOnly: true)) { return true }
            usleep(50_000)
        }
        return false
    }

    /// (What the live tables hold of a watched run, on either store, is in StoreInterfaceTests.)
    @Test func aWatchedRunIsTheSameTraceAsAnUnwatchedOne() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        _ = try TraceStore(path: path)
        let feed = try LiveFeed(storePath: path, source: .run)
        defer { feed.close() }
        let run = try #require(feed.begin(fixture: "adv_cocaine_dissection", seed: 42, agent: "anchoring", label: "v1"))

        var watchedAgent = AnchoringAgent(fixture: try FixtureLoader.fixture(named: "adv_cocaine_dissection"))
        let watched = try recorder().play(seed: 42, agent: &watchedAgent, label: "v1", createdAt: "x", live: run).recorded
        var plainAgent = AnchoringAgent(fixture: try FixtureLoader.fixture(named: "adv_cocaine_dissection"))
        let plain = try recorder().record(seed: 42, agent: &plainAgent, label: "v1", createdAt: "x")
        #expect(watched.events == plain.events && watched.header == plain.header)
        #expect(try eventually(path) { try $0.liveEvents(run: run.id, after: -1).count == watched.events.count - 1 })
    }

    @Test func aFailedRunKeepsItsEventsAndErrorAndAGoneProcessIsAbandoned() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let store = try TraceStore(path: path)
        let feed = try LiveFeed(storePath: path, source: .batch)
        let failed = try #require(feed.begin(fixture: "adv_cocaine_dissection", seed: 1, agent: "cmd:x", label: nil))
        var agent = ScriptedAgent(id: "script", actions: ["order ECG", "not an action at all"])
        #expect(throws: (any Error).self) { try recorder().play(seed: 1, agent: &agent, createdAt: "x", live: failed) }
        failed.failed("unknown action 'not an action at all'")
        let gone = try #require(feed.begin(fixture: "adv_aaa_30min", seed: 2, agent: "expert", label: nil))
        feed.close()

        let row = try #require(try store.liveRun(failed.id))
        #expect(row.state == .failed && row.error == "unknown action 'not an action at all'" && row.source == "batch")
        #expect(try store.liveEvents(run: failed.id, after: -1).map(\.kind).contains(.actionReceived))

        // A process that has exited (its pid reaped) recorded the second run.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        try store.connection.execute("UPDATE live_runs SET pid = \(ended.processIdentifier) WHERE id = \(gone.id)")
        let abandoned = try #require(try store.liveRun(gone.id))
        #expect(abandoned.state == .abandoned && abandoned.error?.contains("pid \(ended.processIdentifier)") == true)
        #expect(try store.liveRuns().map(\.run) == [gone.id, failed.id], "newest first")
    }

    @Test func onlyTheNewestRunsAreKept() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let store = try TraceStore(path: path)
        let feed = try LiveFeed(storePath: path, source: .stdio, keep: 3)
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var runs: [LiveRun] = []
        for seed in UInt64(1)...5 {
            let run = try #require(feed.begin(fixture: fixture.id, seed: seed, agent: "python", label: nil))
            let start = try TraceBuilder(starting: Environment(fixture: fixture, resolver: .shipped, seed: seed), fixtureDigest: "d", provenance: nil)
            run.publish(start.events)
            run.failed("the client went away")
            runs.append(run)
        }
        feed.close()
        #expect(try store.liveRuns().map(\.run) == runs.suffix(3).map(\.id).reversed())
        #expect(try store.liveEvents(run: runs[0].id, after: -1).isEmpty && store.liveEvents(run: runs[1].id, after: -1).isEmpty)
        #expect(try store.liveEvents(run: runs[4].id, after: -1).count == 2)
        #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM live_events") == 6, "no line of a dropped run is left")
    }

    @Test func aFeedThatCannotWriteStopsAndSaysWhyAndTheRecordingGoesOn() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let store = try TraceStore(path: path)
        let feed = try LiveFeed(storePath: path, source: .run)
        defer { feed.close() }
        try store.connection.execute("DROP TABLE live_runs")
        #expect(feed.begin(fixture: "adv_aaa_30min", seed: 1, agent: "expert", label: nil) == nil)
        #expect(feed.problem?.contains("the live view of \(path) stopped") == true && feed.problem?.contains("live_runs") == true)
        var agent = ExpertAgent(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min"))
        let recorded = try EpisodeRecorder(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min")).record(seed: 1, agent: &agent, createdAt: "x")
        #expect(try store.save(recorded) == .inserted)
    }

    @Test func aStoreOfSchema8GainsTheLiveTablesAndKeepsItsEpisodes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("v8.sqlite")
        var agent = ExpertAgent(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min"))
        let recorded = try EpisodeRecorder(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min")).record(seed: 1, agent: &agent, createdAt: "x")
        do {
            let store = try TraceStore(path: path)
            try store.save(recorded)
            try store.connection.execute("DROP TABLE live_runs; DROP TABLE live_events; UPDATE medgym_schema SET version = 8")
        }
        let reader = try TraceStore(path: path, create: false, readOnly: true)
        #expect(try reader.schemaVersion() == StoreSchema.current && StoreSchema.current == 9)
        #expect(try reader.liveRuns().isEmpty)
        #expect(try reader.checkedEpisode(recorded.header.episodeID).events == recorded.events)
    }
}
