import CLITestSupport
import Foundation
import Testing

/// `medgym serve --stdio` through the built binary: JSON lines in, JSON lines out.
struct ServeTests {
    /// Runs the server on `lines` (then end of input) and returns its replies, parsed.
    func serve(_ lines: [String], store: String) throws -> [[String: Any]] {
        let input = store + ".requests"
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = CLI.binary("medgym")
        process.arguments = ["serve", "--stdio", "--store", store]
        process.standardInput = FileHandle(forReadingAtPath: input)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func manyEpisodesPerServerEachRecordedAndVerifiable() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let reset = { (env: String, seed: Int) in
            #"{"id":"r-\#(env)","method":"reset","params":{"env":"\#(env)","fixture":"adv_cocaine_dissection","seed":\#(seed),"options":{"label":"model-a"}}}"#
        }
        let step = { (env: String, action: String) in #"{"id":"s","method":"step","params":{"env":"\#(env)","action":"\#(action)"}}"# }
        let replies = try serve(
            [
                reset("a", 42), reset("b", 7),
                step("a", "order ECG"), step("b", "CTA chest"), step("a", "reassure, no imaging"), step("a", "discharge home"),
                step("b", "emergency surgery"),
                #"{"id":9,"method":"score","params":{"episode":"ep_000000000000"}}"#,
            ], store: store)
        #expect(replies.count == 8)
        let result = { (i: Int) in replies[i]["result"] as? [String: Any] ?? [:] }
        #expect((result(0)["text"] as? String)?.hasPrefix("34M, chest pain for 2 hours.") == true)
        #expect(result(0)["reward"] as? Double == 0)
        let ended = result(5)
        #expect(ended["terminated"] as? Bool == true)
        let info = try #require(ended["info"] as? [String: Any])
        #expect((info["episode_id"] as? String)?.hasPrefix("ep_") == true && info["outcome"] as? String == "missed_aad")
        #expect((replies[7]["error"] as? [String: Any])?["code"] as? String == "unknown_episode")
        // Ending the input ends env b as a stopped agent would: both episodes are stored and verify.
        let list = try CLI.run("replay", ["list", "--store", store])
        #expect(list.stdout.contains("python model-a"))
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("2 of 2 episodes verified"), "\(verify.stdout)")
    }

    @Test func badRequestsGetErrorRepliesAndTheServerGoesOn() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let huge = #"{"id":1,"method":"step","params":{"action":""# + String(repeating: "x", count: 1_100_000) + #""}}"#
        let replies = try serve(
            [
                "not json", #"{"id":2,"method":"fly"}"#, #"{"id":3,"method":"step","params":{"action":"CTA chest"}}"#,
                #"{"id":4,"method":"reset","params":{"fixture":"nope"}}"#, #"{"id":5,"method":"reset","params":{"fixture":"adv_aaa_30min","seed":-3}}"#,
                huge, #"{"id":6,"method":"hello"}"#, #"{"id":7,"method":"close"}"#, #"{"id":8,"method":"hello"}"#,
            ], store: store)
        let codes = replies.map { ($0["error"] as? [String: Any])?["code"] as? String ?? "ok" }
        #expect(codes == ["bad_request", "unknown_method", "no_episode", "unknown_fixture", "invalid_params", "too_large", "ok", "ok"])
        #expect(((replies[6]["result"] as? [String: Any])?["charset"] as? String)?.contains("·") == true)
        // After close nothing more is answered.
        #expect(replies.count == 8)
    }

    static let badServeArguments: [(args: [String], message: String, status: Int32)] = [
        ([], "choose one transport: --stdio, --mcp or --http", 64), (["--stdio", "--mcp"], "choose one transport", 64),
        (["--mcp", "--fixture", "nope"], "unknown fixture 'nope'", 2),
    ]

    @Test(arguments: badServeArguments.indices)
    func aTransportAndAKnownFixtureAreRequired(_ index: Int) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let (args, message, status) = Self.badServeArguments[index]
        let r = try CLI.run("medgym", ["serve"] + args + ["--store", store])
        #expect(r.status == status, "\(args): \(r.status)")
        #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store), "\(args)")
    }
}
