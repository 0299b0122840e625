import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// The store as an attacker and a careless user would try it: broken chains
/// are never served, and every command says what is wrong.
struct TrustedStoreTests {

    @Test func aBrokenChainIsNotServed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try DemoStore.path(in: dir)
        do {
            let store = try TraceStore(path: path)
            try store.connection.execute("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 70")
        }
        let commands: [[String]] = [
            ["show", "ep_0fa72a32ec1d"], ["score", "ep_0fa72a32ec1d"],
            ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest"],
            ["export", "trace", "ep_0fa72a32ec1d"], ["verify", "ep_0fa72a32ec1d"],
        ]
        for args in commands {
            let r = try CLI.run("replay", args + ["--store", path])
            #expect(r.status != 0, "\(args)")
            #expect(r.stdout.isEmpty || args[0] == "verify", "\(args): \(r.stdout.prefix(200))")
            #expect((r.stderr + r.stdout).contains("event 70 is missing"), "\(args): \(r.stderr)")
        }
    }

    @Test func severalWritersCreatingOneNewStoreAllSucceed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        for round in 0..<3 {
            try FileManager.default.createDirectory(atPath: dir.path("round\(round)"), withIntermediateDirectories: true)
            let path = dir.path("round\(round)/store.sqlite")
            let writers = try (1...5).map { seed in
                try CLI.start(
                    "medgym",
                    [
                        "batch", "--fixtures", "adv_aaa_30min", "--seeds", "\(seed)", "--agent", "expert",
                        "--store", path,
                    ], capture: true)
            }
            for writer in writers {
                let stderr = (writer.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
                _ = (writer.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
                writer.waitUntilExit()
                #expect(writer.terminationStatus == 0, "\(String(decoding: stderr, as: UTF8.self))")
            }
            let verify = try CLI.run("replay", ["verify", "--all", "--store", path])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            #expect(try TraceStore(path: path).episodeIDs().count == 5)
        }
    }

    /// Every file in a folder with its SHA-256, to see that nothing changed.
    func snapshotOf(_ folder: String) throws -> [String: String] {
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            files[name] = TraceHash.sha256(try Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name))))
        }
        return files
    }

    @Test func aReadOnlyStoreIsReadAndLeftAsItWas() throws {
        let dir = try TempDir()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path("ro"))
            dir.remove()
        }
        try FileManager.default.createDirectory(atPath: dir.path("ro"), withIntermediateDirectories: true)
        let path = dir.path("ro/store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", path, CLI.demoLog.path]).status == 0)
        let before = try snapshotOf(dir.path("ro"))
        #expect(before.keys.sorted() == ["store.sqlite"])
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.path("ro"))
        for args in [
            ["list"], ["show", "ep_0fa72a32ec1d"], ["verify", "--all"], ["score", "ep_0fa72a32ec1d"],
            ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest"], ["export", "trace", "ep_0fa72a32ec1d"],
        ] {
            let r = try CLI.run("replay", args + ["--store", path])
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        #expect(try snapshotOf(dir.path("ro")) == before)
    }

    @Test func storePathsThatWouldNotLastAreRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cases: [([String], [String: String], String)] = [
            (["list", "--store", ":memory:"], [:], "an in-memory database would lose every episode"),
            (["list"], ["MEDGYM_STORE": "file:\(dir.path("x.sqlite"))?mode=ro"], "SQLite URIs are not accepted"),
            (["list", "--store", dir.path("missing/folder/s.sqlite")], [:], "no trace store at"),
            (["import", "--store", dir.path("missing/folder/s.sqlite"), CLI.demoLog.path], [:], "does not exist; create it first"),
            (["list", "--store", dir.path("")], [:], "is a folder"),
            (["list", "--store", "/dev/null"], [:], "is not a regular file"),
            (["list"], [:], "no default trace store: neither \(dir.url.standardizedFileURL.path) nor any folder above it holds Package.swift and traces/"),
        ]
        for (args, env, message) in cases {
            let r = try CLI.run("replay", args, env: env, cwd: dir.url)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("")).isEmpty)

        // A failed import into a new store leaves no store behind.
        let bad = dir.path("bad.jsonl")
        try "not a log\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try CLI.run("replay", ["import", "--store", dir.path("new.sqlite"), bad])
        #expect(failed.status != 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path("new.sqlite")))
    }

    @Test func silentNoOpsAndBadValuesFailWithAMessage() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("s.sqlite")
        let cases: [(String, [String], String)] = [
            ("medgym", ["batch", "--agent", "", "--store", store], "--agent '' names no agent"),
            ("medgym", ["batch", "--fixtures", "", "--store", store], "--fixtures '' names no fixture"),
            ("medgym", ["batch", "--seeds=-5", "--store", store], "invalid seeds '-5': give one seed N or a range A-B"),
            ("medgym", ["run", "--fixture", "adv_aaa_30min", "--seed", "-1", "--store", store], "invalid seed '-1'"),
            ("medgym", ["batch", "--seeds", "1-100001", "--fixtures", "adv_aaa_30min", "--store", store], "add --yes to run it"),
            ("medgym", ["run", "--fixture", "adv_aaa_30min", "--agent-timeout", "0", "--store", store], "--agent-timeout 0.0 is out of range"),
            ("medgym", ["batch", "--agent-timeout", "-3", "--store", store], "--agent-timeout -3.0 is out of range"),
            ("replay", ["export", "trace", "ep_0fa72a32ec1d", "--out", dir.path(""), "--store", store], "no trace store at"),
        ]
        for (tool, args, message) in cases {
            let r = try CLI.run(tool, args)
            #expect(r.status != 0, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: store))
        let path = try DemoStore.path(in: dir)
        let folder = try CLI.run("replay", ["export", "trace", "ep_0fa72a32ec1d", "--out", dir.path(""), "--store", path])
        #expect(folder.stderr.contains("is a folder; name a file such as"))
        let nowhere = try CLI.run("replay", ["export", "trace", "ep_0fa72a32ec1d", "--out", dir.path("no/x.jsonl"), "--store", path])
        #expect(nowhere.stderr.contains("cannot write \(dir.path("no/x.jsonl"))"))

        let big =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: CLI.packageRoot.appendingPathComponent(
                        "Sources/MedGym/Resources/archetypes/adv_aaa_30min.json"))) as! [String: Any]
        var text = String(decoding: try JSONSerialization.data(withJSONObject: big, options: [.sortedKeys]), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"max_steps\":\(big["max_steps"]!)", with: "\"max_steps\":9223372036854775808")
        try text.write(toFile: dir.path("big.json"), atomically: true, encoding: .utf8)
        let lint = try CLI.run("medgym", ["fixtures", "lint", dir.path("big.json")])
        #expect(lint.stderr.contains("field 'max_steps': 9223372036854775808 does not fit a whole number"), "\(lint.stderr)")
    }

    @Test func overLongActionTextIsRejectedQuicklyAndStoredClipped() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let huge = String(repeating: "CTA chest ", count: 100_000)
        do {
            _ = try ActionResolver.shipped.resolve(huge)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.length == huge.utf8.count)
            #expect(error.description.hasPrefix("action text of 1000000 bytes is over the 4096-byte limit"))
            #expect(error.text.count == 201)
        }
        let script = dir.path("agent.txt")
        try "history of present illness\n\(huge)\nCTA chest\ndischarge home\n".write(toFile: script, atomically: true, encoding: .utf8)
        let store = dir.path("s.sqlite")
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "1", "--agent", "script:\(script)",
                "--reject-invalid", "--store", store,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.utf8.count + run.stderr.utf8.count < 20_000)
        let size = try FileManager.default.attributesOfItem(atPath: store)[.size] as! Int
        #expect(size < 400_000)
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
