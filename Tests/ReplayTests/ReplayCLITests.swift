import CLITestSupport
import Foundation
import Replay
import Testing
import TraceStore

/// `replay` and `medgym` as a user runs them: the real binaries, real files.
struct ReplayCLITests {
    func digest(_ path: String) throws -> String {
        TraceHash.sha256(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A store file holding the demo episode, closed (checkpointed) before returning.
    /// Starts `medgym args`, kills it (SIGKILL) once `store` lists at least `episodes` episodes, and returns how many it saw.
    func killMidBatch(_ args: [String], store: String, episodes: Int = 25) throws -> Int {
        let child = try CLI.start("medgym", args)
        var finished = 0
        for _ in 0..<600 where finished < episodes {
            Thread.sleep(forTimeInterval: 0.05)
            if let db = try? SQLiteConnection(path: store, create: false, readOnly: true) {
                finished = (try? db.scalarInt("SELECT COUNT(*) FROM episodes")) ?? 0
            }
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        return finished
    }

    @Test func readmeCommandWorksFromAFreshClone() throws {
        let dir = try TempDir.withShippedTraces()
        defer { dir.remove() }
        let r = try CLI.run("replay", ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest"], cwd: dir.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("imported traces/ep_0fa72a32ec1d.jsonl"))
        let outcome = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("outcome") })
        // The page's story: the anchored agent, re-run after the CTA, waits for the result and acts on it.
        #expect(outcome.split(separator: " ").filter { !$0.isEmpty }.prefix(3) == ["outcome", "missed_aad", "caught_aad"])
        #expect(r.stdout.hasPrefix("continuation chosen: agent (default for the built-in anchoring agent"))
        #expect(r.stdout.contains("continuation: agent"))
        let composite = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("composite") })
        #expect(composite.split(separator: " ").last!.hasPrefix("+"))
        // Asked for, the recorded actions are replayed instead: the CTA result arrives, but he still goes to observation.
        let original = try CLI.run("replay", ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest", "--continue", "original"], cwd: dir.url)
        #expect(original.stdout.contains("continuation chosen: original (asked with --continue)"))
        #expect(original.stdout.split(separator: "\n").contains { $0.hasPrefix("outcome") && $0.contains("missed_aad") && !$0.contains("caught_aad") })
        for dimension in ["survival", "disposition", "workup", "red_flag", "communication", "cost", "harm", "efficiency", "documentation"] {
            #expect(r.stdout.contains("\n\(dimension) "))
        }
        #expect(r.stdout.contains("preference pair for training (same state, higher-reward action first"))
        #expect(r.stdout.contains("harm level") && r.stdout.contains("harm points"))
        // The store now exists and the second run does not import again.
        let again = try CLI.run("replay", ["verify", "--all"], cwd: dir.url)
        #expect(again.status == 0 && !again.stderr.contains("imported"))
        #expect(again.stdout.contains("ep_0fa72a32ec1d  verified"))
    }

    @Test func forkOutputIsIdenticalAcrossProcesses() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try DemoStore.path(in: dir)
        let args = ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest", "--json", "--store", store]
        let a = try CLI.run("replay", args, env: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        let b = try CLI.run("replay", args)
        #expect(a.status == 0 && a.stdout == b.stdout)
        #expect(a.stdout.contains("\"counterfactual_head_hash\""))
        let text = try CLI.run("replay", Array(args.dropLast(3)) + ["--store", store])
        let text2 = try CLI.run("replay", Array(args.dropLast(3)) + ["--store", store])
        #expect(text.stdout == text2.stdout)
    }

    @Test func recordingIsByteIdenticalAcrossProcesses() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var logs: [String] = []
        for (index, hashing) in ["1", ""].enumerated() {
            let store = dir.path("s\(index).sqlite")
            let run = try CLI.run(
                "medgym",
                [
                    "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "anchoring",
                    "--episode-id", "ep_0fa72a32ec1d", "--store", store,
                ],
                env: ["SWIFT_DETERMINISTIC_HASHING": hashing, "SOURCE_DATE_EPOCH": "1795600000"])
            #expect(run.status == 0, "\(run.stderr)")
            logs.append(try CLI.run("replay", ["export", "trace", "ep_0fa72a32ec1d", "--store", store]).stdout)
        }
        #expect(logs[0] == logs[1])
        #expect(logs[0] == (try String(contentsOf: CLI.demoLog, encoding: .utf8)))
    }

    @Test func verifyNamesTheEpisodeAndEventOfAFlippedByte() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try DemoStore.path(in: dir)
        #expect(try CLI.run("replay", ["verify", "ep_0fa72a32ec1d", "--store", path]).status == 0)

