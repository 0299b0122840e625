import CLITestSupport
import Foundation
import Testing

/// Both servers survive their clients: a client that stops reading ends the
/// session cleanly (the encounter in progress recorded as ended by the
/// client), every request the server can parse is answered, type errors are
/// invalid-params naming the field, and ten thousand generated requests
/// crash neither server and leave a store that verifies.
struct ServerRobustnessTests {
    /// Starts `medgym serve ARGS` reading `input` from a file; its stdout is the returned pipe.
    static func launch(_ args: [String], input: String, store: String) throws -> (Process, Pipe) {
        let file = store + ".in-\(UUID().uuidString)"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = CLI.binary("medgym")
        process.arguments = ["serve"] + args + ["--store", store]
        process.standardInput = FileHandle(forReadingAtPath: file)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try CLI.withNoSignalsBlocked { try process.run() }
        return (process, out)
    }

    /// Runs `medgym serve ARGS` on `input` (then end of input); returns its stdout lines and exit status.
    static func serve(_ args: [String], input: String, store: String) throws -> (lines: [String], status: Int32, reason: Process.TerminationReason) {
        let (process, out) = try launch(args, input: input, store: store)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init), process.terminationStatus, process.terminationReason)
    }

    /// Runs the server with a reader that takes 10 bytes and closes its end.
    static func serveToAQuitter(_ args: [String], input: String, store: String) throws -> (status: Int32, reason: Process.TerminationReason) {
        let (process, out) = try launch(args, input: input, store: store)
        _ = try out.fileHandleForReading.read(upToCount: 10)
        try out.fileHandleForReading.close()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason)
    }

    static let mcpOpening = [
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
        #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    ]

    @Test func aStdioClientThatStopsReadingEndsTheSessionAndTheEpisodeIsRecorded() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let requests =
            [
                #"{"id":1,"method":"reset","params":{"fixture":"adv_cocaine_dissection","seed":7}}"#,
                #"{"id":2,"method":"step","params":{"action":"12-lead ECG"}}"#,
            ]
            + (3..<80).map { #"{"id":\#($0),"method":"hello"}"# }
        let run = try Self.serveToAQuitter(["--stdio"], input: requests.joined(separator: "\n") + "\n", store: store)
        #expect(run.reason == .exit && run.status == 0, "ended by \(run.reason) \(run.status)")
        let shown = try CLI.run("replay", ["list", "--json", "--store", store])
        #expect(shown.stdout.contains("\"episode\" : \"ep_"), "\(shown.stdout)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [[String: Any]])?.first?["episode"] as? String)
        let trace = try CLI.run("replay", ["export", "trace", id, "--store", store])
        #expect(
            trace.stdout.contains(#""kind":"abandoned""#) && trace.stdout.contains("the client closed the connection"),
            "the trace records that the client went away")
        #expect(try CLI.run("replay", ["verify", "--all", "--store", store]).status == 0)
    }

    @Test func anMCPClientThatStopsReadingEndsTheSessionAndTheEpisodeIsRecorded() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let requests =
            Self.mcpOpening
            + [#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ecg","arguments":{"action":"12-lead ECG"}}}"#]
            + (3..<200).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"tools/list"}"# }
        let run = try Self.serveToAQuitter(["--mcp"], input: requests.joined(separator: "\n") + "\n", store: store)
        #expect(run.reason == .exit && run.status == 0, "ended by \(run.reason) \(run.status)")
        let list = try CLI.run("replay", ["list", "--store", store])
        #expect(list.stdout.contains("mcp"), "\(list.stdout)")
        #expect(try CLI.run("replay", ["verify", "--all", "--store", store]).status == 0)
    }

    @Test func mcpAnswersEveryRequestItCanParseWithTheSpecsErrors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let lines =
            [
                #"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,  // an object id
                #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"observe","arguments":{}}}"#,  // before initialize
                "this is not json",
            ] + Self.mcpOpening + [
                #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"ecg","arguments":{"action":7}}}"#,
                #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":5}}"#,
                #"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":"observe"}"#,
                #"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
                #"{"jsonrpc":"2.0","id":"s","method":7}"#,
                #"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"observe","arguments":{}}}"#,
            ]
        let run = try Self.serve(["--mcp"], input: lines.joined(separator: "\n") + "\n", store: dir.path("store.sqlite"))
        #expect(run.reason == .exit)
        let replies = try run.lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        func error(_ id: String) -> (code: Int, message: String)? {
            for reply in replies where "\(reply["id"] ?? "nil")" == id {
                if let e = reply["error"] as? [String: Any] { return (e["code"] as? Int ?? 0, e["message"] as? String ?? "") }
            }
            return nil
        }
        #expect(replies.count == 10, "\(run.lines)")  // every line but the notification
        #expect(error("9")?.code == -32600 && error("9")?.message.contains("not initialized") == true)
        #expect(error("3")?.code == -32602 && error("3")?.message.contains("params.arguments.action must be a string") == true)
        #expect(error("4")?.code == -32602 && error("4")?.message.contains("params.name must be a string") == true)
        #expect(error("5")?.code == -32602 && error("5")?.message.contains("params must be an object") == true)
        #expect(error("s")?.code == -32600 && error("s")?.message.contains("method must be a string") == true)
        let nullIDs = replies.filter { $0["id"] is NSNull }.compactMap { ($0["error"] as? [String: Any])?["code"] as? Int }.sorted()
        #expect(nullIDs == [-32700, -32600, -32600], "object id, bool id, parse error: \(nullIDs)")
        #expect(replies.contains { "\($0["id"] ?? "")" == "6" && $0["result"] != nil })
    }

    @Test func stdioFieldsOfTheWrongTypeAreInvalidParamsNamingTheField() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let run = try Self.serve(
            ["--stdio"],
            input: [
                #"{"id":1,"method":"reset","params":{"fixture":"adv_aaa_30min","seed":true}}"#,
                #"{"id":2,"method":"reset","params":{"fixture":"adv_aaa_30min","env":5}}"#,
                #"{"id":3,"method":"fork","params":{"episode":"ep_0fa72a32ec1d","step":"13","action":"CTA chest"}}"#,
                #"{"id":4,"method":"reset","params":["adv_aaa_30min"]}"#,
                #"{"id":5,"method":7}"#,
            ].joined(separator: "\n") + "\n", store: dir.path("store.sqlite"))
        let errors = run.lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["error"] as? [String: Any] }
        #expect(errors.map { $0["code"] as? String ?? "" } == ["invalid_params", "invalid_params", "invalid_params", "invalid_params", "bad_request"])
        let messages = errors.map { $0["message"] as? String ?? "" }
        #expect(
            messages[0].contains("params.seed must be a whole number") && messages[1].contains("params.env must be a string")
                && messages[2].contains("params.step must be a whole number") && messages[3].contains("params must be a JSON object"), "\(messages)")
    }

    // MARK: fuzzing

    /// SplitMix64: the generator's own stream, so every run sends the same requests.
    struct Stream {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let actions = [
        "12-lead ECG", "CTA chest", "esmolol IV", "observe and reassess", "troponin", "chest x-ray", "aspirin",
        "cardiothoracic surgery consult", "discharge home", "ask about pain", "xyzzy", "", "🫀", "a\u{0}b",
    ]
    static let junkValues = ["1", "-1", "true", "null", "\"x\"", "[]", "{}", "1e400", "18446744073709551616", "0.5", "\"\u{1b}[2J\""]

    static func stdioRequest(_ stream: inout Stream, id: Int) -> (line: String, answered: Bool) {
        let junk = stream.pick(junkValues)
        let idText = stream.below(10) == 0 ? stream.pick(["{\"a\":1}", "[1]", "true", "null", "\"s\"", "1.5"]) : String(id)
        switch stream.below(12) {
        case 0:
            return (
                "{\"id\":\(idText),\"method\":\"reset\",\"params\":{\"fixture\":\"\(stream.pick(["adv_cocaine_dissection", "adv_aaa_30min", "nope"]))\",\"seed\":\(stream.below(5)),\"env\":\"e\(stream.below(3))\"}}",
                true
            )
        case 1, 2, 3, 4:
            return ("{\"id\":\(idText),\"method\":\"step\",\"params\":{\"action\":\(Self.quoted(stream.pick(actions))),\"env\":\"e\(stream.below(3))\"}}", true)
        case 5: return ("{\"id\":\(idText),\"method\":\"step\",\"params\":{\"action\":\(junk),\"env\":\(junk)}}", true)
        case 6: return ("{\"id\":\(idText),\"method\":\"score\",\"params\":{\"episode\":\(junk)}}", true)
        case 7: return ("{\"id\":\(idText),\"method\":\"fork\",\"params\":{\"episode\":\"ep_0fa72a32ec1d\",\"step\":\(junk),\"action\":\"CTA chest\"}}", true)
        case 8: return ("{\"id\":\(idText),\"method\":\(stream.pick(["\"fly\"", "7", "null", "[]"]))}", true)
        case 9: return ("{\"id\":\(idText),\"method\":\"reset\",\"params\":\(junk)}", true)
        case 10: return (stream.pick(["not json", "{", "[1,2", "\"just a string\"", "42", "{\"id\":1", "}{"]), true)
        default: return ("{\"id\":\(idText),\"method\":\"close\",\"params\":{\"env\":\"e\(stream.below(3))\"}}", true)
        }
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }

    /// Sends `opening`, then 10,000 generated requests, to `medgym serve TRANSPORT`: it must not crash,
    /// every request due a reply gets one, and every reply is a JSON object. Returns `replay verify --all`
    /// over the store it recorded into.
    static func fuzz(
        _ transport: String, seed: UInt64, opening: [String] = [], openingReplies: Int = 0, ids: Range<Int>,
        generate: (inout Stream, Int) -> (line: String, answered: Bool)
    ) throws -> CLI.Output {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        var stream = Stream(state: seed)
        var lines = opening
        var expected = openingReplies
        for id in ids {
            let (line, answered) = generate(&stream, id)
            lines.append(line)
            if answered { expected += 1 }
        }
        let run = try serve([transport], input: lines.joined(separator: "\n") + "\n", store: store)
        #expect(run.reason == .exit && run.status == 0)
        #expect(run.lines.count == expected, "\(run.lines.count) replies to \(expected) requests")
        #expect(run.lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })
        return try CLI.run("replay", ["verify", "--all", "--store", store])
    }

    @Test func tenThousandGeneratedStdioRequestsAreEachAnsweredAndTheStoreVerifies() throws {
        let verify = try Self.fuzz("--stdio", seed: 20_261_202, ids: 0..<10_000, generate: Self.stdioRequest)
        #expect(verify.status == 0, "\(verify.stdout.suffix(500))")
    }

    static func mcpRequest(_ stream: inout Stream, id: Int) -> (line: String, answered: Bool) {
        let junk = stream.pick(junkValues)
        let idText = stream.below(12) == 0 ? stream.pick(["{\"a\":1}", "[1]", "true", "null", "1.5"]) : (stream.below(2) == 0 ? String(id) : "\"r\(id)\"")
        let tools = ["observe", "interview", "exam", "lab", "ecg", "imaging", "medication", "consult", "disposition", "nope"]
        switch stream.below(10) {
        case 0, 1, 2, 3:
            return (
                "{\"jsonrpc\":\"2.0\",\"id\":\(idText),\"method\":\"tools/call\",\"params\":{\"name\":\"\(stream.pick(tools))\",\"arguments\":{\"action\":\(Self.quoted(stream.pick(actions)))}}}",
                true
            )
        case 4: return ("{\"jsonrpc\":\"2.0\",\"id\":\(idText),\"method\":\"tools/call\",\"params\":{\"name\":\(junk),\"arguments\":\(junk)}}", true)
        case 5: return ("{\"jsonrpc\":\"2.0\",\"id\":\(idText),\"method\":\"\(stream.pick(["tools/list", "ping", "resources/list", "nope/nope"]))\"}", true)
        case 6: return ("{\"jsonrpc\":\"2.0\",\"id\":\(idText),\"method\":\(stream.pick(["7", "null", "[]"]))}", true)
        case 7: return ("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/\(stream.pick(["cancelled", "progress", "whatever"]))\"}", false)
        case 8: return (stream.pick(["not json", "{", "[1,2", "\"s\"", "42", "}{"]), true)
        default: return ("{\"jsonrpc\":\"2.0\",\"id\":\(idText),\"method\":\"tools/call\",\"params\":\(junk)}", true)
        }
    }

    @Test func tenThousandGeneratedMCPRequestsAreEachAnsweredAndTheStoreVerifies() throws {
        let verify = try Self.fuzz("--mcp", seed: 42, opening: Self.mcpOpening, openingReplies: 1, ids: 100..<10_100, generate: Self.mcpRequest)
        #expect(verify.status == 0 && verify.stdout.contains("1 of 1 episode verified"), "\(verify.stdout)")
    }
}
