import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// Only re-executed work counts: a trace of another simulation version, a
/// row that says what its chain does not, and a re-chained re-attribution to
/// a built-in agent never reach a leaderboard, a diff or a corpus, and
/// `replay verify` fails them.
struct UnverifiedWorkTests {
    /// The demo log with its events rewritten by `edit` (payload objects by
    /// seq; return nil to drop the event), its header by `header`, and its
    /// chain recomputed: a forgery whose every hash checks.
    static func forged(
        edit: (TraceEvent, inout [String: Any]) -> Bool = { _, _ in true },
        header: (inout EpisodeHeader) -> Void = { _ in }
    ) throws -> String {
        let (original, events) = try TraceLog.decode(try String(contentsOf: CLI.demoLog, encoding: .utf8), file: "demo")
        var head = original
        header(&head)
        var rebuilt: [TraceEvent] = []
        for event in events {
            var object = try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as! [String: Any]
            guard edit(event, &object) else { continue }
            let payload = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            var next = TraceEvent(
                seq: rebuilt.count, step: event.step, simMinute: event.simMinute, kind: event.kind, payload: payload,
                rngState: event.rngState, prevHash: rebuilt.last?.hash ?? TraceHash.genesis, hash: "")
            next.hash = TraceHash.hash(of: next)
            rebuilt.append(next)
        }
        return try TraceLog.encode(header: head, events: rebuilt)
    }

    /// The demo log as simulation 2, its score raised to 99 and `caught_aad`.
    static func simulation2Forgery() throws -> String {
        try forged(edit: { event, object in
            if event.seq == 0 { object["simulation"] = 2 }
            if var score = object["score"] as? [String: Any] {
                score["composite"] = 99.0
                score["outcome"] = "caught_aad"
                object["score"] = score
            }
            return true
        })
    }

