import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// Who recorded a trace is inside its hash chain: a header that says
/// otherwise is refused on import and fails verify; one run is stored once.
struct ProvenanceTests {
    static func forgedLog() throws -> String {
        var lines = try String(contentsOf: CLI.demoLog, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[0] = lines[0].replacingOccurrences(of: "\"agent\":\"anchoring\"", with: "\"agent\":\"expert\",\"label\":\"gpt-9 (forged)\"")
        return lines.joined(separator: "\n").replacingOccurrences(of: "ep_0fa72a32ec1d", with: "ep_0000000fa4ed")
    }

    @Test func aForgedLogHeaderIsRefusedOnImport() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let log = try Self.forgedLog()
        #expect(log.contains("gpt-9 (forged)"))
        do {
            try TraceImporter(store: store).importLog(log, file: "forged.jsonl")
            Issue.record("expected a refusal")
        } catch {
            #expect(
                "\(error)"
                    == "forged.jsonl:1: episode ep_0000000fa4ed: agent: the header says 'expert', the trace's episode_started says 'anchoring'; the header must say what the hashed trace says"
            )
        }
        #expect(try store.episodeIDs().isEmpty)

        let path = dir.path("forged.jsonl")
        try log.write(toFile: path, atomically: true, encoding: .utf8)
        let cli = try CLI.run("replay", ["import", "--store", dir.path("cli.sqlite"), path])
        #expect(cli.status != 0 && cli.stderr.contains("agent: the header says 'expert'"))
    }

    static let forgedRows: [(column: String, value: String, problem: String)] = [
        ("agent", "expert", "row: agent: the header says 'expert', the trace's episode_started says 'anchoring'"),
        ("label", "gpt-9 (forged)", "row: label: the header says 'gpt-9 (forged)', the trace's episode_started says none"),
    ]

    @Test(arguments: forgedRows.indices)
    func aForgedEpisodeRowFailsVerify(_ index: Int) throws {
        let (column, value, problem) = Self.forgedRows[index]
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        try TraceImporter(store: store).importLog(atPath: CLI.demoLog.path)
        try store.connection.execute("UPDATE episodes SET \(column) = '\(value)'")
        let report = try Verifier(store: store).verify("ep_0fa72a32ec1d")
        #expect(report.problems == [problem])
        let cli = try CLI.run("replay", ["verify", "ep_0fa72a32ec1d", "--store", dir.path("store.sqlite")])
        #expect(cli.status == 1)
    }

    @Test func theSameRunIsStoredOnce() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        let again = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "anchoring",
                "--store", store,
            ])
        #expect(again.status == 0)
        #expect(again.stderr.contains("already stored: ep_0fa72a32ec1d"))
        let named = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "anchoring",
                "--store", store, "--episode-id", "ep_111111111111",
            ])
        #expect(named.status != 0)
        #expect(named.stderr.contains("already stored in \(store) as ep_0fa72a32ec1d"))
        #expect(try TraceStore(path: store).episodeIDs() == ["ep_0fa72a32ec1d"])
        let reimport = try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path])
        #expect(reimport.stdout.contains("is already stored as ep_0fa72a32ec1d"))
    }
}
