import CLITestSupport
import Foundation
import MedGym
import Testing

@testable import TraceStore

/// The store through its public API, on real SQLite files in temp folders.
struct TraceStoreTests {
    func demo(id: String? = "ep_0fa72a32ec1d") throws -> RecordedEpisode {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var agent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: 42)
        return try EpisodeRecorder(fixture: fixture).record(seed: 42, agent: &agent, episodeID: id, createdAt: "2026-11-25T00:00:00Z")
    }

    func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    func fileDigest(_ path: String) throws -> String {
        TraceHash.sha256(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func recordedTraceIsAHashChainFromResetToScore() throws {
        let recorded = try demo()
        let kinds = recorded.events.map(\.kind)
        #expect(kinds.first == .episodeStarted)
        #expect(kinds[1] == .observation)
        #expect(kinds.last == .score)
        #expect(kinds.filter { $0 == .actionReceived }.count == 28)
        #expect(TraceComparison.firstBrokenLink(recorded.events) == nil)
        #expect(recorded.events.first?.prevHash == TraceHash.genesis)
        #expect(recorded.finalState?.step == 28)
        #expect(recorded.score.outcome == "missed_aad")
        let reassure = try #require(recorded.events.first { $0.kind == .actionReceived && $0.step == 13 })
        #expect(reassure.simMinute == 32)
        #expect(try reassure.decodedPayload().text == "reassure, no imaging")
        #expect(reassure.rngState == "seed=42 minute=32")

        var altered = recorded.events
        altered[40].payload += " "
        #expect(TraceComparison.firstBrokenLink(altered)?.seq == 40)
    }

    @Test func sameEpisodeRecordedTwiceHashesTheSame() throws {
        let a = try demo(id: nil)
        let b = try demo(id: nil)
        #expect(a.events == b.events)
        #expect(a.header.episodeID == b.header.episodeID)
        #expect(EpisodeID.isValid(a.header.episodeID))
    }

    @Test func saveThenReadBackEventsAndSummary() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let recorded = try demo()
        let store = try TraceStore(path: dir.path("store.sqlite"))
        #expect(try store.save(recorded) == .inserted)
        #expect(try store.save(recorded) == .alreadyStored(id: "ep_0fa72a32ec1d"))
        #expect(try store.events("ep_0fa72a32ec1d") == recorded.events)
        #expect(try store.storedScore("ep_0fa72a32ec1d") == recorded.score)
        let row = try store.listing("ep_0fa72a32ec1d")
        #expect(row.finished && row.eventCount == recorded.events.count && row.summary?.outcome == "missed_aad")
        #expect(try store.schemaVersion() == StoreSchema.current)
        #expect(try store.connection.scalarText("PRAGMA journal_mode") == "wal")

        var broken = try demo()
        broken.events[3].payload += " "
        #expect(throws: StoreError.self) { try store.save(broken) }
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var agent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: 43)
        let other = try EpisodeRecorder(fixture: fixture).record(seed: 43, agent: &agent, episodeID: "ep_0fa72a32ec1d", createdAt: "x")
        let conflict = #expect(throws: StoreError.self) { try store.save(other) }
        guard case .conflictingEpisode(let id, _) = conflict, id == "ep_0fa72a32ec1d" else {
            Issue.record("expected .conflictingEpisode(ep_0fa72a32ec1d), got \(String(describing: conflict))")
            return
        }
        #expect(try store.events("ep_0fa72a32ec1d") == recorded.events)

        #expect(throws: SQLiteError.self) { try store.connection.execute("UPDATE events SET payload = '{}' WHERE seq = 3") }
        #expect(throws: SQLiteError.self) { try store.connection.execute("DELETE FROM events") }
        let unknown = #expect(throws: StoreError.self) { try store.header("ep_0fa72a32ec1e") }
        guard case .unknownEpisode(_, _, let suggestions) = unknown else {
            Issue.record("expected .unknownEpisode, got \(String(describing: unknown))")
            return
        }
        #expect(suggestions == ["ep_0fa72a32ec1d"])
    }

    @Test func eventLogRoundTripsAndRejectsAlteredLines() throws {
        let recorded = try demo()
        let text = try TraceLog.encode(header: recorded.header, events: recorded.events)
        #expect(text.split(separator: "\n").count == recorded.events.count + 1)
        let (header, events) = try TraceLog.decode(text, file: "ep.jsonl")
        #expect(header == recorded.header)
        #expect(events == recorded.events)

        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let relabelled = text.replacingOccurrences(of: "\"seed\":42,\"tier\"", with: "\"seed\":43,\"tier\"")
        #expect(relabelled != text)
        #expect(
            throws: StoreError.badLog(
                file: "ep.jsonl", line: 1,
                problem: "the header says fixture adv_cocaine_dissection seed 43, but episode_started says adv_cocaine_dissection seed 42")
        ) { try TraceImporter(store: store).importLog(relabelled, file: "ep.jsonl") }
        #expect(try store.list().isEmpty)

        let tampered = text.replacingOccurrences(of: "Cocaine, about an hour", with: "Cocaine, about two hours")
        #expect {
            try TraceLog.decode(tampered, file: "ep.jsonl")
        } throws: { error in
            guard case .badLog(let file, let line, let problem) = error as? StoreError else { return false }
            return file == "ep.jsonl" && line > 1 && problem.hasSuffix("hash does not match its content; the log was altered")
        }
    }

    @Test func aVersion1StoreMigratesAndKeepsItsEpisodes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("v1.sqlite")
        let recorded = try demo()
        do {
            // A store as schema 1 wrote it: with the per-step snapshots table.
            let v1 = try SQLiteConnection(path: path, create: true)
            try v1.execute(StoreSchema.migrations[0])
            try v1.execute("INSERT INTO medgym_schema (version, library_version) VALUES (1, '0.3.0')")
            try v1.execute("INSERT INTO snapshots VALUES ('ep_0fa72a32ec1d', 0, '{}', 'x')")
        }
        let store = try TraceStore(path: path)
        #expect(try store.schemaVersion() == StoreSchema.current)
        #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'snapshots'") == 0)
        #expect(try store.save(recorded) == .inserted)
        #expect(try store.events("ep_0fa72a32ec1d") == recorded.events)
    }

    /// A store in the schema-4 layout (events keyed by episode id text, with
    /// `rng_state` and `prev_hash` columns), holding the demo.
    func schema4Store(at path: String, tamper: Bool = false) throws {
        let recorded = try demo()
        let v4 = try SQLiteConnection(path: path, create: true)
        try v4.execute("PRAGMA journal_mode = WAL")  // as MedGym left every store it wrote
        for migration in StoreSchema.migrations { try v4.execute(migration) }
        try v4.execute("INSERT INTO medgym_schema (version, library_version) VALUES (4, '0.4.0')")
        let h = recorded.header
        try v4.prepare(
            """
            INSERT INTO episodes (episode_id, fixture, tier, variant, seed, agent, label, library_version, created_at,
                                  parent_id, fork_step, event_count, head_hash, finished)
            VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, ?, NULL, NULL, ?, ?, 1)
            """
        ).run([
            .text(h.episodeID), .text(h.fixture), .optional(h.tier), .text(String(h.seed)), .text(h.agent),
            .text(h.libraryVersion), .text(h.createdAt), .int(recorded.events.count), .text(recorded.headHash),
        ])
        let insert = try v4.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for e in recorded.events {
            let rng = tamper && e.seq == 40 ? "seed=7 minute=0" : e.rngState
            try insert.run([
                .text(h.episodeID), .int(e.seq), .int(e.step), .int(e.simMinute), .text(e.kind.rawValue),
                .text(e.payload), .text(rng), .text(e.prevHash), .text(e.hash),
            ])
        }
        try v4.prepare("INSERT INTO summaries VALUES (?, ?, ?, ?, ?, ?)").run([
            .text(h.episodeID), .text(recorded.score.outcome), .text(recorded.score.harmLevel.rawValue),
            .double(recorded.score.composite), .int(28), .int(recorded.extent.minute),
        ])
    }

    @Test func aSchema4StoreMovesToTheCompactLayoutIntact() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("v4.sqlite")
        try schema4Store(at: path)
        let store = try TraceStore(path: path)
        #expect(try store.schemaVersion() == StoreSchema.current)
        #expect(try store.events("ep_0fa72a32ec1d") == demo().events)
        #expect(try store.listing("ep_0fa72a32ec1d").summary?.outcome == "missed_aad")
        #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'old_%'") == 0)
        #expect(throws: SQLiteError.self) { try store.connection.execute("DELETE FROM events") }

        // A row whose rng_state does not follow from the trace stops the migration; the file is not changed.
        let odd = dir.path("odd.sqlite")
        try schema4Store(at: odd, tamper: true)
        let before = try fileDigest(odd)
        do {
            _ = try TraceStore(path: odd)
            Issue.record("expected a refusal")
        } catch {
            #expect("\(error)".hasPrefix("cannot move this store to the compact layout (schema 5): event 40 of ep_0fa72a32ec1d"))
        }
        #expect(try fileDigest(odd) == before)
    }

    /// A store as schema 5 wrote it (events keyed by episode and seq, text
    /// payloads), holding the demo twice: intact, and under a second id with
    /// event 70 missing.
    func schema5Store(at path: String) throws {
        let recorded = try demo()
        let v5 = try SQLiteConnection(path: path, create: true)
        try v5.execute("PRAGMA journal_mode = WAL")
        try v5.execute(
            """
            CREATE TABLE medgym_schema (version INTEGER NOT NULL, library_version TEXT NOT NULL);
            INSERT INTO medgym_schema VALUES (5, '0.5.0');
            CREATE TABLE episodes (
                id INTEGER PRIMARY KEY, episode_id TEXT NOT NULL UNIQUE, fixture TEXT NOT NULL, tier INTEGER, variant TEXT,
                seed TEXT NOT NULL, agent TEXT NOT NULL, label TEXT, library_version TEXT NOT NULL, created_at TEXT NOT NULL,
                parent_id TEXT, fork_step INTEGER, event_count INTEGER NOT NULL, head_hash TEXT NOT NULL,
                finished INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX episodes_fixture ON episodes (fixture);
            CREATE INDEX episodes_parent ON episodes (parent_id);
            CREATE INDEX episodes_head ON episodes (head_hash);
            CREATE TABLE events (episode INTEGER NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL,
                sim_minute INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, hash BLOB NOT NULL, UNIQUE (episode, seq));
            CREATE TABLE summaries (episode INTEGER PRIMARY KEY, outcome TEXT NOT NULL, harm_level TEXT NOT NULL,
                composite REAL NOT NULL, steps INTEGER NOT NULL, end_minute INTEGER NOT NULL);
            """)
        let h = recorded.header
        for (key, id) in [(1, "ep_0fa72a32ec1d"), (2, "ep_00000000000b")] {
            try v5.prepare(
                """
                INSERT INTO episodes VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, ?, ?, NULL, NULL, ?, ?, 1)
                """
            ).run([
                .int(key), .text(id), .text(h.fixture), .optional(h.tier), .text(String(h.seed)), .text(h.agent),
                .text(h.libraryVersion), .text(h.createdAt), .int(recorded.events.count), .text(recorded.headHash),
            ])
            let insert = try v5.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)")
            for e in recorded.events where key == 1 || e.seq != 70 {
                try insert.run([
                    .int(key), .int(e.seq), .int(e.step), .int(e.simMinute), .text(e.kind.rawValue),
                    .text(e.payload), .blob(bytes(hex: e.hash)),
                ])
            }
            try v5.prepare("INSERT INTO summaries VALUES (?, ?, ?, ?, ?, ?)").run([
                .int(key), .text(recorded.score.outcome), .text(recorded.score.harmLevel.rawValue),
                .double(recorded.score.composite), .int(28), .int(recorded.extent.minute),
            ])
        }
    }

    @Test func aSchema5StoreMovesToRangesAndCompressedPayloadsIntact() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("v5.sqlite")
        try schema5Store(at: path)
        let store = try TraceStore(path: path)
        #expect(try store.schemaVersion() == StoreSchema.current)
        let recorded = try demo()
        #expect(try store.events("ep_0fa72a32ec1d") == recorded.events)
        #expect(try store.checkedEvents("ep_0fa72a32ec1d").events == recorded.events)
        // The damaged episode stays damaged where it was, and only there.
        #expect {
            try store.checkedEvents("ep_00000000000b")
        } throws: { error in
            guard case .brokenTrace(let id, _, _) = error as? StoreError else { return false }
            return id == "ep_00000000000b"
        }
        #expect(try store.strayEventRows() == 0)
        #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'old_%'") == 0)
        #expect(throws: SQLiteError.self) { try store.connection.execute("DELETE FROM events") }
        // The score card (over 1 KB) is compressed, the rest stays text; every row records its size.
        let compressed = try store.connection.scalarInt("SELECT COUNT(*) FROM events WHERE length(CAST(payload AS BLOB)) < size") ?? 0
        let plain = try store.connection.scalarInt("SELECT COUNT(*) FROM events WHERE typeof(payload) = 'text' AND length(CAST(payload AS BLOB)) = size") ?? 0
        #expect(compressed >= 1 && plain > 100)
        #expect(compressed + plain == (try store.connection.scalarInt("SELECT COUNT(*) FROM events")))
        // A new episode goes after the migrated ranges.
        var agent = AgentSpec.expert.makeAgent(fixture: try FixtureLoader.fixture(named: "adv_cocaine_dissection"), seed: 42)
        let expert = try EpisodeRecorder(fixture: try FixtureLoader.fixture(named: "adv_cocaine_dissection"))
            .record(seed: 42, agent: &agent, createdAt: "test")
        #expect(try store.save(expert) == .inserted)
        #expect(try store.checkedEvents(expert.header.episodeID).events == expert.events)
        #expect(try store.strayEventRows() == 0)
    }

    @Test func importRebuildsProjectionsFromTheEvents() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let outcome = try TraceImporter(store: store).importLog(atPath: CLI.demoLog.path)
        #expect(outcome == .imported("ep_0fa72a32ec1d"))
        let recorded = try demo()
        #expect(try store.events("ep_0fa72a32ec1d") == recorded.events)
        #expect(try store.storedScore("ep_0fa72a32ec1d") == recorded.score)
        #expect(try TraceImporter(store: store).importLog(atPath: CLI.demoLog.path) == .alreadyStored("ep_0fa72a32ec1d"))
    }

    @Test func rejectedActionsAreRecordedAndReexecuteIdentically() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var agent = ScriptedAgent(id: "script", actions: ["ECG", "bedside ultrasound of the aorta xyz qq", "zzzz", "CT angiography"])
        let recorder = try EpisodeRecorder(fixture: fixture, invalidActions: .reject(limit: 5))
        let recorded = try recorder.record(seed: 3, agent: &agent, createdAt: "x")
        let rejected = recorded.events.filter { $0.kind == .actionRejected }
        #expect(rejected.count >= 1)
        #expect(try rejected.allSatisfy { try $0.decodedPayload().error?.contains("unknown action") == true })
        #expect(recorded.events.contains { $0.kind == .noAction })
        let again = try recorder.reexecute(recorded.events, header: recorded.header)
        #expect(again.events == recorded.events)

        var strict = ScriptedAgent(id: "script", actions: ["ECG", "zzzz"])
        #expect(throws: EpisodeRunError.self) { try EpisodeRecorder(fixture: fixture).record(seed: 3, agent: &strict, createdAt: "x") }
    }

    @Test func refusesNewerSchemaWithoutTouchingTheFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("newer.sqlite")
        do {
            let store = try TraceStore(path: path)
            try store.save(try demo())
            try store.connection.execute("UPDATE medgym_schema SET version = 99")
        }
        let before = try fileDigest(path)
        #expect(throws: StoreError.newerSchema(path: path, found: 99, supported: StoreSchema.current)) { try TraceStore(path: path) }
        #expect(try fileDigest(path) == before)
    }

    @Test func refusesFilesThatAreNotMedGymStores() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let text = dir.path("notes.sqlite")
        try Data("these are my notes, not a database\n".utf8).write(to: URL(fileURLWithPath: text))
        let before = try fileDigest(text)
        #expect(throws: StoreError.self) { try TraceStore(path: text) }
        #expect(try fileDigest(text) == before)

        let other = dir.path("other.sqlite")
        do {
            let db = try SQLiteConnection(path: other)
            try db.execute("CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (1)")
        }
        let otherBefore = try fileDigest(other)
        #expect(throws: StoreError.notAStore(path: other)) { try TraceStore(path: other) }
        #expect(try fileDigest(other) == otherBefore)

        #expect(throws: StoreError.self) { try TraceStore(path: dir.path("missing.sqlite"), create: false) }
        let empty = dir.path("empty.sqlite")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: StoreError.self) { try TraceStore(path: empty, create: false) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.path("missing.sqlite")))
    }

    @Test func batchRecordsEveryCombinationOncePerTransaction() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let fixtures = try FixtureLoader.shipped(matching: ["adv_a*", "adv_cocaine_dissection", "adv_*"])
        #expect(fixtures.map(\.id) == ["adv_aaa_30min", "adv_cocaine_dissection", "adv_pediatric_dka"])
        #expect(throws: UnknownFixtureError.self) { try FixtureLoader.shipped(matching: ["zzz*"]) }
        let report = try BatchRecorder(fixtures: Array(fixtures.prefix(2)), seeds: 1...3, agents: [.expert, .anchoring])
            .run(into: store, createdAt: { "x" })
        let groups = report.groups
        #expect(report.inserted == 12 && report.alreadyStored == 0)
        #expect(
            groups.map { "\($0.fixture)/\($0.agent)" } == [
                "adv_aaa_30min/expert", "adv_aaa_30min/anchoring", "adv_cocaine_dissection/expert", "adv_cocaine_dissection/anchoring",
            ])
        #expect(try store.list().count == 12)
        let dissectionAnchoring = groups[3]
        #expect(dissectionAnchoring.outcomeCounts.map(\.outcome) == ["missed_aad"])
        #expect(dissectionAnchoring.summary.hasPrefix("adv_cocaine_dissection × anchoring: 3 episodes, mean composite "))
        // Recording the same batch again stores nothing new (content-derived ids).
        let again = try BatchRecorder(fixtures: Array(fixtures.prefix(1)), seeds: 1...3, agents: [.expert]).run(into: store, createdAt: { "y" })
        #expect(again.inserted == 0 && again.alreadyStored == 3)
        #expect(try store.list().count == 12)

        // Two jobs store the same episodes, in the same order, with the same summaries.
        let parallel = try TraceStore(path: dir.path("parallel.sqlite"))
        let twoJobs = try BatchRecorder(fixtures: Array(fixtures.prefix(2)), seeds: 1...3, agents: [.expert, .anchoring], jobs: 2)
            .run(into: parallel, createdAt: { "x" })
        #expect(twoJobs.groups == groups)
        #expect(try parallel.episodeIDs() == store.episodeIDs())
    }

    @Test func snakeCaseKeysDecodeBackToIDProperties() throws {
        let recorded = try demo()
        let state = recorded.finalState
        let json = try CanonicalJSON.data(state)
        #expect(String(decoding: json, as: UTF8.self).contains("\"fixture_id\""))
        #expect(try CanonicalJSON.decode(EpisodeState.self, from: json) == state)
    }
}
