import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// One turn loop: the runner, the stdio server, the MCP server and
/// re-execution all feed ``EpisodeSession``, so the same replies give the
/// same trace on every path (all but `episode_started`, which names the agent).
struct OneTurnLoopTests {
    /// An event's content, the agent's name aside: kind, step, minute and payload.
    static func content(_ events: [TraceEvent]) -> [String] {
        events.dropFirst().map { "\($0.kind.rawValue) \($0.step) \($0.simMinute) \($0.payload)" }
    }

    @Test func theSameRepliesGiveTheSameTraceOnEveryPath() throws {
        // The demo's 28 actions, by catalog name (what an MCP tool passes on), ending in its disposition.
        let demo = try TraceLog.decode(try String(contentsOf: CLI.demoLog, encoding: .utf8), file: "demo").events
        let catalog = ActionCatalog.shipped
        let actions = try demo.filter { $0.kind == .actionReceived }.map { event in
            let id = try #require(try event.decodedPayload().action)
            return try #require(catalog.actions.first { $0.id == id }?.name)
        }
        #expect(actions.count == 28)
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        let dir = try TempDir()
        defer { dir.remove() }

        // 1. The runner (a scripted agent).
        let recorder = try EpisodeRecorder(fixture: fixture)
        var scripted = ScriptedAgent(id: "script", actions: actions)
        let ran = try recorder.record(seed: 42, agent: &scripted, createdAt: "x")

        // 2. Re-execution of that trace.
        let reexecuted = try recorder.reexecute(ran.events, header: ran.header)

        // 3. The stdio server's library, in process.
        let store = try TraceStore(path: dir.path("served.sqlite"))
        let server = EnvServer(store: store, agent: "python")
        _ = try server.reset(env: "e", fixture: "adv_cocaine_dissection", seed: 42, label: nil)
        var last: EnvServer.Transition?
        for action in actions { last = try server.step(env: "e", action: action) }
        let servedID = try #require(last?.info.episodeID)
        let served = try store.events(servedID)

        // 4. The MCP server, through the binary: one tool call per action, by family.
        var lines = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        ]
        for (offset, action) in actions.enumerated() {
            let kind = try #require(catalog.actions.first { $0.name == action }?.kind.rawValue)
            lines.append(#"{"jsonrpc":"2.0","id":\#(offset + 2),"method":"tools/call","params":{"name":"\#(kind)","arguments":{"action":"\#(action)"}}}"#)
        }
        let mcpStore = dir.path("mcp.sqlite")
        let run = try ServerRobustnessTests.serve(
            ["--mcp", "--fixture", "adv_cocaine_dissection", "--seed", "42"],
            input: lines.joined(separator: "\n") + "\n", store: mcpStore)
        #expect(run.status == 0)
        let mcpStoreOpened = try TraceStore(path: mcpStore)
        let mcp = try mcpStoreOpened.events(try #require(mcpStoreOpened.list().first?.header.episodeID))

        let reference = Self.content(ran.events)
        #expect(reference.count > 100)
        #expect(Self.content(reexecuted.events) == reference)
        #expect(Self.content(served) == reference)
        #expect(Self.content(mcp) == reference)
    }
}
