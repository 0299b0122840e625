import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// The stdio protocol in process (no binary): every method, every error code.
struct StdioProtocolTests {
    /// A protocol over a store in `dir`, and the replies it wrote, parsed.
    final class Harness {
        /// The reply lines written so far.
        final class Box { var lines: [String] = [] }
        let box = Box()
        let handler: StdioProtocol
        let store: TraceStore

        init(_ dir: TempDir) throws {
            store = try TraceStore(path: dir.path("store.sqlite"))
            try TraceImporter(store: store).importLog(atPath: CLI.demoLog.path)
            let box = self.box
            handler = StdioProtocol(server: EnvServer(store: store)) { box.lines.append($0) }
        }

        /// Sends one line; returns its reply object and whether the server goes on.
        func send(_ line: String) throws -> (reply: [String: Any], goOn: Bool) {
            let before = box.lines.count
            let goOn = handler.handle(Data(line.utf8))
            #expect(box.lines.count == before + 1, "exactly one reply to \(line)")
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(box.lines.last!.utf8)) as? [String: Any])
            return (reply, goOn)
        }

        func code(_ line: String) throws -> String? {
            ((try send(line).reply["error"]) as? [String: Any])?["code"] as? String
        }
    }

    @Test func everyMethodAnswers() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let h = try Harness(dir)
        let hello = try h.send(#"{"id":1,"method":"hello"}"#).reply["result"] as? [String: Any]
        #expect(hello?["protocol"] as? Int == 1 && (hello?["fixtures"] as? [String])?.contains("adv_cocaine_dissection") == true)
        let reset = try h.send(#"{"id":2,"method":"reset","params":{"fixture":"adv_aaa_30min","seed":3,"env":"a","options":{"label":"m"}}}"#)
        #expect((reset.reply["result"] as? [String: Any])?["reward"] as? Double == 0)
        let step = try h.send(#"{"id":3,"method":"step","params":{"action":"12-lead ECG","env":"a"}}"#)
        #expect(((step.reply["result"] as? [String: Any])?["info"] as? [String: Any])?["action"] as? String == "ecg")
        let rejected = try h.send(#"{"id":4,"method":"step","params":{"action":"fly to the moon","env":"a"}}"#)
        #expect((((rejected.reply["result"] as? [String: Any])?["info"] as? [String: Any])?["rejected"] as? String)?.isEmpty == false)
        let fork = try h.send(#"{"id":5,"method":"fork","params":{"episode":"ep_0fa72a32ec1d","step":13,"action":"CTA chest","continuation":"expert"}}"#)
        #expect((fork.reply["result"] as? [String: Any])?["parent_id"] as? String == "ep_0fa72a32ec1d")
        let score = try h.send(#"{"id":6,"method":"score","params":{"episode":"ep_0fa72a32ec1d"}}"#)
        #expect((score.reply["result"] as? [String: Any])?["outcome"] as? String == "missed_aad")
        let closeEnv = try h.send(#"{"id":7,"method":"close","params":{"env":"a"}}"#)
        #expect(closeEnv.goOn && ((closeEnv.reply["result"] as? [String: Any])?["episode_id"] as? String)?.hasPrefix("ep_") == true)
        let close = try h.send(#"{"id":8,"method":"close"}"#)
        #expect(!close.goOn && (close.reply["result"] as? [String: Any])?["closed"] as? String == "server")
        #expect(close.reply["id"] as? Int == 8)
    }

    static let errors: [(line: String, code: String)] = [
        ("not json", "bad_request"),
        (#"[1,2]"#, "bad_request"),
        (#"{"id":1}"#, "bad_request"),
        (#"{"id":1,"method":7}"#, "bad_request"),
        (#"{"id":1,"method":"fly"}"#, "unknown_method"),
        (#"{"id":1,"method":"reset","params":"adv_aaa_30min"}"#, "invalid_params"),
        (#"{"id":1,"method":"reset","params":{}}"#, "invalid_params"),
        (#"{"id":1,"method":"reset","params":{"fixture":"adv_aaa_30min","seed":true}}"#, "invalid_params"),
        (#"{"id":1,"method":"reset","params":{"fixture":"adv_aaa_30min","env":5}}"#, "invalid_params"),
        (#"{"id":1,"method":"reset","params":{"fixture":"adv_aaa_30min","options":{"label":3}}}"#, "invalid_params"),
        (#"{"id":1,"method":"reset","params":{"fixture":"nope"}}"#, "unknown_fixture"),
        (#"{"id":1,"method":"step","params":{"action":"ECG","env":"none"}}"#, "no_episode"),
        (#"{"id":1,"method":"step","params":{}}"#, "invalid_params"),
        (#"{"id":1,"method":"step","params":{"action":"ECG","tool":7}}"#, "invalid_params"),
        (#"{"id":1,"method":"step","params":{"action":"ECG","raw":{"x":1}}}"#, "invalid_params"),
        (#"{"id":1,"method":"fork","params":{"episode":"ep_0fa72a32ec1d","step":"13","action":"CTA chest"}}"#, "invalid_params"),
        (#"{"id":1,"method":"fork","params":{"episode":"ep_0fa72a32ec1d","step":13,"action":"CTA chest","continuation":"agent"}}"#, "invalid_params"),
        (#"{"id":1,"method":"fork","params":{"episode":"ep_0fa72a32ec1d","step":99,"action":"CTA chest"}}"#, "bad_fork"),
        (#"{"id":1,"method":"score","params":{"episode":"ep_00000000dead"}}"#, "unknown_episode"),
        (#"{"id":1,"method":"score","params":{}}"#, "invalid_params"),
    ]

    @Test(arguments: errors.indices)
    func everyErrorCodeIsAReplyNamingTheFix(_ index: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let h = try Harness(dir)
        let (line, code) = Self.errors[index]
        #expect(try h.code(line) == code, "\(line)")
    }

    @Test func aTooLongActionAndATooLargeLineAreRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let h = try Harness(dir)
        _ = try h.send(#"{"id":1,"method":"reset","params":{"fixture":"adv_aaa_30min"}}"#)
        let long = String(repeating: "x", count: 100_000)
        #expect(try h.code(#"{"id":2,"method":"step","params":{"action":"\#(long)"}}"#) == "too_large")
        // A model's whole output over 64 KiB is refused before anything is done, naming the limit.
        let raw = String(repeating: "r", count: StdioRequest.maximumRawBytes + 1)
        let refused = try h.send(#"{"id":3,"method":"step","params":{"action":"ECG","raw":"\#(raw)"}}"#).reply
        #expect((refused["error"] as? [String: Any])?["code"] as? String == "too_large")
        #expect(((refused["error"] as? [String: Any])?["message"] as? String)?.contains("at most 65536 bytes") == true)
        h.handler.refuseTooLarge()
        #expect(h.box.lines.last?.contains("\"too_large\"") == true)
    }

    @Test func helloListsTheToolsEveryModelPathUses() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let h = try Harness(dir)
        let hello = try #require(try h.send(#"{"id":1,"method":"hello"}"#).reply["result"] as? [String: Any])
        let tools = try #require(hello["tools"] as? [[String: Any]])
        let expected = ActionTools(resolver: ActionResolver.shipped).tools
        #expect(tools.map { $0["name"] as? String } == expected.map(\.name))
        #expect(tools.map { $0["actions"] as? [String] } == expected.map(\.actions))
        #expect(tools.allSatisfy { ($0["description"] as? String)?.isEmpty == false })
        #expect(hello["system_prompt"] as? String == ChatTranscript.systemPrompt)
    }

    /// A tool call is checked against its tool's family: a call outside it is not taken (no time
    /// passes), is recorded as a protocol error, and the reply names the right call; five in a row
    /// stop the agent and leave the patient to the clock.
    @Test func aToolCallOutsideItsFamilyIsRefusedAndRecorded() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let h = try Harness(dir)
        _ = try h.send(#"{"id":1,"method":"reset","params":{"fixture":"adv_cocaine_dissection","seed":2}}"#)
        func result(_ line: String) throws -> [String: Any] { try #require(try h.send(line).reply["result"] as? [String: Any]) }
        let wrong = try result(#"{"id":2,"method":"step","params":{"tool":"lab","action":"CT angiography of the chest/aorta"}}"#)
        let info = try #require(wrong["info"] as? [String: Any])
        let refused = try #require(info["refused"] as? [String: Any])
        #expect((refused["reason"] as? String)?.contains("call the imaging tool") == true)
        #expect(refused["suggestions"] as? [String] == ["CT angiography of the chest/aorta"])
        #expect(info["minute"] as? Int == 0 && info["action"] == nil)
        #expect((wrong["text"] as? String)?.hasPrefix("Not taken: ") == true)
        let right = try result(
            #"{"id":3,"method":"step","params":{"tool":"imaging","action":"CT angiography of the chest/aorta","raw":"{\"tool\":\"imaging\"}"}}"#)
        #expect((right["info"] as? [String: Any])?["action"] as? String == "cta_chest")
        var last: [String: Any] = [:]
        for id in 4...9 where (last["terminated"] as? Bool) != true && (last["truncated"] as? Bool) != true {
            last = try result(#"{"id":\#(id),"method":"step","params":{"tool":"disposition","action":"aspirin 300 mg"}}"#)
        }
        let end = try #require(last["info"] as? [String: Any])
        let id = try #require(end["episode_id"] as? String)
        #expect(end["caught"] as? Bool == false)
        let trace = try h.store.events(id)
        // The first wrong call, then five refused in a row and the sixth, which stops the agent.
        #expect(trace.filter { $0.kind == .agentError }.count == 7)
        #expect((end["minute"] as? Int ?? 0) > 15)  // the patient was left to the clock
        #expect(trace.contains { $0.kind == .actionReceived && $0.payload.contains(#"\"tool\""#) })
    }

    /// An encounter closed before any action is recorded only when asked (`record`): a model that did nothing
    /// (or had every reply refused) is scored on the patient left to the clock.
    @Test func anUntouchedEncounterIsRecordedWhenAsked() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let h = try Harness(dir)
        func closed(_ line: String) throws -> Any? { (try h.send(line).reply["result"] as? [String: Any])?["episode_id"] }
        _ = try h.send(#"{"id":1,"method":"reset","params":{"fixture":"adv_aaa_30min","seed":4,"env":"a"}}"#)
        #expect(try closed(#"{"id":2,"method":"close","params":{"env":"a"}}"#) is NSNull)
        _ = try h.send(#"{"id":3,"method":"reset","params":{"fixture":"adv_aaa_30min","seed":4,"env":"b"}}"#)
        _ = try h.send(#"{"id":4,"method":"step","params":{"env":"b","tool":"lab","action":"CTA chest"}}"#)
        let id = try #require(try closed(#"{"id":5,"method":"close","params":{"env":"b","record":true}}"#) as? String)
        let trace = try h.store.events(id)
        #expect(trace.filter { $0.kind == .agentError }.count == 2)  // the refused call, then the abandonment
        #expect(try h.code(#"{"id":6,"method":"close","params":{"env":"b","record":"yes"}}"#) == "invalid_params")
    }

    @Test func aRowThatDoesNotCheckIsNotServed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let h = try Harness(dir)
        try h.store.connection.execute("UPDATE episodes SET tier = 80")
        #expect(try h.code(#"{"id":1,"method":"score","params":{"episode":"ep_0fa72a32ec1d"}}"#) == "not_served")
    }
}
