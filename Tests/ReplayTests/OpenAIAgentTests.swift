import CLITestSupport
import Foundation
import MedGym
import Testing
import TraceStore

/// `openai:MODEL` against a local stand-in for an OpenAI-compatible endpoint
/// that replays scripted responses: tool calls, plain text, a 429 and a 500
/// before success, a body that is not JSON, and a reply slower than the
/// step timeout. The key reaches the server and nothing else.
@Suite(.serialized) struct OpenAIAgentTests {
    static let key = "sk-test-7f3a9c2e5b1d"

    static func tool(_ name: String, _ action: String, id: String) -> [String: Any] {
        [
            "choices": [
                [
                    "message": [
                        "role": "assistant", "content": NSNull(),
                        "tool_calls": [
                            [
                                "id": id, "type": "function",
                                "function": ["name": name, "arguments": "{\"action\": \"\(action)\"}"],
                            ]
                        ],
                    ]
                ]
            ],
            "usage": ["total_tokens": 100],
        ]
    }

    static func text(_ content: String) -> [String: Any] {
        ["choices": [["message": ["role": "assistant", "content": content]]], "usage": ["total_tokens": 50]]
    }

    /// A running stand-in: its base URL, its request log, and its pid to stop it.
    struct Server {
        var url: String
        var log: String
        var pid: pid_t
        func stop() { kill(pid, SIGKILL) }
    }