    @Test func aForgedOtherSimulationTraceIsStoredUnverifiedAndNeverCounted() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let log = dir.path("forged.jsonl")
        try Self.simulation2Forgery().write(toFile: log, atomically: true, encoding: .utf8)
        let imported = try CLI.run("replay", ["import", "--store", store, log])
        #expect(imported.status == 0, "\(imported.stderr)")
        // An honest run beside it, so the board has something to show.
        #expect(try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "3", "--agent", "expert", "--store", store]).status == 0)

        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status != 0)
        #expect(verify.stdout.contains("ep_0fa72a32ec1d  FAILED  unverified: chain checked, but not re-executed"), "\(verify.stdout)")
        let accepted = try CLI.run("replay", ["verify", "--all", "--accept-chain-only", "--store", store])
        #expect(accepted.status == 0, "\(accepted.stdout)")

        let board = try CLI.run("medgym", ["leaderboard", "--store", store])
        #expect(board.status == 0, "\(board.stderr)")
        #expect(!board.stdout.contains("anchoring"), "\(board.stdout)")
        #expect(board.stdout.contains("left out 1 unverified episode (ep_0fa72a32ec1d): recorded by simulation 2"), "\(board.stdout)")
        let json =
            try JSONSerialization.jsonObject(with: Data(try CLI.run("medgym", ["leaderboard", "--json", "--store", store]).stdout.utf8)) as! [String: Any]
        #expect((json["rows"] as! [[String: Any]]).map { $0["agent"] as! String } == ["expert"])
        #expect((json["left_out"] as! [[String: Any]]).map { $0["episode_id"] as! String } == ["ep_0fa72a32ec1d"])

        let list = try CLI.run("replay", ["list", "--store", store])
        #expect(list.stdout.contains("(unverified: another simulation)"), "\(list.stdout)")
        let corpus = try CLI.run("replay", ["export", "corpus", "--wave", "w", "ep_0fa72a32ec1d", "--out", dir.path("c"), "--store", store])
        #expect(corpus.status != 0 && corpus.stderr.contains("is unverified (recorded by simulation 2"), "\(corpus.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("c")))
    }

    @Test func aFabricatedZeroStepExpertTraceIsNotCounted() throws {
        // Four events: started (as simulation 2, by 'expert'), the first observation, ended, a perfect score.
        let log = try Self.forged(
            edit: { event, object in
                if event.seq == 0 {
                    object["simulation"] = 2
                    var provenance = object["provenance"] as! [String: Any]
                    provenance["agent"] = "expert"
                    object["provenance"] = provenance
                    return true
                }
                if var score = object["score"] as? [String: Any] {
                    score["composite"] = 100.0
                    score["outcome"] = "caught_aad"
                    object["score"] = score
                    return true
                }
                return event.seq == 1 || event.kind == .episodeEnded
            }, header: { $0.agent = "expert" })
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        try log.write(toFile: dir.path("fake.jsonl"), atomically: true, encoding: .utf8)
        let imported = try CLI.run("replay", ["import", "--store", store, dir.path("fake.jsonl")])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try CLI.run("replay", ["verify", "--all", "--store", store]).status != 0)
        let board = try CLI.run("medgym", ["leaderboard", "--store", store])
        #expect(board.status != 0 && board.stderr.contains("no recorded episodes count") && board.stderr.contains("unverified"), "\(board.stderr)")
    }

    /// Each row edit a store attacker might make, and the words its refusal uses.
    static let rowEdits: [(sql: String, problem: String)] = [
        ("UPDATE episodes SET finished = 0", "finished: the row says 0"),
        ("UPDATE episodes SET parent_id = 'ep_000000000001', fork_step = 4", "fork: the row says agent 'anchoring', parent ep_000000000001"),
        ("UPDATE episodes SET tier = 80", "tier: the row says 80"),
        ("UPDATE episodes SET variant = 'aortic_dissection/t40/v3'", "variant: the row says 'aortic_dissection/t40/v3'"),
        ("UPDATE summaries SET composite = 99", "summary: the row says"),
        ("UPDATE summaries SET tokens = 12345", "summary: the row says tokens 12345, the trace's replies record none"),
    ]

    @Test(arguments: rowEdits.indices)
    func aRowEditIsCaughtByVerifyAndNothingServesIt(_ index: Int) throws {
        let (sql, problem) = Self.rowEdits[index]
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        do {
            let opened = try TraceStore(path: store)
            try opened.connection.execute(sql)
        }
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status != 0 && verify.stdout.contains(problem), "\(sql): \(verify.stdout)")
        for command in [
            ["replay", "show", "ep_0fa72a32ec1d"], ["replay", "export", "trace", "ep_0fa72a32ec1d"],
            ["replay", "postmortem", "ep_0fa72a32ec1d"],
            ["replay", "fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest"],
        ] {
            let r = try CLI.run(command[0], Array(command.dropFirst()) + ["--store", store])
            #expect(
                r.status != 0 && r.stderr.contains("its row does not match its trace") && r.stderr.contains(problem),
                "\(sql) \(command): \(r.stderr)")
        }
        // The list shows the row (it is not hidden) and says why it is not served; the board says it left it out.
        let list = try CLI.run("replay", ["list", "--store", store])
        #expect(list.stdout.contains("not served: its row does not match its trace") && list.stdout.hasPrefix("episode"), "\(list.stdout)")
        let board = try CLI.run("medgym", ["leaderboard", "--store", store])
        #expect(board.stderr.contains("left out 1 ") && board.stderr.contains("ep_0fa72a32ec1d"), "\(board.stderr)")
        // Importing the same trace again does not hide the fault behind "already stored".
        let again = try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path])
        if sql.contains("finished") { #expect(again.status != 0 && again.stderr.contains("marked unfinished"), "\(again.stderr)") }
    }

    @Test func aDroppedScoreEventAndOrphanRowsAreCaught() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", path, CLI.demoLog.path]).status == 0)
        do {
            let store = try TraceStore(path: path)
            let events = try store.events("ep_0fa72a32ec1d")
            let last = events[events.count - 2]
            // Drop the score event and fix the row to match: the chain still links.
            try store.connection.execute("DROP TRIGGER IF EXISTS events_no_delete")
            try store.connection.execute("DELETE FROM events WHERE id = (SELECT MAX(id) FROM events)")
            try store.connection.execute("UPDATE episodes SET event_count = event_count - 1, head_hash = '\(last.hash)'")
            try store.connection.execute(
                "INSERT INTO summaries (episode, outcome, harm_level, composite, steps, end_minute) VALUES (99, 'caught_aad', 'none', 100, 1, 1)")
        }
        for command in [["replay", "show", "ep_0fa72a32ec1d"], ["replay", "export", "trace", "ep_0fa72a32ec1d"]] {
            let r = try CLI.run(command[0], Array(command.dropFirst()) + ["--store", path])
            #expect(r.status != 0 && r.stderr.contains("the trace does not end with a readable score event"), "\(r.stderr)")
        }
        let verify = try CLI.run("replay", ["verify", "--all", "--store", path])
        #expect(verify.status != 0 && verify.stdout.contains("1 summary row for no stored episode"), "\(verify.stdout)")
    }

    @Test func aSavedForkCannotBeReparented() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", path, CLI.demoLog.path]).status == 0)
        let fork = try CLI.run("replay", ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest", "--save", "--store", path])
        #expect(fork.status == 0, "\(fork.stderr)")
        #expect(try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "5", "--agent", "expert", "--store", path]).status == 0)
        #expect(try CLI.run("replay", ["verify", "--all", "--store", path]).status == 0)
        do {
            let store = try TraceStore(path: path)
            let other = try store.list().first { $0.header.agent == "expert" }!.header.episodeID
            try store.connection.execute("UPDATE episodes SET parent_id = '\(other)' WHERE parent_id IS NOT NULL")
        }
        let verify = try CLI.run("replay", ["verify", "--all", "--store", path])
        #expect(verify.status != 0 && verify.stdout.contains("a saved fork's id is derived from its trace"), "\(verify.stdout)")
    }

    @Test func aRunRelabelledAsAForkOfALookAlikeRunFailsVerify() throws {
        // Two runs by one script path (its file changed between them): their traces agree until step 2.
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let script = dir.path("agent.txt")
        func record(_ actions: [String]) throws -> String {
            try actions.joined(separator: "\n").write(toFile: script, atomically: true, encoding: .utf8)
            let run = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "9", "--agent", "script:\(script)", "--store", path])
            #expect(run.status == 0, "\(run.stderr)")
            return try TraceStore(path: path).list().last!.header.episodeID
        }
        let a = try record(["12-lead ECG", "chest x-ray", "troponin", "aspirin", "observe and reassess"])
        let b = try record(["12-lead ECG", "troponin", "chest x-ray", "observe and reassess", "aspirin"])
        #expect(try CLI.run("replay", ["verify", "--all", "--store", path]).status == 0)
        do {
            let store = try TraceStore(path: path)
            let row = try store.listing(b)
            let forged = EpisodeID.derive(headHash: row.headHash, agent: "fork:original", label: nil, parentID: a, forkStep: 2)
            try store.connection.execute(
                "UPDATE episodes SET agent = 'fork:original', parent_id = '\(a)', fork_step = 2, episode_id = '\(forged)' WHERE episode_id = '\(b)'")
        }
        let verify = try CLI.run("replay", ["verify", "--all", "--store", path])
        #expect(verify.status != 0 && verify.stdout.contains("with 'troponin' and continuation original gives another trace"), "\(verify.stdout)")
        // A fork saved by replay itself passes the same check.
        #expect(try CLI.run("replay", ["fork", a, "--at", "3", "--action", "CTA chest", "--save", "--store", path]).status == 0)
        let after = try CLI.run("replay", ["verify", "--all", "--store", path])
        #expect(after.stdout.contains("2 of 3 episodes verified"), "\(after.stdout)")
    }

    @Test func aRechainedReattributionToABuiltInAgentFailsVerify() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let run = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "11", "--agent", "expert", "--store", path])
        #expect(run.status == 0, "\(run.stderr)")
        let id = try TraceStore(path: path).list()[0].header.episodeID
        let exported = try CLI.run("replay", ["export", "trace", id, "--store", path])
        // Every event kept, the agent renamed in the header and in episode_started, every hash recomputed.
        let (header, events) = try TraceLog.decode(exported.stdout, file: "expert")
        var rebuilt: [TraceEvent] = []
        for event in events {
            var payload = event.payload
            if event.seq == 0 { payload = payload.replacingOccurrences(of: "\"agent\":\"expert\"", with: "\"agent\":\"anchoring\"") }
            var next = TraceEvent(
                seq: event.seq, step: event.step, simMinute: event.simMinute, kind: event.kind, payload: payload,
                rngState: event.rngState, prevHash: rebuilt.last?.hash ?? TraceHash.genesis, hash: "")
            next.hash = TraceHash.hash(of: next)
            rebuilt.append(next)
        }
        var forgedHeader = header
        forgedHeader.agent = "anchoring"
        forgedHeader.episodeID = "ep_00000000abcd"
        try TraceLog.encode(header: forgedHeader, events: rebuilt).write(toFile: dir.path("forged.jsonl"), atomically: true, encoding: .utf8)
        let fresh = dir.path("fresh.sqlite")
        let imported = try CLI.run("replay", ["import", "--store", fresh, dir.path("forged.jsonl")])
        #expect(imported.status == 0, "\(imported.stderr)")  // the chain and the re-execution hold
        let verify = try CLI.run("replay", ["verify", "ep_00000000abcd", "--store", fresh])
        #expect(
            verify.status != 0 && verify.stdout.contains("the trace says the built-in 'anchoring' agent played it, but re-running that agent"),
            "\(verify.stdout)")
        // The honest one passes, re-run included.
        #expect(try CLI.run("replay", ["verify", id, "--store", path]).status == 0)
    }
}
