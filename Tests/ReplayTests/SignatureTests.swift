import CLITestSupport
import Foundation
import Testing
import TraceStore

/// Signed episodes: a recorder holding an Ed25519 key signs each episode's
/// row and head hash; `--trust` accepts only what a trusted key signed.
struct SignatureTests {
    @Test func signedEpisodesPassOnlyUnderTheirOwnKey() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        for name in ["lab", "other"] {
            let made = try CLI.run("medgym", ["keys", "new", "--out", dir.path("\(name).key")])
            #expect(made.status == 0, "\(made.stderr)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: dir.path("lab.key"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try CLI.run("medgym", ["keys", "new", "--out", dir.path("lab.key")])
        #expect(again.status != 0 && again.stderr.contains("already exists; a key is never overwritten"))

        let signed = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "2", "--agent", "expert",
                "--sign-key", dir.path("lab.key"), "--store", store,
            ])
        #expect(signed.status == 0, "\(signed.stderr)")
        // The key may come from the environment too.
        let viaEnv = try CLI.run(
            "medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "4", "--agent", "anchoring", "--store", store],
            env: ["MEDGYM_SIGNING_KEY": dir.path("lab.key")])
        #expect(viaEnv.status == 0, "\(viaEnv.stderr)")
        let unsigned = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "6", "--agent", "expert", "--store", store])
        #expect(unsigned.status == 0)

        let trusted = try CLI.run("replay", ["verify", "--all", "--trust", dir.path("lab.key.pub"), "--store", store])
        #expect(trusted.status != 0)
        #expect(trusted.stdout.contains("2 of 3 episodes verified"), "\(trusted.stdout)")
        #expect(trusted.stdout.contains("trust: unsigned"), "\(trusted.stdout)")
        let wrongKey = try CLI.run("replay", ["verify", "--all", "--trust", dir.path("other.key.pub"), "--store", store])
        #expect(wrongKey.stdout.contains("0 of 3 episodes verified") && wrongKey.stdout.contains("signed only by keys not trusted here"), "\(wrongKey.stdout)")
        #expect(try CLI.run("replay", ["verify", "--all", "--store", store]).status == 0)

        let board = try CLI.run("medgym", ["leaderboard", "--trust", dir.path("lab.key.pub"), "--json", "--store", store])
        let json = try JSONSerialization.jsonObject(with: Data(board.stdout.utf8)) as! [String: Any]
        #expect((json["rows"] as! [[String: Any]]).map { $0["episodes"] as! Int }.reduce(0, +) == 2)
        #expect((json["left_out"] as! [[String: Any]]).map { $0["kind"] as! String } == ["untrusted"])

        // The signature travels with the exported log and is checked on import.
        let id = try TraceStore(path: store).list()[0].header.episodeID
        let log = try CLI.run("replay", ["export", "trace", id, "--store", store]).stdout
        #expect(log.prefix { $0 != "\n" }.contains("\"signatures\":[{\"public_key\":"))
        try log.write(toFile: dir.path("signed.jsonl"), atomically: true, encoding: .utf8)
        let fresh = dir.path("fresh.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", fresh, dir.path("signed.jsonl")]).status == 0)
        #expect(try CLI.run("replay", ["verify", id, "--trust", dir.path("lab.key.pub"), "--store", fresh]).status == 0)
        // A signature copied onto another episode's log does not carry over.
        let otherID = try TraceStore(path: store).list()[2].header.episodeID
        let otherLog = try CLI.run("replay", ["export", "trace", otherID, "--store", store]).stdout
        let signedHeader = try JSONSerialization.jsonObject(with: Data(log.prefix { $0 != "\n" }.utf8)) as! [String: Any]
        let otherLines = otherLog.split(separator: "\n", omittingEmptySubsequences: false)
        var otherHeader = try JSONSerialization.jsonObject(with: Data(otherLines[0].utf8)) as! [String: Any]
        otherHeader["signatures"] = signedHeader["signatures"]
        let graftedHeader = String(decoding: try JSONSerialization.data(withJSONObject: otherHeader, options: [.sortedKeys]), as: UTF8.self)
        let grafted = ([graftedHeader] + otherLines.dropFirst().map(String.init)).joined(separator: "\n")
        try grafted.write(toFile: dir.path("grafted.jsonl"), atomically: true, encoding: .utf8)
        let refused = try CLI.run("replay", ["import", "--store", dir.path("third.sqlite"), dir.path("grafted.jsonl")])
        #expect(refused.status != 0 && refused.stderr.contains("does not match the header and head hash"), "\(refused.stderr)")
        // Editing the signed row is caught both as a row edit and as a signature that no longer matches.
        do {
            let opened = try TraceStore(path: store)
            try opened.connection.execute("UPDATE episodes SET tier = 77 WHERE episode_id = '\(id)'")
        }
        let edited = try CLI.run("replay", ["verify", id, "--store", store])
        #expect(edited.stdout.contains("signature: the one by key") && edited.stdout.contains("tier: the row says 77"), "\(edited.stdout)")
    }
}

/// Key and trust files that cannot be used are one-line errors naming the file and the fix, and nothing is stored.
struct SignatureFileTests {
    @Test func badKeyAndTrustFilesAreClearErrorsAndStoreNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let missing = try CLI.run(
            "medgym", ["run", "--fixture", "adv_aaa_30min", "--sign-key", dir.path("none.key"), "--store", store])
        #expect(missing.status != 0 && missing.stderr.contains("none.key: cannot read it") && missing.stderr.contains("medgym keys new --out"))
        #expect(!FileManager.default.fileExists(atPath: store), "nothing recorded without the key")
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: dir.path("bad.key")))
        let bad = try CLI.run("medgym", ["run", "--fixture", "adv_aaa_30min", "--sign-key", dir.path("bad.key"), "--store", store])
        #expect(bad.status != 0 && bad.stderr.contains("not a MedGym signing key"), "\(bad.stderr)")

        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        for (text, problem) in [("garbage line\n", "line 1 is not 'medgym-ed25519 BASE64"), ("# only a comment\n", "lists no keys")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir.path("trust.txt")))
            for command in [["replay", "verify", "--all"], ["medgym", "leaderboard"]] {
                let r = try CLI.run(command[0], Array(command.dropFirst()) + ["--trust", dir.path("trust.txt"), "--store", store])
                #expect(r.status != 0 && r.stderr.contains(problem) && r.stderr.split(separator: "\n").count == 1, "\(command): \(r.stderr)")
            }
        }
        #expect(try CLI.run("replay", ["verify", "--all", "--store", store]).status == 0)
    }
}
