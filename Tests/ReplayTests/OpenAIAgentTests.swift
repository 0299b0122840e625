import CLITestSupport
import Foundation
import Testing
import TraceStore

/// `openai:MODEL` against a local stand-in for an OpenAI-compatible endpoint
/// that replays scripted responses: tool calls, plain text, a 429 and a 500
/// before success, a body that is not JSON, and a reply slower than the
/// step timeout. The key reaches the server and nothing else.
@Suite(.serialized) struct OpenAIAgentTests {
    static let key = "sk-test-7f3a9c2e5b1d"

    static func tool(_ name: String, _ action: String, id: String) -> [String: Any] {
        ["choices": [["message": ["role": "assistant", "content": NSNull(),
                                  "tool_calls": [["id": id, "type": "function",
                                                  "function": ["name": name, "arguments": "{\"action\": \"\(action)\"}"]]]]]],
         "usage": ["total_tokens": 100]]
    }

    static func text(_ content: String) -> [String: Any] {
        ["choices": [["message": ["role": "assistant", "content": content]]], "usage": ["total_tokens": 50]]
    }

    /// A running stand-in: its base URL, its request log, and its pid to stop it.
    struct Server {
        var url: String
        var log: String
        var pid: pid_t
        func stop() { kill(pid, SIGTERM) }
    }

