import CLITestSupport
import Foundation
import MedGym
import PostgresStore
import Testing
import TraceStore

/// The PostgreSQL store against a real server (`MEDGYM_TEST_POSTGRES`, which `.ci/run` sets from
/// `scripts/test-postgres.sh start`): each test in a database of its own. `replay sync` SQLite →
/// PostgreSQL → SQLite gives back every episode with its head hash, verifying; a second sync moves
/// nothing; events are append-only; the save rules are the SQLite store's.
/// The test server's URL, when one is running.
let testServer = ProcessInfo.processInfo.environment["MEDGYM_TEST_POSTGRES"]

@Suite(.enabled(if: testServer != nil, "set MEDGYM_TEST_POSTGRES (eval \"$(scripts/test-postgres.sh start)\")"))
struct PostgresStoreTests {
    static var server: String? { testServer }

    /// A new, empty database on the test server; its URL.
    static func database() throws -> String {
        let base = try #require(server)
        let name = "medgym_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", base, "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"]
        psql.standardOutput = FileHandle.nullDevice
        try psql.run()
        psql.waitUntilExit()
        #expect(psql.terminationStatus == 0)
        return String(base[..<(base.lastIndex(of: "/") ?? base.endIndex)]) + "/" + name
    }

    func heads(_ store: TraceStore) throws -> [EpisodeHead] { try store.heads() }

    /// Runs SQL on `database` as the server's owner role.
    static func psql(_ database: String, _ sql: String) throws {
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", database, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        psql.standardOutput = FileHandle.nullDevice
        try psql.run()
        psql.waitUntilExit()
        #expect(psql.terminationStatus == 0, "\(sql)")
    }

    @Test func aStoreOfSchema2IsMigratedKeepingItsEpisodesAndANewerOneIsRefused() throws {
        let database = try Self.database()
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var agent = ExpertAgent(fixture: fixture)
        let recorded = try EpisodeRecorder(fixture: fixture).record(seed: 5, agent: &agent, createdAt: "2026-12-07T00:00:00Z")
        do {
            let store = try PostgresTraceStore(location: PostgresLocation(parsing: database))
            #expect(try store.save(recorded) == .inserted)
        }
        // Back to schema 2, as a MedGym of before the content key and the live tables left it.
        try Self.psql(
            database,
            """
            DROP TABLE live_events; DROP TABLE live_runs; DROP INDEX episodes_content;
            CREATE INDEX episodes_head ON episodes (head_hash); UPDATE medgym_schema SET version = 2;
            """)
        let migrated = try PostgresTraceStore(location: PostgresLocation(parsing: database))
        #expect(try migrated.schemaVersion() == 4)
        #expect(try migrated.checkedEvents(recorded.header.episodeID).events == recorded.events)
        #expect(try migrated.liveRuns(limit: 5).isEmpty)
        var twin = recorded
        twin.header.episodeID = "ep_000000000009"
        #expect(try migrated.save(twin) == .alreadyStored(id: recorded.header.episodeID))

        try Self.psql(database, "UPDATE medgym_schema SET version = 99")
        #expect(throws: PostgresStoreError.newerSchema(location: migrated.path, found: 99, supported: 4)) {
            try PostgresTraceStore(location: PostgresLocation(parsing: database))
        }
    }

    @Test func aRecordingRoleWithoutUpdateOrDeleteCanRecordButNeverChangeEvents() throws {
        let database = try Self.database()
        let owner = try PostgresTraceStore(location: PostgresLocation(parsing: database))  // creates the tables
        let role = "recorder_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let name = String(database[database.index(after: database.lastIndex(of: "/")!)...])
        // What docs/store.md tells a team to give the role its machines record with.
        try Self.psql(
            database,
            """
            CREATE ROLE \(role) LOGIN PASSWORD 'rec';
            GRANT CONNECT ON DATABASE \(name) TO \(role);
            GRANT USAGE ON SCHEMA public TO \(role);
            GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO \(role);
            GRANT UPDATE ON jobs TO \(role);
            GRANT UPDATE, DELETE ON live_runs, live_events TO \(role);
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \(role);
            REVOKE UPDATE, DELETE, TRUNCATE ON events FROM \(role);
            """)
        var location = try PostgresLocation(parsing: database)
        (location.user, location.password) = (role, "rec")
        let recorder = try PostgresTraceStore(location: location)
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var agent = ExpertAgent(fixture: fixture)
        let recorded = try EpisodeRecorder(fixture: fixture).record(seed: 3, agent: &agent, createdAt: "2026-12-07T00:00:00Z")
        #expect(try recorder.save(recorded) == .inserted)
        // The live tables (not the trace) are the role's to update and prune.
        let feed = try LiveFeed(store: recorder, source: .worker)
        let run = try #require(feed.begin(fixture: fixture.id, seed: 3, agent: "expert", label: nil))
        run.publish(recorded.events.prefix(2))
        run.stored(episodeID: recorded.header.episodeID, alreadyStored: false)
        feed.close()
        #expect(feed.problem == nil, "\(feed.problem ?? "")")
        #expect(try owner.liveRun(run.id)?.state == .stored)
        #expect(try owner.checkedEvents(recorded.header.episodeID).events == recorded.events)
        for statement in ["UPDATE events SET payload = 'x'", "DELETE FROM events", "TRUNCATE events CASCADE", "DROP TRIGGER events_no_change ON events"] {
            #expect {
                try recorder.textColumn(statement)
            } throws: { error in
                "\(error)".contains("permission denied") || "\(error)".contains("must be owner")
            }
        }
        #expect(try recorder.checkedEvents(recorded.header.episodeID).events == recorded.events)
    }

    @Test func syncToPostgresAndBackKeepsEveryEpisodeAndHeadHash() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let (original, back) = (dir.path("original.sqlite"), dir.path("back.sqlite"))
        #expect(try CLI.run("replay", ["import", "--store", original, CLI.demoLog.path]).status == 0)
        let batch = try CLI.run(
            "medgym", ["batch", "--fixtures", "adv_cocaine_dissection,adv_aaa_30min", "--seeds", "1-3", "--agent", "expert,anchoring", "--store", original])
        #expect(batch.status == 0, "\(batch.stderr)")
        let fork = try CLI.run("replay", ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest", "--save", "--store", original])
        #expect(fork.status == 0, "\(fork.stderr)")
        let postgres = try Self.database()

        let there = try CLI.run("replay", ["sync", "--from", original, "--to", postgres])
        #expect(there.status == 0 && there.stdout.contains("14 moved, 0 already in"), "\(there.stdout)\(there.stderr)")
        #expect(!there.stdout.contains("medgym:medgym@"), "the password is never printed")
        let again = try CLI.run("replay", ["sync", "--from", original, "--to", postgres])
        #expect(again.stdout.contains("0 moved, 14 already in"), "\(again.stdout)\(again.stderr)")
        let home = try CLI.run("replay", ["sync", "--from", postgres, "--to", back, "--jobs", "3"])
        #expect(home.status == 0 && home.stdout.contains("14 moved"), "\(home.stdout)\(home.stderr)")

        let before = try TraceStore(path: original, readOnly: true).heads()
        let after = try TraceStore(path: back, readOnly: true).heads()
        #expect(after.map(\.id) == before.map(\.id) && after.map(\.headHash) == before.map(\.headHash))
        let verify = try CLI.run("replay", ["verify", "--all", "--store", back])
        #expect(verify.status == 0 && verify.stdout.contains("14 of 14 episodes verified"), "\(verify.stdout)")
        let store = try PostgresTraceStore(location: PostgresLocation(parsing: postgres))
        #expect(try store.heads() == before)
        #expect(try store.checkedEvents("ep_0fa72a32ec1d").events == TraceStore(path: original, readOnly: true).checkedEvents("ep_0fa72a32ec1d").events)
    }

    @Test func eventsAreAppendOnlyAndTheSaveRulesAreTheSQLiteStores() throws {
        let store = try PostgresTraceStore(location: PostgresLocation(parsing: try Self.database()))
        #expect(try store.schemaVersion() == 4)
        #expect(store.path == store.location.redacted)
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var agent = ExpertAgent(fixture: fixture)
        let recorded = try EpisodeRecorder(fixture: fixture).record(seed: 1, agent: &agent, createdAt: "2026-12-07T00:00:00Z")
        #expect(try store.save(recorded) == .inserted)
        #expect(try store.save(recorded) == .alreadyStored(id: recorded.header.episodeID))
        var other = recorded
        other.header.episodeID = "ep_000000000001"
        #expect(try store.save(other) == .alreadyStored(id: recorded.header.episodeID))
        #expect(throws: StoreError.duplicateContent(id: "ep_000000000001", existing: recorded.header.episodeID, path: store.location.redacted)) {
            try store.save(other, sameContent: .refuse)
        }
        var altered = recorded
        altered.events[3].payload = altered.events[3].payload.replacingOccurrences(of: "a", with: "b")
        #expect(throws: StoreError.self) { try store.save(altered) }
        for statement in ["UPDATE events SET payload = 'x'", "DELETE FROM events", "TRUNCATE events CASCADE"] {
            #expect {
                try store.textColumn(statement)
            } throws: { error in
                "\(error)".contains("trace events are append-only")
            }
        }
        #expect(try store.checkedEvents(recorded.header.episodeID).events == recorded.events)
    }

    /// Reads `medgym queue status`'s first line.
    func status(_ database: String) throws -> String {
        let r = try CLI.run("medgym", ["queue", "status", "--store", database])
        #expect(r.status == 0, "\(r.stderr)")
        return String(r.stdout.split(separator: "\n").first ?? "")
    }

    @Test func aBatchEnqueuedIsDrainedByWorkersEachEpisodeOnce() throws {
        let database = try Self.database()
        let arguments = [
            "batch", "--fixtures", "adv_cocaine_dissection,adv_aaa_30min", "--seeds", "1-5", "--agent", "expert,anchoring", "--store", database, "--enqueue",
        ]
        let queued = try CLI.run("medgym", arguments)
        #expect(queued.status == 0 && queued.stdout.contains("20 jobs queued, 0 already queued"), "\(queued.stdout)\(queued.stderr)")
        #expect(try CLI.run("medgym", arguments).stdout.contains("0 jobs queued, 20 already queued"))
        #expect(try status(database).hasPrefix("20 pending, 0 leased, 0 done, 0 failed"))
        let workers = try (0..<2).map { _ in
            try CLI.start("medgym", ["worker", "--store", database, "--jobs", "2", "--exit-when-empty"], capture: true)
        }
        var printed = ""
        for worker in workers {
            printed += String(decoding: (worker.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            worker.waitUntilExit()
            #expect(worker.terminationStatus == 0)
        }
        #expect(try status(database).hasPrefix("0 pending, 0 leased, 20 done, 0 failed"), "\(printed)")
        let store = try PostgresTraceStore(location: PostgresLocation(parsing: database))
        let heads = try store.heads()
        #expect(heads.count == 20 && Set(heads.map(\.id)).count == 20)
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(try CLI.run("replay", ["sync", "--from", database, "--to", dir.path("copy.sqlite")]).status == 0)
        let verify = try CLI.run("replay", ["verify", "--all", "--store", dir.path("copy.sqlite")])
        #expect(verify.status == 0 && verify.stdout.contains("20 of 20 episodes verified"), "\(verify.stdout)")
    }

    @Test func aWorkerKilledMidEpisodeLosesNothingAndAFailedJobKeepsItsError() throws {
        let database = try Self.database()
        let slow = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Agents/slow.py").path
        let queued = try CLI.run(
            "medgym",
            ["batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "42", "--agent", "cmd:python3 \(slow) 0.3", "--store", database, "--enqueue"])
        #expect(queued.status == 0, "\(queued.stderr)")
        let doomed = try CLI.start("medgym", ["worker", "--store", database, "--lease", "3"])
        var line = ""
        for _ in 0..<100 where !line.hasPrefix("0 pending, 1 leased") {
            Thread.sleep(forTimeInterval: 0.1)
            line = try status(database)
        }
        #expect(line.hasPrefix("0 pending, 1 leased"), "\(line)")
        Thread.sleep(forTimeInterval: 1)  // mid-episode
        kill(doomed.processIdentifier, SIGKILL)
        doomed.waitUntilExit()
        // Its lease runs out (3 s without a heartbeat) and the next worker plays the job.
        let next = try CLI.run("medgym", ["worker", "--store", database, "--lease", "3", "--exit-when-empty"])
        #expect(next.stdout.contains("0 stored") || next.stdout.contains("1 stored"), "\(next.stdout)\(next.stderr)")
        var finished = try status(database)
        for _ in 0..<100 where !finished.hasPrefix("0 pending, 0 leased, 1 done") {
            Thread.sleep(forTimeInterval: 0.1)
            _ = try CLI.run("medgym", ["worker", "--store", database, "--lease", "3", "--exit-when-empty"])
            finished = try status(database)
        }
        #expect(finished.hasPrefix("0 pending, 0 leased, 1 done, 0 failed"), "\(finished)")
        let store = try PostgresTraceStore(location: PostgresLocation(parsing: database))
        #expect(try store.heads().count == 1)
        #expect(try store.textColumn("SELECT attempts::text FROM jobs") == ["2"])
        // Both tries were in the live tables as they were played: the killed one abandoned, the other stored.
        let runs = try store.liveRuns(limit: 10).filter { $0.source == "worker" }
        #expect(runs.map(\.state) == [.stored, .abandoned], "\(runs)")
        #expect(try runs.first?.episodeID == store.heads().first?.id)

        // A job that cannot run fails three times, then keeps its error.
        #expect(
            try CLI.run("medgym", ["batch", "--fixtures", "adv_aaa_30min", "--seeds", "1", "--agent", "expert", "--store", database, "--enqueue"]).status == 0)
        _ = try store.textColumn("UPDATE jobs SET fixture = 'no_such_fixture' WHERE fixture = 'adv_aaa_30min' RETURNING fixture")
        let failing = try CLI.run("medgym", ["worker", "--store", database, "--exit-when-empty"])
        #expect(failing.stdout.contains("0 stored, 0 already stored, 3 failed"), "\(failing.stdout)\(failing.stderr)")
        let report = try CLI.run("medgym", ["queue", "status", "--store", database]).stdout
        #expect(report.contains("1 done, 1 failed") && report.contains("failed: no_such_fixture seed 1 expert: unknown fixture"), "\(report)")
    }

    @Test func aBadLocationOrAnUnreachableServerIsOneLineNamingTheFix() throws {
        #expect(throws: PostgresStoreError.self) { try PostgresLocation(parsing: "postgres://db.example") }
        let down = try CLI.run("replay", ["sync", "--from", "postgres://medgym:secret@127.0.0.1:1/medgym", "--to", "/tmp/never.sqlite"])
        #expect(down.status != 0 && down.stderr.contains("postgres://medgym@127.0.0.1:1/medgym: cannot connect"), "\(down.stderr)")
        #expect(!down.stderr.contains("secret") && down.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never.sqlite"))
        // Any command given an unreachable PostgreSQL store says so in one line, without the password.
        for (tool, args) in [("replay", ["list"]), ("medgym", ["run", "--fixture", "adv_aaa_30min"]), ("medgym", ["leaderboard"])] {
            let r = try CLI.run(tool, args + ["--store", "postgres://medgym:secret@127.0.0.1:1/medgym"])
            #expect(r.status != 0 && r.stderr.contains("postgres://medgym@127.0.0.1:1/medgym: cannot connect"), "\(r.stderr)")
            #expect(!r.stderr.contains("secret") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        // `replay` runs a PostgreSQL store's command as `medgym replay …`: alone, it says what it lacks.
        let dir = try TempDir()
        defer { dir.remove() }
        let lonely = dir.path("replay")
        try FileManager.default.copyItem(atPath: CLI.binary("replay").path, toPath: lonely)
        let alone = Process()
        alone.executableURL = URL(fileURLWithPath: lonely)
        alone.arguments = ["list", "--store", "postgres://medgym:secret@127.0.0.1:1/medgym"]
        let errors = Pipe()
        (alone.standardError, alone.standardOutput) = (errors, FileHandle.nullDevice)
        try alone.run()
        alone.waitUntilExit()
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(alone.terminationStatus == 1 && said.contains("a postgres:// store is opened through medgym, and there is no \(dir.path("medgym"))"), "\(said)")
        #expect(!said.contains("secret"))
        let queue = try CLI.run("medgym", ["queue", "status", "--store", "traces/medgym.sqlite"])
        #expect(queue.status != 0 && queue.stderr.contains("give --store postgres://"), "\(queue.stderr)")
    }
}
