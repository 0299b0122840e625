import Foundation
import MedGym
import TraceStore

/// Measures the trace store on a file in a temp folder: recording speed
/// (simulate, hash, store), store writes alone against SQLite's own insert
/// rate for the same rows with a bare prepared statement, and forks per
/// second of the demo episode. Median of three rounds each.
public struct StoreBenchmark {
    public let episodes: Int
    public let forks: Int
    /// Episodes per `medgym batch`-style run (expert over the shipped fixtures).
    public let batch: Int

    public init(episodes: Int, forks: Int, batch: Int = 1_000) {
        self.episodes = episodes
        self.forks = forks
        self.batch = batch
    }

    public func run() throws -> [SimulationBenchmark.Figure] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("medgym-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        let recorder = try EpisodeRecorder(fixture: fixture)
        func record(_ seed: UInt64) throws -> RecordedEpisode {
            var agent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: seed)
            return try recorder.record(seed: seed, agent: &agent, createdAt: "bench")
        }
        let clock = ContinuousClock()

        // 1. End to end: play, build the hash chain, store; and the same with each
        // episode's rows through a bare prepared INSERT instead of the store.
        // The two alternate round by round, so a noisy machine affects both alike.
        var endToEnd: [(Double, Int)] = []
        var endToEndRaw: [Double] = []
        for round in 0..<3 {
            let store = try TraceStore(path: folder.appendingPathComponent("record-\(round).sqlite").path)
            var events = 0
            let elapsed = try clock.measure {
                for seed in 1...UInt64(episodes) {
                    let recorded = try record(seed)
                    try store.save(recorded)
                    events += recorded.events.count
                }
            }
            endToEnd.append((elapsed.seconds, events))
            let raw = try RawEventTable(path: folder.appendingPathComponent("record-raw-\(round).sqlite").path)
            endToEndRaw.append(
                try clock.measure {
                    for seed in 1...UInt64(episodes) { try raw.insert(try record(seed)) }
                }.seconds)
        }

        // 2. Store writes alone, and the same rows through a bare prepared statement.
        let prepared = try (1...UInt64(episodes)).map(record)
        let rows = prepared.reduce(0) { $0 + $1.events.count }
        var storeWrites: [Double] = []
        var rawWrites: [Double] = []
        for round in 0..<3 {
            let store = try TraceStore(path: folder.appendingPathComponent("writes-\(round).sqlite").path)
            storeWrites.append(try clock.measure { for episode in prepared { try store.save(episode) } }.seconds)
            rawWrites.append(try rawInsert(prepared, path: folder.appendingPathComponent("raw-\(round).sqlite").path).seconds)
        }

        // 2b. File bytes per stored episode: the store of step 2, checkpointed, less an empty store.
        let empty = try storedBytes(try TraceStore(path: folder.appendingPathComponent("empty.sqlite").path))
        let full = try storedBytes(try TraceStore(path: folder.appendingPathComponent("writes-0.sqlite").path))
        let bytesPerEpisode = Double(full - empty) / Double(prepared.count)
        let meanSteps = Double(prepared.reduce(0) { $0 + $1.extent.steps }) / Double(prepared.count)