        // A payload stored as text: the flipped byte reads back and breaks the hash.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let needle = Data(#"{"action":"ecg","text":"order ECG"}"#.utf8)
        let range = try #require(bytes.range(of: needle))
        bytes[range.lowerBound + 24] = UInt8(ascii: "O")
        try bytes.write(to: URL(fileURLWithPath: path))

        let tampered = try TraceStore(path: path).events("ep_0fa72a32ec1d")
        let seq = try #require(tampered.first { $0.payload.contains("order ECG") == false && $0.payload.contains("rder ECG") }?.seq)
        let r = try CLI.run("replay", ["verify", "--all", "--store", path])
        #expect(r.status != 0)
        #expect(r.stdout.contains("ep_0fa72a32ec1d  FAILED"))
        #expect(r.stdout.contains("event \(seq) ("))
        #expect(r.stdout.contains("hash does not match its content"))
    }

    /// The store reads with stock tools: Python's sqlite3 and zlib, the SQL in RangedLayout's documentation.
    @Test func pythonCountsTheDemoEventsAndDecompressesItsScoreCardWithSqlite3AndZlib() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try DemoStore.path(in: dir)
        let script = """
            import json, sqlite3, sys, zlib
            db = sqlite3.connect(sys.argv[1])
            rows = db.execute(\"\"\"SELECT v.seq, v.kind, v.payload, v.size FROM episodes e
                JOIN events v ON v.id BETWEEN e.first_event AND e.first_event + e.event_count - 1
                WHERE e.episode_id = 'ep_0fa72a32ec1d' ORDER BY v.id\"\"\").fetchall()
            log = [json.loads(l) for l in open(sys.argv[2])][1:]
            assert len(rows) == len(log), (len(rows), len(log))
            packed = 0
            for (seq, kind, payload, size), line in zip(rows, log):
                data = payload.encode() if isinstance(payload, str) else payload
                if len(data) < size:
                    data, packed = zlib.decompress(data), packed + 1
                assert len(data) == size and (seq, kind) == (line["seq"], line["kind"]), seq
                assert json.loads(data) == line["payload"], seq
            print(len(rows), packed)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path, CLI.demoLog.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let counts = printed.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(counts.count == 2 && counts[0] > 100 && counts[1] >= 1, "\(printed)")
    }

    @Test func verifyCatchesEveryFlippedByteOfACompressedPayload() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try DemoStore.path(in: dir)
        let events = try TraceStore(path: path).events("ep_0fa72a32ec1d")
        let seq = try #require(events.first { $0.kind == .score }?.seq)
        let stored = try TraceStore(path: path).connection.prepare(
            """
            SELECT v.payload FROM events v JOIN episodes e ON v.id = e.first_event + \(seq) WHERE e.episode_id = 'ep_0fa72a32ec1d'
            """)
        #expect(try stored.step())
        let blob = Data(stored.blob(0))
        #expect(!blob.isEmpty && blob.range(of: Data("composite".utf8)) == nil, "stored compressed")
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let range = try #require(original.range(of: blob))
        // Every byte of the stream: the episode no longer serves, naming the event.
        for offset in stride(from: 0, to: blob.count, by: max(1, blob.count / 12)) {
            var bytes = original
            bytes[range.lowerBound + offset] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: path))
            let problems = try Verifier(store: TraceStore(path: path, readOnly: true)).verify("ep_0fa72a32ec1d").problems
            #expect(problems.contains { $0.contains("event \(seq)") }, "byte \(offset): \(problems)")
        }
    }

    @Test func badInputIsAOneLineErrorAndLeavesTheStoreUntouched() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try DemoStore.path(in: dir)
        let before = try digest(store)
        let cases: [([String], String)] = [
            (["replay", "show", "ep_0fa72a32ec1e"], "unknown episode 'ep_0fa72a32ec1e'"),
            (["replay", "fork", "ep_0fa72a32ec1d", "--at", "40", "--action", "CTA chest", "--save"], "valid steps are 1…28"),
            (["replay", "fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "cta chst abdmn xyz", "--save"], "did you mean: cta_chest"),
            (["replay", "score", "nope"], "unknown episode 'nope'"),
            (
                ["medgym", "run", "--fixture", "adv_cocaine_dissection", "--seed", "43", "--agent", "anchoring", "--episode-id", "ep_0fa72a32ec1d"],
                "already in"
            ),
            (["medgym", "run", "--fixture", "adv_cocaine_dissection", "--episode-id", "ep_XYZ"], "--episode-id 'ep_XYZ' is not ep_"),
            (["medgym", "batch", "--fixtures", "adv_*,zzz*", "--seeds", "1-2"], "unknown fixture 'zzz*'"),
            (["medgym", "batch", "--seeds", "5-1"], "invalid seeds '5-1'"),
        ]
        for (command, message) in cases {
            let r = try CLI.run(command[0], Array(command.dropFirst()) + ["--store", store])
            #expect(r.status != 0, "\(command)")
            #expect(r.stderr.contains(message), "\(command): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(command): \(r.stderr)")
            #expect(try digest(store) == before, "\(command)")
        }

        let notes = dir.path("notes.txt")
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: notes))
        let newer = dir.path("newer.sqlite")
        do {
            let s = try TraceStore(path: newer)
            try s.connection.execute("UPDATE medgym_schema SET version = 99")
        }
        for (file, message) in [(notes, "is not an SQLite database"), (newer, "schema version 99, newer than this MedGym supports")] {
            let fileBefore = try digest(file)
            for command in [["replay", "list"], ["medgym", "run", "--fixture", "adv_aaa_30min"]] {
                let r = try CLI.run(command[0], Array(command.dropFirst()) + ["--store", file])
                #expect(r.status != 0)
                #expect(r.stderr.contains(message), "\(r.stderr)")
                #expect(try digest(file) == fileBefore)
            }
        }
        let missing = try CLI.run("replay", ["list", "--store", dir.path("missing.sqlite")])
        #expect(missing.status != 0 && missing.stderr.contains("no trace store at"))
    }

    @Test func rejectedActionTextIsRecordedShownAndVerified() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let script = dir.path("agent.txt")
        try "ECG\nzzzz qq\ntroponin\nCTA chest\n".write(toFile: script, atomically: true, encoding: .utf8)
        let store = dir.path("store.sqlite")
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_aaa_30min", "--agent", "script:\(script)", "--reject-invalid",
                "--episode-id", "ep_00000000abcd", "--store", store,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("zzzz qq  ✗ unknown action"))
        let show = try CLI.run("replay", ["show", "ep_00000000abcd", "--store", store])
        #expect(show.stdout.contains("\"zzzz qq\"  ✗ rejected"))
        #expect(show.stdout.contains("(no further action"))
        let json = try CLI.run("replay", ["show", "ep_00000000abcd", "--json", "--store", store])
        #expect(json.stdout.contains("\"kind\" : \"action_rejected\""))
        #expect(json.stdout.contains("\"suggestions\" : ["))
        #expect(try CLI.run("replay", ["verify", "ep_00000000abcd", "--store", store]).status == 0)
        let list = try CLI.run("replay", ["list", "--json", "--store", store])
        #expect(list.stdout.contains("\"episode_id\" : \"ep_00000000abcd\""))
    }

    @Test func aKilledParallelBatchRunAgainFinishesWithoutDuplicates() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("batch.sqlite")
        let args = ["batch", "--fixtures", "adv_*", "--seeds", "1-200", "--agent", "expert,anchoring", "--jobs", "2", "--store", path]
        _ = try killMidBatch(args, store: path)
        let stored = try TraceStore(path: path, readOnly: true).list(includeUnfinished: true).count
        let total = 3 * 200 * 2  // (the three curated fixtures × 200 seeds × 2 agents)
        #expect(stored >= 25 && stored < total)

        let again = try CLI.run("medgym", args)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\(total - stored) new, \(stored) already stored in \(path)"), "\(again.stdout)")
        let store = try TraceStore(path: path)
        #expect(try store.list(includeUnfinished: true).count == total)
        #expect(try store.connection.scalarInt("SELECT COUNT(DISTINCT head_hash) FROM episodes") == total)
        let verify = try CLI.run("replay", ["verify", "--all", "--store", path])
        #expect(verify.status == 0, "\(verify.stdout.suffix(300))")
    }

    @Test func killedBatchLeavesOnlyWholeEpisodes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("batch.sqlite")
        let finished = try killMidBatch(
            [
                "batch", "--fixtures", "*", "--seeds", "1-100000", "--agent", "expert,anchoring,random",
                "--yes", "--store", path,
            ], store: path)
        #expect(finished >= 25)

        let store = try TraceStore(path: path)
        let all = try store.list(includeUnfinished: true)
        #expect(all.count >= 25 && all.allSatisfy(\.finished))
        let orphans = try store.connection.scalarInt(
            """
            SELECT COUNT(DISTINCT episode) FROM events WHERE episode NOT IN (SELECT id FROM episodes)
            """)
        #expect(orphans == 0)
        for table in ["summaries"] {
            let stray = try store.connection.scalarInt(
                """
                SELECT COUNT(DISTINCT episode) FROM \(table) WHERE episode NOT IN (SELECT id FROM episodes)
                """)
            #expect(stray == 0, "\(table)")
        }
        let verifier = Verifier(store: store)
        for row in all {
            let result = try verifier.verify(row.header.episodeID)
            #expect(result.passed, "\(result.problems)")
        }
    }
}