    /// Starts the stand-in with `script`, detached through `sh -c '… &'` so
    /// it is not a child of the test process (Foundation's `Process` on
    /// Linux stops reaping other children while one long-lived child of
    /// its own runs, and the CLI runs of the test would never finish).
    static func server(_ script: [[String: Any]], in dir: TempDir, name: String = "") throws -> Server {
        let scriptPath = dir.path(name + "script.json")
        let logPath = dir.path(name + "requests.jsonl")
        let portPath = dir.path(name + "port.txt")
        try JSONSerialization.data(withJSONObject: script).write(to: URL(fileURLWithPath: scriptPath))
        let server = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Agents/fake_openai.py").path
        let quoted = [server, scriptPath, key, logPath, portPath].map { "'" + $0 + "'" }.joined(separator: " ")
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        launcher.arguments = ["-c", "python3 \(quoted) </dev/null >/dev/null 2>&1 &"]
        launcher.standardOutput = FileHandle.nullDevice
        launcher.standardError = FileHandle.nullDevice
        try CLI.withNoSignalsBlocked { try launcher.run() }
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
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "openai:test-model",
                "--base-url", url, "--api-key-env", "MEDGYM_TEST_KEY", "--temperature", "0.2",
                "--agent-timeout", "5", "--store", store,
            ],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("history of present illness  → interview_hpi"))
        #expect(run.stdout.contains("CTA chest  → cta_chest"))
        #expect(run.stdout.contains("agent not_json"))
        #expect(
            run.stdout.contains(
                "agent protocol: 'CT angiography of the chest/aorta' is an imaging action, not one of the lab tool's: call the imaging tool"
            ), "\(run.stdout)")
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
        let fork = try CLI.run(
            "replay", ["fork", id, "--at", "3", "--action", "CTA chest", "--continue", "agent", "--store", store],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(fork.status == 0, "\(fork.stderr) \(fork.stdout)")
        let asked = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").dropFirst(before)
        #expect(!asked.isEmpty)
        // Every request of the fork carries the whole rebuilt conversation: system + at least two recorded turns.
        #expect(
            asked.allSatisfy { line in
                (line.range(of: #""messages": (\d+)"#, options: .regularExpression).map {
                    Int(line[$0].split(separator: " ").last ?? "") ?? 0
                } ?? 0) >= 5
            })
        for text in [fork.stdout, fork.stderr] { #expect(!text.contains(Self.key)) }
    }

    /// Every reply that is not taken is answered: the model's next message starts with what was wrong, the
    /// nearest actions and the bad replies left, and a second tool call in one reply gets its own answer.
    @Test func everyRefusedReplyIsToldToTheModelWithTheNearestActions() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var twoCalls = Self.tool("interview", "history of present illness", id: "t1")
        var choices = twoCalls["choices"] as! [[String: Any]]
        var message = choices[0]["message"] as! [String: Any]
        var calls = message["tool_calls"] as! [[String: Any]]
        calls.append(["id": "t2", "type": "function", "function": ["name": "exam", "arguments": "{\"action\": \"pulses in all four limbs\"}"]])
        message["tool_calls"] = calls
        choices[0]["message"] = message
        twoCalls["choices"] = choices
        var truncated = Self.tool("imaging", "x", id: "t3")
        truncated["choices"] = [
            [
                "message": [
                    "role": "assistant", "content": NSNull(),
                    "tool_calls": [["id": "t3", "type": "function", "function": ["name": "imaging", "arguments": "{\"action\": \"CTA ch"]]],
                ]
            ]
        ]
        let script: [[String: Any]] = [
            ["body": Self.tool("lab", "CT angiography of the chest/aorta", id: "w1")],
            ["body": truncated],
            ["body": Self.text("zzzz qqqq vvvv")],
            ["body": twoCalls],
            ["body": Self.tool("disposition", "to the operating room", id: "d1")],
        ]
        let server = try Self.server(script, in: dir)
        defer { server.stop() }
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "openai:test-model", "--base-url", server.url,
                "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "5", "--store", dir.path("store.sqlite"),
            ],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        let requests = try String(contentsOfFile: server.log, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(requests.count >= 5)
        #expect(requests.allSatisfy { $0["parallel_tool_calls"] as? Bool == false })
        #expect(requests.allSatisfy { ($0["strict"] as? [Bool])?.allSatisfy { $0 } == true })
        func lastContent(_ request: [String: Any], _ back: Int = 1) -> String {
            let last = request["last"] as? [[String: Any]] ?? []
            return last.count >= back ? (last[last.count - back]["content"] as? String ?? "") : ""
        }
        // The wrong-family call: answered as its tool call, naming the right tool and the action.
        #expect(
            lastContent(requests[1]).hasPrefix(
                "Not taken: 'CT angiography of the chest/aorta' is an imaging action, not one of the lab tool's: call the imaging tool."),
            "\(lastContent(requests[1]))")
        #expect(lastContent(requests[1]).contains("Nothing was done and no time passed"))
        // Truncated arguments.
        #expect(lastContent(requests[2]).hasPrefix("Not taken: a tool call without an action"), "\(lastContent(requests[2]))")
        // Text naming no action: the nearest actions, and how many bad replies are left.
        #expect(lastContent(requests[3]).hasPrefix("Not taken: 'zzzz qqqq vvvv' names no action in the catalog."), "\(lastContent(requests[3]))")
        #expect(lastContent(requests[3]).contains("more unusable replies in a row"))
        // Two calls in one reply: the first taken, the second answered as not taken.
        let last = requests[4]["last"] as? [[String: Any]] ?? []
        let answers = last.filter { $0["role"] as? String == "tool" }
        #expect(answers.map { $0["tool_call_id"] as? String } == ["t1", "t2"])
        #expect((answers.last?["content"] as? String)?.hasPrefix("Not taken: exam 'pulses in all four limbs'. One action per turn") == true, "\(answers)")
        #expect((answers.first?["content"] as? String)?.contains("Not taken") == false)
    }

    @Test func aSlowOrFailingEndpointStopsTheAgentNotTheRun() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let slow = try Self.server(
            [
                ["body": Self.tool("lab", "high-sensitivity troponin", id: "c1")],
                ["body": Self.text("CTA chest"), "delay": 4],
            ], in: dir)
        defer { slow.stop() }
        let url = slow.url
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--base-url", url,
                "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "1", "--no-store",
            ],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("agent timeout"))
        #expect(run.stdout.contains("outcome"))

        let noKey = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--base-url", url,
                "--agent-timeout", "2", "--no-store",
            ])
        #expect(noKey.status == 0)
        #expect(noKey.stdout.contains("the endpoint answered 401"))
        let noURL = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--no-store"])
        #expect(noURL.status != 0 && noURL.stderr.contains("needs --base-url"))
    }

    /// The requests the stand-in logged, one object each.
    static func requests(_ server: Server) throws -> [[String: Any]] {
        try String(contentsOfFile: server.log, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// `medgym args` run to the end, with how long it took and its peak resident memory (VmHWM, read from /proc as it runs).
    static func measured(_ args: [String], env: [String: String]) throws -> (output: CLI.Output, seconds: Double, peakMB: Double) {
        let started = Date()
        let process = try CLI.start("medgym", args, env: env, capture: true)
        let out = ResultBox()
        let err = ResultBox()
        let reading = DispatchGroup()
        for (pipe, box) in [(process.standardOutput as! Pipe, out), (process.standardError as! Pipe, err)] {
            DispatchQueue.global().async(group: reading) { box.data = pipe.fileHandleForReading.readDataToEndOfFile() }
        }
        var peakKB = 0.0
        while process.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
            {
                peakKB = max(peakKB, kb)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.waitUntilExit()
        reading.wait()
        let output = CLI.Output(
            status: process.terminationStatus, stdout: String(decoding: out.data, as: UTF8.self),
            stderr: String(decoding: err.data, as: UTF8.self))
        return (output, Date().timeIntervalSince(started), peakKB / 1024)
    }

    final class ResultBox: @unchecked Sendable { var data = Data() }

    @Test func anOversizedOrEndlessResponseIsCutOffQuicklyWithBoundedMemory() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // 50 MB announced, then a chunked body that never ends, then an answer.
        let server = try Self.server(
            [["size": 50_000_000], ["endless": true], ["body": Self.tool("disposition", "discharge home", id: "c1")]],
            in: dir)
        defer { server.stop() }
        let (run, seconds, peakMB) = try Self.measured(
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model",
                "--base-url", server.url, "--api-key-env", "MEDGYM_TEST_KEY",
                "--agent-timeout", "30", "--no-store",
            ],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("agent too_long: the endpoint announced a response of 50000000 bytes, not read (--max-response-bytes 4194304)"))
        #expect(run.stdout.contains("agent too_long: the endpoint's response was cut off at 4"))
        // Each failure is a turn asked again: the model's answer after them is played.
        #expect(run.stdout.contains("discharge home  → "), "\(run.stdout)")
        // The 50 MB reply took 156 s and 986 MB, the endless one 904 MB in 3 s; now both cost a 4 MiB buffer at most.
        #expect(seconds < 10, "took \(seconds) s")
        #expect(peakMB < 150, "peak \(peakMB) MB")

        // The cap is the option's: an endless body is cut at 64 KiB (plus the piece that crossed it).
        let small = try Self.server([["endless": true], ["body": Self.tool("disposition", "discharge home", id: "c1")]], in: dir, name: "small-")
        defer { small.stop() }
        let capped = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model",
                "--base-url", small.url, "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "30",
                "--max-response-bytes", "65536", "--no-store",
            ], env: ["MEDGYM_TEST_KEY": Self.key])
        let cut = capped.stdout.range(of: #"cut off at (\d+) bytes \(--max-response-bytes 65536\)"#, options: .regularExpression)
            .flatMap { Int(capped.stdout[$0].split(separator: " ")[3]) }
        #expect(cut.map { $0 > 65_536 && $0 <= 65_536 + 65_536 } == true, "\(capped.stdout)")
        let refused = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--max-response-bytes", "10", "--no-store"])
        #expect(refused.status != 0 && refused.stderr.contains("--max-response-bytes 10 is out of range"))
    }

    @Test func aRedirectIsAnAgentErrorAndTheKeyGoesNowhereElse() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let elsewhere = try Self.server([["body": Self.tool("disposition", "discharge home", id: "c1")]], in: dir, name: "elsewhere-")
        defer { elsewhere.stop() }
        let target = elsewhere.url + "/chat/completions"
        let server = try Self.server([["status": 307, "location": target, "body": ""]], in: dir)
        defer { server.stop() }
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--base-url", server.url,
                "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "5", "--no-store",
            ],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("agent redirect: the endpoint answered 307 to \(target); redirects are not followed"), "\(run.stdout)")
        #expect(run.stdout.contains("(agent stopped)"))
        // The endpoint got the key (it is the one named), the other port got nothing at all.
        #expect(try Self.requests(server).map { $0["auth"] as? Bool } == [true])
        #expect(try Self.requests(elsewhere).isEmpty)
    }

    @Test func aKeyTheEndpointEchoesIsRedactedEverywhere() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let server = try Self.server(
            [
                ["echo": "text"], ["echo": "json"], ["echo": "escaped"],
                ["echo": "tool", "action": "high-sensitivity troponin"], ["echo": "tool"], ["echo": "error"],
            ], in: dir)
        defer { server.stop() }
        let store = dir.path("store.sqlite")
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--base-url", server.url,
                "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "5", "--store", store,
            ],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.requests(server).count == 6)
        let id = try #require(run.stderr.split(separator: " ").first { $0.hasPrefix("ep_") }.map(String.init))
        let show = try CLI.run("replay", ["show", id, "--store", store])
        let export = try CLI.run("replay", ["export", "trace", id, "--store", store])
        #expect(show.status == 0 && export.status == 0, "\(show.stderr) \(export.stderr)")
        // Every place an echo went: the not-JSON body, the text (plain and escaped), a played tool call's raw output,
        // a refused call's action and the 400's message; each says [redacted] where the key was.
        #expect(run.stdout.contains("agent not_json: upstream says: your header was Bearer [redacted]"))
        #expect(run.stdout.contains("Order with Bearer [redacted]"))
        #expect(run.stdout.contains("key Bearer [redacted]"))
        #expect(run.stdout.contains("'Bearer [redacted]' is not one of the lab tool's actions"))
        #expect(run.stdout.contains("the endpoint answered 400: bad key Bearer [redacted]"))
        #expect(export.stdout.contains("c-[redacted]"), "the played call's raw output is recorded, redacted")
        let stored = String(decoding: try Data(contentsOf: URL(fileURLWithPath: store)), as: UTF8.self)
        for (name, text) in [
            ("run stdout", run.stdout), ("run stderr", run.stderr), ("replay show", show.stdout),
            ("export trace", export.stdout), ("store file", stored),
        ] {
            #expect(!text.contains(Self.key), "the key is in \(name)")
        }
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func paddedRepliesDoNotGrowLaterRequests() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        // Every reply carries 700 KB up to four times over (message, text, call, arguments): at most 2.8 MB, under the cap.
        let pad = 700_000
        let server = try Self.server(
            [
                ["pad": pad, "body": Self.tool("interview", "history of present illness", id: "c1")],
                ["pad": pad, "body": Self.tool("lab", "high-sensitivity troponin", id: "c2")],
                ["pad": pad, "body": Self.tool("lab", "CT angiography of the chest/aorta", id: "c3")],  // refused: not a lab
                ["pad": pad, "body": Self.text("CTA chest")],  // 700 KB of text: too long for an action
                ["pad": pad, "body": Self.tool("interview", "history of present illness", id: "c4")],
                ["pad": pad, "body": Self.tool("disposition", "discharge home", id: "c5")],
            ], in: dir)
        defer { server.stop() }
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "openai:test-model", "--base-url", server.url,
                "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "10", "--no-store",
            ],
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("agent too_long: a reply of 700009 bytes (an action text is at most 4096)"), "\(run.stdout)")
        #expect(run.stdout.contains("is an imaging action, not one of the lab tool's: call the imaging tool"), "\(run.stdout)")
        let sizes = try Self.requests(server).compactMap { $0["bytes"] as? Int }
        #expect(sizes.count == 6)
        // Each later request is the first plus a few clipped turns: the padding (1 MB a turn before) is never replayed.
        let first = try #require(sizes.first)
        #expect(sizes.allSatisfy { $0 < first + 32_768 }, "\(sizes)")
    }

    @Test func theConversationReSentIsBounded() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let turns = 140
        // Each answer is 3,000 bytes of text (replayed clipped to 2,000): 140 turns would be over 300 KB.
        let server = try Self.server([["body": Self.text("history of present illness " + String(repeating: "words ", count: 495))]], in: dir)
        defer { server.stop() }
        setenv("MEDGYM_BOUNDED_TEST_KEY", Self.key, 1)
        let agent = OpenAIAgent(
            model: "test-model", baseURL: try #require(URL(string: server.url)), apiKeyVariable: "MEDGYM_BOUNDED_TEST_KEY",
            temperature: nil, maxTokens: nil, timeout: 10)
        let environment = Environment(fixture: try FixtureLoader.fixture(named: "adv_cocaine_dissection"), seed: 1)
        for turn in 0..<turns {
            var observation = environment.initialObservation  // a new state each turn, as if each answer were played
            observation.step = turn
            observation.minute = turn
            _ = try agent.act(on: observation)
        }
        let requests = try Self.requests(server)
        #expect(requests.count == turns)
        let sizes = requests.compactMap { $0["bytes"] as? Int }
        let first = try #require(sizes.first)
        // Past the limit the oldest turns are left out (the system prompt says how many) and the size stops growing.
        #expect(agent.omittedMessages > 0)
        #expect(sizes.allSatisfy { $0 <= first + OpenAIAgent.historyLimit + 8_192 }, "\(sizes.max() ?? 0)")
        #expect((requests.last?["system"] as? String)?.contains("earlier messages of this encounter are left out") == true)
        #expect((requests.last?["messages"] as? Int ?? 0) < 2 * turns)
    }
}