        // 3. Forks of the demo episode at its middle step, rescored.
        let store = try TraceStore(path: folder.appendingPathComponent("fork.sqlite").path)
        var demoAgent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: 42)
        let demo = try recorder.record(seed: 42, agent: &demoAgent, episodeID: "ep_0fa72a32ec1d", createdAt: "bench")
        try store.save(demo)
        let middle = demo.extent.steps / 2
        let forker = Forker(store: store)
        var forkTimes: [Double] = []
        var coldForkTimes: [Double] = []
        for _ in 0..<3 {
            forkTimes.append(
                try clock.measure {
                    for _ in 0..<forks { _ = try forker.fork("ep_0fa72a32ec1d", at: middle, action: "CTA chest") }
                }.seconds)
            coldForkTimes.append(
                try clock.measure {
                    for _ in 0..<forks { _ = try Forker(store: store).fork("ep_0fa72a32ec1d", at: middle, action: "CTA chest") }
                }.seconds)
        }

        // 3b. Score-only arms at the middle step (the sweep's path), and whole sweeps.
        let point = try forker.forkPoint("ep_0fa72a32ec1d", at: middle)
        let player = forker.player
        var scoreOnly: [Double] = []
        for _ in 0..<3 {
            scoreOnly.append(
                try clock.measure {
                    for _ in 0..<forks { _ = try player.scoreArm("CTA chest", continuation: .original, context: point) }
                }.seconds)
        }
        var sweepTimes: [Int: Double] = [:]
        var sweepForks = 0
        for jobs in [1, 2] {
            var times: [Double] = []
            for _ in 0..<3 {
                let sweeper = Sweeper(forker: Forker(store: store))
                times.append(
                    try clock.measure {
                        let sweep = try sweeper.sweep("ep_0fa72a32ec1d", candidates: .catalog, continuation: .original, jobs: jobs)
                        sweepForks = sweep.steps.count * sweep.candidates.count
                    }.seconds)
            }
            sweepTimes[jobs] = median(times)
        }

        // 4. Batches into a fresh file store with one and two jobs.
        let shipped = try FixtureLoader.shipped()
        let perFixture = UInt64(max(1, batch / shipped.count))
        var batchRates: [Int: Double] = [:]
        for jobs in [1, 2] {
            var times: [Double] = []
            for round in 0..<3 {
                let store = try TraceStore(path: folder.appendingPathComponent("batch-\(jobs)-\(round).sqlite").path)
                let recorder = BatchRecorder(fixtures: shipped, seeds: 1...perFixture, agents: [.expert], jobs: jobs)
                times.append(try clock.measure { _ = try recorder.run(into: store, createdAt: { "bench" }) }.seconds)
            }
            batchRates[jobs] = Double(perFixture) * Double(shipped.count) / median(times)
        }
        let batchDetail = "expert on the \(shipped.count) shipped fixtures, \(Int(perFixture) * shipped.count) episodes into a new file store, median of 3"

        let e2e = endToEnd.sorted { $0.0 < $1.0 }[1]
        let storeRate = Double(rows) / median(storeWrites)
        let rawRate = Double(rows) / median(rawWrites)
        let detail = "adv_cocaine_dissection × anchoring, \(episodes) episodes (\(rows) events), one transaction per episode, WAL, median of 3"
        return [
            .init(
                name: "recorded_events_per_second", value: Double(e2e.1) / e2e.0, unit: "events/s",
                detail: "simulate + hash + store, " + detail),
            .init(name: "recorded_episodes_per_second", value: Double(episodes) / e2e.0, unit: "episodes/s", detail: detail),
            .init(
                name: "recording_to_raw_sqlite_ratio", value: median(endToEndRaw) / e2e.0, unit: "×",
                detail: "simulate + hash + store ÷ simulate + hash + the same rows through a bare prepared INSERT (time ratio inverted), median of 3"),
            .init(
                name: "store_events_per_second", value: storeRate, unit: "events/s",
                detail: "TraceStore.save of prebuilt episodes (events + summary), " + detail),
            .init(
                name: "sqlite_raw_events_per_second", value: rawRate, unit: "events/s",
                detail: "the same event rows, bare prepared INSERT into a plain table, same file settings"),
            .init(
                name: "store_to_raw_sqlite_ratio", value: storeRate / rawRate, unit: "×",
                detail: "store event rate ÷ raw SQLite event rate"),
            .init(
                name: "stored_kilobytes_per_episode", value: bytesPerEpisode / 1024, unit: "KB",
                detail: String(
                    format: "file bytes per stored episode (events, episode row, summary, indexes), %.1f steps and %.0f events an episode on average, ",
                    meanSteps, Double(rows) / Double(prepared.count))
                    + "adv_cocaine_dissection × anchoring as the demo, after a WAL checkpoint, less an empty store"),
            .init(
                name: "forks_per_second", value: Double(forks) / median(forkTimes), unit: "forks/s",
                detail:
                    "ep_0fa72a32ec1d forked at step \(middle) with \"CTA chest\", continued and rescored, \(forks) forks by one Forker (episode loaded once, as a sweep does), median of 3"
            ),
            .init(
                name: "score_only_fork_microseconds", value: median(scoreOnly) / Double(forks) * 1e6, unit: "µs",
                detail: "ep_0fa72a32ec1d at step \(middle) with \"CTA chest\", continued and scored, no trace built (the sweep's path), median of 3"),
            .init(
                name: "full_trace_fork_microseconds", value: median(forkTimes) / Double(forks) * 1e6, unit: "µs",
                detail: "the same with both arms' traces, pair and deltas (replay fork), one Forker, median of 3"),
            .init(
                name: "sweep_catalog_seconds_jobs_1", value: sweepTimes[1] ?? 0, unit: "s",
                detail: "replay sweep ep_0fa72a32ec1d --candidates catalog: \(sweepForks) forks, one thread, from a fresh Forker, median of 3"),
            .init(name: "sweep_catalog_seconds_jobs_2", value: sweepTimes[2] ?? 0, unit: "s", detail: "the same on two threads"),
            .init(name: "batch_episodes_per_second_jobs_1", value: batchRates[1] ?? 0, unit: "episodes/s", detail: batchDetail),
            .init(
                name: "batch_episodes_per_second_jobs_2", value: batchRates[2] ?? 0, unit: "episodes/s",
                detail: batchDetail + ", two episodes played at once, one writer"),
            .init(
                name: "cold_forks_per_second", value: Double(forks) / median(coldForkTimes), unit: "forks/s",
                detail: "the same, a new Forker per fork: read the events, check the chain, re-execute to step \(middle - 1), median of 3"),
        ]
    }

    /// The bytes a store's pages hold once its write-ahead log is checkpointed (free pages not counted).
    func storedBytes(_ store: TraceStore) throws -> Int {
        try store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let pages = try store.connection.scalarInt("PRAGMA page_count") ?? 0
        let free = try store.connection.scalarInt("PRAGMA freelist_count") ?? 0
        let size = try store.connection.scalarInt("PRAGMA page_size") ?? 0
        return (pages - free) * size
    }

    /// The same event rows with a bare prepared statement: SQLite's own speed.
    func rawInsert(_ episodes: [RecordedEpisode], path: String) throws -> Duration {
        let raw = try RawEventTable(path: path)
        return try ContinuousClock().measure {
            for episode in episodes { try raw.insert(episode) }
        }
    }

    /// A plain table of event rows, one transaction per episode, no index, no checks.
    struct RawEventTable {
        let db: SQLiteConnection
        let statement: SQLiteStatement

        init(path: String) throws {
            db = try SQLiteConnection(path: path)
            try db.execute("PRAGMA page_size = \(StoreSchema.pageSize); PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
            try db.execute(
                """
                CREATE TABLE events (episode_id TEXT, seq INTEGER, step INTEGER, sim_minute INTEGER, kind TEXT,
                                     payload TEXT, rng_state TEXT, prev_hash TEXT, hash TEXT)
                """)
            statement = try db.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        }

        func insert(_ episode: RecordedEpisode) throws {
            let id = episode.header.episodeID
            try db.transaction {
                for e in episode.events {
                    try statement.run([
                        .text(id), .int(e.seq), .int(e.step), .int(e.simMinute), .text(e.kind.rawValue),
                        .text(e.payload), .text(e.rngState), .text(e.prevHash), .text(e.hash),
                    ])
                }
            }
        }
    }

    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
