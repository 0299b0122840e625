import CLITestSupport
import Foundation
import Replay
import Testing
import TraceStore

/// A reply that is not taken reaches the agent that gave it, on every path,
/// with the reason, the nearest actions and that the turn was not taken (the
/// OpenAI path is in ``OpenAIAgentTests``, Python's in the pytest suite).
struct RefusalFeedbackTests {
    @Test func aCmdAgentIsToldWhyInItsNextObservationMessage() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let log = dir.path("refused.jsonl")
        let agent = "cmd:python3 \(ExternalAgentTests.agents.path)/refused.py \(log)"
        let run = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", agent, "--no-store"])
        #expect(run.status == 0, "\(run.stderr)")
        let seen = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed])
        }
        try #require(seen.count >= 4, "\(seen)")
        #expect(seen[0] is NSNull && seen[3] is NSNull)
        let unknown = try #require(seen[1] as? [String: Any])
        #expect(unknown["reason"] as? String == "'cta chst abdmn xyz' names no action in the catalog")
        #expect((unknown["suggestions"] as? [String])?.first == "CT angiography of the chest/aorta")
        #expect(unknown["remaining"] as? Int == 4)
        #expect((unknown["message"] as? String)?.contains("Nothing was done and no time passed") == true)
        let garbled = try #require(seen[2] as? [String: Any])
        #expect(garbled["reason"] as? String == "this is not json")
        #expect(garbled["remaining"] as? Int == 3)
    }

    @Test func theStdioServerPutsTheReasonFirstInTheStepsText() throws {
        let server = EnvServer(store: nil)
        _ = try server.reset(env: "e", fixture: "adv_cocaine_dissection", seed: 42, label: nil)
        let refused = try server.step(env: "e", action: "cta chst abdmn xyz")
        #expect(refused.text.hasPrefix("Not taken: 'cta chst abdmn xyz' names no action in the catalog. Nearest actions: CT angiography of the chest/aorta;"))
        #expect(refused.info.refused?.remaining == 4 && refused.info.refused?.step == 1)
        let taken = try server.step(env: "e", action: "CTA chest")
        #expect(taken.info.refused == nil && !taken.text.contains("Not taken"))
    }

    @Test func theMCPServerAnswersARefusedCallAsAToolErrorNamingTheRightCall() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let lines =
            ServerRobustnessTests.mcpOpening + [
                #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"lab","arguments":{"action":"CTA chest"}}}"#,
                #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"imaging","arguments":{"action":"a ct of the chest"}}}"#,
                #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"scan","arguments":{"action":"CTA chest"}}}"#,
                #"{"jsonrpc":"2.0","id":6,"method":"tools/list"}"#,
            ]
        let run = try ServerRobustnessTests.serve(["--mcp"], input: lines.joined(separator: "\n") + "\n", store: dir.path("store.sqlite"))
        let replies = try run.lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        func result(_ id: Int) -> (text: String, isError: Bool)? {
            guard let reply = replies.first(where: { $0["id"] as? Int == id }), let result = reply["result"] as? [String: Any] else { return nil }
            let text = ((result["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
            return (text, result["isError"] as? Bool ?? false)
        }
        let wrongFamily = try #require(result(3))
        #expect(wrongFamily.isError)
        #expect(
            wrongFamily.text.hasPrefix(
                "Not taken: 'CTA chest' is an imaging action ('CT angiography of the chest/aorta'), not one of the lab tool's: call the imaging tool."))
        let freeText = try #require(result(4))
        #expect(freeText.isError && freeText.text.contains("nearest: CT angiography of the chest/aorta"), "\(freeText.text)")
        let unknownTool = try #require(result(5))
        #expect(unknownTool.isError && unknownTool.text.contains("'scan' is not one of the tools; the tools are interview, exam"))
        // Every tool says what its family covers; the disposition tool says it ends the encounter.
        let tools = try #require(((replies.first { $0["id"] as? Int == 6 }?["result"] as? [String: Any])?["tools"]) as? [[String: Any]])
        let disposition = try #require(tools.first { $0["name"] as? String == "disposition" })
        #expect((disposition["description"] as? String)?.contains("This ends the encounter") == true)
        #expect(Set(tools.compactMap { $0["description"] as? String }).count == tools.count)
    }
}
