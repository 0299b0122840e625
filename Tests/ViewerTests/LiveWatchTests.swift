import CLITestSupport
import Foundation
import Testing
import TraceStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Episodes recorded by other processes, watched from the viewer as they are played: `medgym run`
/// with a slow `cmd:` agent (its steps advance on the live list before it ends, and its stream ends
/// with the episode `medgym run` stored), `serve --stdio` (a Gymnasium client's episode, turn by turn
/// in the live tables, then stored), and `batch` (model agents' episodes by default, every episode with
/// `--live`, none with `--no-live`).
struct LiveWatchTests {
    typealias Viewer = ViewerServerTests.Viewer
    static let slowAgent = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Agents/slow.py").path

    func array(_ data: Data) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    @Test func anEpisodeAnotherProcessRecordsIsWatchedTurnByTurn() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let viewer = try Viewer.start(store: store)  // read-only: watching needs no flag
        defer { viewer.stop() }
        let recorder = try CLI.start(
            "medgym",
            ["run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "cmd:python3 \(Self.slowAgent) 0.4", "--store", store],
            capture: true)
        var stepsWhileRunning: [Int] = []
        var run: [String: Any] = [:]
        // Polled on this thread, not with async sleeps: tests running beside this one block the
        // cooperative threads for seconds at a time.
        for _ in 0..<400 {
            if let newest = try array(try Self.blockingGet(viewer.base, "/api/live")).first {
                run = newest
                guard newest["state"] as? String == "running" else { break }
                if let step = newest["step"] as? Int, step != stepsWhileRunning.last { stepsWhileRunning.append(step) }
            }
            usleep(50_000)
        }
        #expect(stepsWhileRunning.count >= 3, "the list saw steps \(stepsWhileRunning) before the run ended")
        #expect(run["source"] as? String == "run" && run["agent"] as? String == "cmd:python3 \(Self.slowAgent) 0.4")
        let stderr = String(decoding: (recorder.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0, "\(stderr)")
        let recorded = try #require(stderr.split(separator: " ").first { $0.hasPrefix("ep_") }.map(String.init))
        #expect(run["state"] as? String == "stored" && run["episode_id"] as? String == recorded)

        // Its stream, read after the end, is every turn from the stored trace, then the end.
        let id = try #require(run["run"] as? Int)
        let lines = try String(decoding: try await viewer.get("/api/live/\(id)/stream").body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("data: ") }.map { try #require(try JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any]) }
        let actions = lines.filter { $0["type"] as? String == "action" }.compactMap { $0["action"] as? String }
        #expect(actions.prefix(3) == ["ecg", "cardiac_monitor", "interview_hpi"] && actions.last == "to_or")
        #expect(lines.last?["type"] as? String == "end" && lines.last?["episode_id"] as? String == recorded)
        #expect((lines.last?["score"] as? [String: Any])?["outcome"] as? String == "caught_aad")
    }

    /// A GET answered on URLSession's own queue while this thread waits.
    static func blockingGet(_ base: URL, _ path: String) throws -> Data {
        final class Answer: @unchecked Sendable {
            var data: Data?
            var error: (any Error)?
        }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: URL(string: path, relativeTo: base)!) { data, _, error in
            (answer.data, answer.error) = (data, error)
            done.signal()
        }.resume()
        done.wait()
        if let error = answer.error { throw error }
        return answer.data ?? Data()
    }

    @Test func aGymnasiumClientsEpisodeIsInTheLiveTablesTurnByTurnThenStored() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let server = Process()
        server.executableURL = CLI.binary("medgym")
        server.arguments = ["serve", "--stdio", "--store", store]
        let input = Pipe()
        let output = Pipe()
        server.standardInput = input
        server.standardOutput = output
        server.standardError = FileHandle.nullDevice
        try CLI.withNoSignalsBlocked { try server.run() }
        let reader = LineReader(output.fileHandleForReading)
        func send(_ line: String) throws -> [String: Any] {
            input.fileHandleForWriting.write(Data((line + "\n").utf8))
            return try #require(try JSONSerialization.jsonObject(with: Data(reader.line().utf8)) as? [String: Any])
        }
        _ = try send(#"{"id":1,"method":"reset","params":{"env":"a","fixture":"adv_cocaine_dissection","seed":42,"options":{"label":"m1"}}}"#)
        var events = 2
        for action in ["order ECG", "cardiac monitor", "history of present illness"] {
            let reply = try send(#"{"id":2,"method":"step","params":{"env":"a","action":"\#(action)"}}"#)
            events += ((reply["result"] as? [String: Any])?["info"] as? [String: Any])?["events"].flatMap { ($0 as? [Any])?.count } ?? 0
        }
        // Before the episode ends, another process reads its turns from the live tables.
        var live: [TraceEvent] = []
        var row: LiveRunRow?
        for _ in 0..<100 where live.count < events {
            usleep(50_000)
            let watcher = try TraceStore(path: store, create: false, readOnly: true)
            row = try watcher.liveRuns().first
            live = try row.map { try watcher.liveEvents(run: $0.run, after: -1) } ?? []
        }
        #expect(live.count == events && row?.state == .running && row?.source == "stdio" && row?.label == "m1" && row?.step == 3)
        #expect(live.filter { $0.kind == .actionReceived }.count == 3)

        input.fileHandleForWriting.closeFile()  // the client goes: the episode is ended and stored
        server.waitUntilExit()
        let after = try TraceStore(path: store, create: false, readOnly: true)
        let watched = try #require(row)
        let ended = try #require(try after.liveRun(watched.run))
        let id = try #require(ended.episodeID)
        #expect(ended.state == .stored)
        #expect(try after.liveEvents(run: ended.run, after: -1).isEmpty)
        #expect(try after.events(id).prefix(live.count).map(\.payload) == live.map(\.payload))
    }

    @Test func aBatchIsWatchedForModelAgentsByDefaultAndForAllWithLive() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        func runs(_ extra: [String], agent: String) throws -> [LiveRunRow] {
            let store = dir.path("\(UUID().uuidString).sqlite")
            let batch = try CLI.run(
                "medgym", ["batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1-2", "--agent", agent, "--jobs", "2", "--store", store] + extra)
            #expect(batch.status == 0, "\(batch.stderr)")
            return try TraceStore(path: store, create: false, readOnly: true).liveRuns()
        }
        #expect(try runs([], agent: "expert").isEmpty, "a built-in agent's batch writes no live rows unless asked")
        let all = try runs(["--live"], agent: "expert,anchoring")
        #expect(all.count == 4 && all.allSatisfy { $0.state == .stored && $0.source == "batch" && $0.episodeID != nil })
        let models = try runs([], agent: "expert,cmd:python3 \(Self.slowAgent) 0")
        #expect(models.map(\.agent) == ["cmd:python3 \(Self.slowAgent) 0", "cmd:python3 \(Self.slowAgent) 0"])
        #expect(try runs(["--no-live"], agent: "cmd:python3 \(Self.slowAgent) 0").isEmpty)
    }
}

/// Reads a pipe a line at a time.
final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    func line() -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                return String(decoding: line, as: UTF8.self)
            }
            let more = handle.availableData
            if more.isEmpty { return String(decoding: buffer, as: UTF8.self) }
            buffer += more
        }
    }
}
