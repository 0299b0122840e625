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

    /// Starts the stand-in with `script`; returns the process, its base URL and its request log path.
    static func server(_ script: [[String: Any]], in dir: TempDir) throws -> (Process, String, String) {
        let scriptPath = dir.path("script.json"), logPath = dir.path("requests.jsonl")
        try JSONSerialization.data(withJSONObject: script).write(to: URL(fileURLWithPath: scriptPath))
        let portPath = dir.path("port.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Agents/fake_openai.py").path,
                             scriptPath, key, logPath, portPath]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var number = ""
        for _ in 0..<200 where number.isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
            number = ((try? String(contentsOfFile: portPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (process, "http://127.0.0.1:\(number)/v1", logPath)
    }

    @Test func aModelPlaysThroughToolCallsAndPlainTextAndTheKeyStaysSecret() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let script: [[String: Any]] = [
            ["body": Self.tool("history", "history of present illness", id: "c1")],
            ["body": Self.text("CTA chest")],
            ["status": 429, "body": ["error": ["message": "rate limited"]]],
            ["body": Self.tool("consult", "cardiothoracic surgery consult", id: "c2")],
            ["status": 500, "body": ["error": ["message": "overloaded"]]],
            ["body": Self.tool("communication", "obtain consent for surgery", id: "c3")],
            ["body": "{not json"],
            ["body": Self.text("I will take him to the operating room: emergency surgery")],
            ["body": Self.tool("disposition", "emergency surgery", id: "c4")],
        ]
        let (server, url, log) = try Self.server(script, in: dir)
        defer { server.terminate() }
        let store = dir.path("store.sqlite")
        let run = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "openai:test-model",
                                         "--base-url", url, "--api-key-env", "MEDGYM_TEST_KEY", "--temperature", "0.2",
                                         "--agent-timeout", "5", "--store", store],
                              env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("history of present illness  → interview_hpi"))
        #expect(run.stdout.contains("CTA chest  → cta_chest"))
        #expect(run.stdout.contains("agent not_json"))
        #expect(run.stderr.contains("openai:test-model: 550 tokens, 2 retried requests"))
        let requests = try String(contentsOfFile: log, encoding: .utf8)
        #expect(requests.contains("\"model\": \"test-model\""))
        #expect(requests.contains("\"disposition\""))
        // The key went to the server in the header, and nowhere else.
        for text in [run.stdout, run.stderr, String(decoding: try Data(contentsOf: URL(fileURLWithPath: store)), as: UTF8.self)] {
            #expect(!text.contains(Self.key))
        }
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func aSlowOrFailingEndpointStopsTheAgentNotTheRun() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let (slow, url, _) = try Self.server([["body": Self.tool("lab", "troponin", id: "c1")],
                                              ["body": Self.text("CTA chest"), "delay": 4]], in: dir)
        defer { slow.terminate() }
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
