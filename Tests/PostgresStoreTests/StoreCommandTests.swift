import CLITestSupport
import Foundation
import Testing
import TraceStore

/// Every `medgym` and `replay` command that reads or writes a store, run as the built binaries
/// against each backend: the same commands, the same answers. With both backends available, the
/// outputs are compared line for line (the store's name aside) and the exported files byte for byte.
struct StoreCommandTests {
    /// Created-at stamps fixed, so both stores hold the same episodes under the same ids.
    static let env = ["SOURCE_DATE_EPOCH": "1796601600"]

    /// What a command printed, with the store's name written STORE.
    struct Transcript {
        var lines: [String] = []
        var files: [String: Data] = [:]
    }

    func run(_ tool: String, _ args: [String], status: Int32 = 0, _ store: String, shown: String) throws -> String {
        let r = try CLI.run(tool, args, env: Self.env)
        #expect(r.status == status, "\(tool) \(args.joined(separator: " ")): \(r.stdout)\(r.stderr)")
        #expect(!r.stdout.contains("medgym:medgym@") && !r.stderr.contains("medgym:medgym@"), "a password was printed")
        return (r.stdout + r.stderr).replacingOccurrences(of: store, with: "STORE").replacingOccurrences(of: shown, with: "STORE")
    }

    /// The commands on one backend, each output checked; what they printed and wrote.
    func exercise(_ backend: StoreBackend, in dir: TempDir) throws -> Transcript {
        let store = try backend.newStore(in: dir, name: backend.rawValue)
        let shown = try backend.shown(store)
        var t = Transcript()
        func replay(_ args: [String], status: Int32 = 0) throws -> String {
            let out = try run("replay", args + ["--store", store], status: status, store, shown: shown)
            t.lines.append("$ replay \(args.joined(separator: " "))")
            t.lines += out.split(separator: "\n").map(String.init)
            return out
        }
        func medgym(_ args: [String]) throws -> String {
            let out = try run("medgym", args + ["--store", store], store, shown: shown)
            t.lines.append("$ medgym \(args.joined(separator: " "))")
            t.lines += out.split(separator: "\n").map(String.init)
            return out
        }
        let demo = "ep_0fa72a32ec1d"
        #expect(try replay(["import", CLI.demoLog.path]).contains("imported \(demo)"))
        let fixtures = "adv_aaa_30min,adv_cocaine_dissection"
        #expect(
            try medgym(["batch", "--fixtures", fixtures, "--seeds", "1-2", "--agent", "expert,anchoring", "--label", "v1"]).contains(
                "8 new, 0 already stored in STORE"))
        #expect(try medgym(["batch", "--fixtures", fixtures, "--seeds", "1-2", "--agent", "expert", "--label", "v2", "--jobs", "2"]).contains("4 new"))
        #expect(try medgym(["batch", "--fixtures", fixtures, "--seeds", "1-2", "--agent", "expert", "--label", "v2"]).contains("0 new, 4 already stored"))
        #expect(try medgym(["run", "--fixture", "adv_aaa_30min", "--agent", "expert", "--seed", "9", "--label", "v2"]).contains("in STORE ("))
        let list = try replay(["list"])
        #expect(list.contains(demo) && list.contains("14 episodes"), "\(list)")
        #expect(try replay(["show", demo]).contains("reassure, no imaging"))
        #expect(try replay(["verify", "--all"]).contains("14 of 14 episodes verified"))
        let fork = try replay(["fork", demo, "--at", "13", "--action", "CTA chest", "--save"])
        #expect(fork.contains("saved as ep_") && fork.contains("in STORE (parent \(demo), fork step 13)"), "\(fork)")
        #expect(try replay(["list"]).contains("15 episodes"))
        #expect(try replay(["diff", "--baseline", "v1", "--candidate", "v2"]).contains("4 pairs"))
        #expect(try medgym(["leaderboard"]).contains("MedGym leaderboard"))
        #expect(try replay(["postmortem", demo]).contains("Post-mortem \(demo)"))
        #expect(try replay(["sweep", demo, "--jobs", "2"]).contains("sweep \(demo)"))
        let unknown = try replay(["show", "ep_0fa72a32ec1e"], status: 2)
        #expect(unknown.contains("unknown episode 'ep_0fa72a32ec1e' in STORE; did you mean: \(demo)"), "\(unknown)")

        // Exports: the trace log is the committed one, byte for byte.
        let exported = try CLI.run("replay", ["export", "trace", demo, "--store", store])
        #expect(exported.stdout == (try String(contentsOf: CLI.demoLog, encoding: .utf8)))
        let notebooks = dir.url.appendingPathComponent("\(backend.rawValue)-notebooks")
        _ = try replay(["export", "notebook", demo, "--out", notebooks.path])
        let corpus = dir.url.appendingPathComponent("\(backend.rawValue)-corpus")
        #expect(try replay(["export", "corpus", "--fixtures", "adv_*", "--wave", "w1", "--out", corpus.path, "--jobs", "2"]).contains("from 14 episodes"))
        for root in [notebooks, corpus] {
            let found = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
            for file in found where !file.hasDirectoryPath {
                let name = String(file.path.dropFirst(root.path.count))
                t.files["\(root.lastPathComponent.split(separator: "-").last ?? ""):\(name)"] = try Data(contentsOf: file)
            }
        }
        #expect(t.files.count > 4)

        // The viewer reads the store.
        let viewer = try CLI.start("medgym", ["serve", "--http", "--port", "0", "--store", store], env: Self.env, capture: true)
        defer { viewer.terminate() }
        let line = (viewer.standardOutput as! Pipe).fileHandleForReading.availableLine()
        let base = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") })
        for path in [
            "/api/episodes?sort=composite&limit=5", "/api/episodes?fixture=adv_a%2A&forks=true&sort=agent&order=asc", "/api/episodes/\(demo)", "/api/facets",
        ] {
            let body = try Data(contentsOf: try #require(URL(string: "\(base)\(path)")))
            t.lines.append("GET \(path)")
            t.lines.append(String(decoding: body, as: UTF8.self).replacingOccurrences(of: store, with: "STORE").replacingOccurrences(of: shown, with: "STORE"))
        }
        t.lines = t.lines.map { $0.replacingOccurrences(of: "\(dir.url.path)/\(backend.rawValue)-", with: "OUT-") }
        return t
    }

    @Test func everyCommandWorksOnEitherStoreAndAnswersAlike() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var transcripts: [StoreBackend: Transcript] = [:]
        for backend in StoreBackend.available {
            transcripts[backend] = try exercise(backend, in: dir)
        }
        guard let sqlite = transcripts[.sqlite], let postgres = transcripts[.postgres] else { return }
        for (a, b) in zip(sqlite.lines, postgres.lines) where a != b {
            Issue.record("the backends differ:\n  sqlite:   \(a)\n  postgres: \(b)")
            break
        }
        #expect(sqlite.lines.count == postgres.lines.count)
        #expect(sqlite.files.keys.sorted() == postgres.files.keys.sorted())
        for name in sqlite.files.keys.sorted() where sqlite.files[name] != postgres.files[name] {
            Issue.record("\(name) differs between the backends")
        }
    }
}

extension FileHandle {
    /// The first line written to this pipe (waiting for it).
    func availableLine() -> String {
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")) {
            let chunk = availableData
            if chunk.isEmpty { break }
            data.append(chunk)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