    /// Starts the stand-in with `script`, detached through `sh -c '… &'` so
    /// it is not a child of the test process (Foundation's `Process` on
    /// Linux stops reaping other children while one long-lived child of
    /// its own runs, and the CLI runs of the test would never finish).
    static func server(_ script: [[String: Any]], in dir: TempDir) throws -> Server {
        let scriptPath = dir.path("script.json"), logPath = dir.path("requests.jsonl"), portPath = dir.path("port.txt")
        try JSONSerialization.data(withJSONObject: script).write(to: URL(fileURLWithPath: scriptPath))
        let server = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Agents/fake_openai.py").path
        let quoted = [server, scriptPath, key, logPath, portPath].map { "'" + $0 + "'" }.joined(separator: " ")
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        launcher.arguments = ["-c", "python3 \(quoted) </dev/null >/dev/null 2>&1 &"]
        launcher.standardOutput = FileHandle.nullDevice
        launcher.standardError = FileHandle.nullDevice
        try launcher.run()
        launcher.waitUntilExit()
        var fields: [String] = []
        for _ in 0..<200 where fields.count < 2 {
            Thread.sleep(forTimeInterval: 0.05)
            fields = ((try? String(contentsOfFile: portPath, encoding: .utf8)) ?? "").split(separator: " ").map(String.init)
        }
        guard fields.count == 2, let port = Int(fields[0]), let pid = pid_t(fields[1]) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the stand-in endpoint did not start"])
        }
        return Server(url: "http://127.0.0.1:\(port)/v1", log: logPath, pid: pid)
    }

    @Test func aModelPlaysThroughToolCallsAndPlainTextAndTheKeyStaysSecret() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let script: [[String: Any]] = [
            ["body": Self.tool("interview", "history of present illness", id: "c1")],
            ["body": Self.tool("lab", "CT angiography of the chest/aorta", id: "c0")],
            ["body": Self.text("CTA chest")],
            ["status": 429, "body": ["error": ["message": "rate limited"]]],
            ["body": Self.tool("consult", "cardiothoracic surgery consult", id: "c2")],
            ["status": 500, "body": ["error": ["message": "overloaded"]]],
            ["body": Self.tool("communication", "obtain informed consent", id: "c3")],
            ["body": "{not json"],
            ["body": Self.text("CTA chest and call cardiothoracic surgery")],
            ["body": Self.tool("disposition", "to the operating room", id: "c4")],
        ]
        let server = try Self.server(script, in: dir)
        defer { server.stop() }
        let (url, log) = (server.url, server.log)
        let store = dir.path("store.sqlite")
        let run = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "openai:test-model",
                                         "--base-url", url, "--api-key-env", "MEDGYM_TEST_KEY", "--temperature", "0.2",
                                         "--agent-timeout", "5", "--store", store],
                              env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("history of present illness  → interview_hpi"))
        #expect(run.stdout.contains("CTA chest  → cta_chest"))
        #expect(run.stdout.contains("agent not_json"))
        #expect(run.stdout.contains("agent protocol: 'CT angiography of the chest/aorta' is not one of the lab tool's actions"))
        // One refused tool call (a CT through the lab tool), and theatre declined until the CTA and the
        // surgeon are back, so the disposition call comes six times: 1,100 tokens.
        #expect(run.stderr.contains("openai:test-model: 1100 tokens, 2 retried requests"))
        let requests = try String(contentsOfFile: log, encoding: .utf8)
        #expect(requests.contains("\"model\": \"test-model\""))
        #expect(requests.contains("\"disposition\""))
        // The key went to the server in the header, and nowhere else.
        for text in [run.stdout, run.stderr, String(decoding: try Data(contentsOf: URL(fileURLWithPath: store)), as: UTF8.self)] {
            #expect(!text.contains(Self.key))
        }
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)")
        // The raw model output is recorded with each action: the tool call as the endpoint sent it.
        let id = try #require(run.stderr.split(separator: " ").first { $0.hasPrefix("ep_") }.map(String.init))
        let events = try TraceStore(path: store, readOnly: true).events(id)
        let received = try events.filter { $0.kind == .actionReceived }.map { try $0.decodedPayload() }
        #expect(received.first?.raw?.contains("\"tool_calls\"") == true)
        #expect(received.first?.raw?.contains("history of present illness") == true)
        #expect(received.contains { $0.text == "CTA chest" && $0.raw == nil })
        let rejected = try events.filter { $0.kind == .actionRejected }.map { try $0.decodedPayload() }
        #expect(rejected.first?.text == "CTA chest and call cardiothoracic surgery" && rejected.first?.raw == nil)
        // The endpoint and sampling settings are in the provenance (the variable's name, never the key).
        let provenance = try #require(try events.first?.decodedPayload().provenance)
        #expect(provenance.endpoint?.baseURL.absoluteString == url)
        #expect(provenance.endpoint?.temperature == 0.2 && provenance.endpoint?.apiKeyVariable == "MEDGYM_TEST_KEY")

        // On-policy fork: the model is asked again from step 3 at the recorded endpoint; the two turns
        // before it are rebuilt from the trace, not requested again.
        let before = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").count
        let fork = try CLI.run("replay", ["fork", id, "--at", "3", "--action", "CTA chest", "--continue", "agent", "--store", store],
                               env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(fork.status == 0, "\(fork.stderr) \(fork.stdout)")
        let asked = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").dropFirst(before)
        #expect(!asked.isEmpty)
        // Every request of the fork carries the whole rebuilt conversation: system + at least two recorded turns.
        #expect(asked.allSatisfy { line in (line.range(of: #""messages": (\d+)"#, options: .regularExpression).map {
            Int(line[$0].split(separator: " ").last ?? "") ?? 0 } ?? 0) >= 5 })
        for text in [fork.stdout, fork.stderr] { #expect(!text.contains(Self.key)) }
    }

    @Test func aSlowOrFailingEndpointStopsTheAgentNotTheRun() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let slow = try Self.server([["body": Self.tool("lab", "high-sensitivity troponin", id: "c1")],
                                    ["body": Self.text("CTA chest"), "delay": 4]], in: dir)
        defer { slow.stop() }
        let url = slow.url
        let run = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--base-url", url,
                                         "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "1", "--no-store"],
                              env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("agent timeout"))
        #expect(run.stdout.contains("outcome"))

        let noKey = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--base-url", url,
                                           "--agent-timeout", "2", "--no-store"])
        #expect(noKey.status == 0)
        #expect(noKey.stdout.contains("the endpoint answered 401"))
        let noURL = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--no-store"])
        #expect(noURL.status != 0 && noURL.stderr.contains("needs --base-url"))
    }
}
