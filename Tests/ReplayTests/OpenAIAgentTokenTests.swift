import CLITestSupport
import Foundation
import MedGym
import Testing
import TraceStore

/// The tokens each of a model's replies used (the response's
/// `usage.total_tokens`): recorded with the reply, summed into the summary,
/// verified by re-execution and reported by `medgym leaderboard --json`.
extension OpenAIAgentTests {
    /// `body` with `usage` saying `tokens` in all (prompt and completion apart, as endpoints send it), or with no `usage`.
    static func usage(_ body: [String: Any], _ tokens: Int?) -> [String: Any] {
        var body = body
        body["usage"] = tokens.map { ["prompt_tokens": $0 - 7, "completion_tokens": 7, "total_tokens": $0] }
        return body
    }

    /// A consultation whose replies report `counts` (nil: no usage): a tool call, a text, a text naming no
    /// action (rejected), a tool call, and the disposition (asked again until theatre takes the patient).
    static func countedScript(_ counts: [Int?]) -> [[String: Any]] {
        let bodies = [
            Self.tool("interview", "history of present illness", id: "c1"), Self.text("CTA chest"), Self.text("zzzz qqqq vvvv"),
            Self.tool("consult", "cardiothoracic surgery consult", id: "c2"), Self.tool("disposition", "to the operating room", id: "c3"),
        ]
        return zip(bodies, counts).map { ["body": usage($0, $1)] }
    }

    /// Plays one `openai:test-model` episode against its own stand-in; its id and the run's stderr.
    static func playCounted(
        _ counts: [Int?], seed: Int, label: String? = nil, store: String, in dir: TempDir, name: String
    ) throws -> (id: String, stderr: String) {
        let server = try Self.server(countedScript(counts), in: dir, name: name)
        defer { server.stop() }
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", String(seed), "--agent", "openai:test-model",
                "--base-url", server.url, "--api-key-env", "MEDGYM_TEST_KEY", "--agent-timeout", "5", "--store", store,
            ] + (label.map { ["--label", $0] } ?? []),
            env: ["MEDGYM_TEST_KEY": Self.key])
        #expect(run.status == 0, "\(run.stderr)")
        let id = try #require(run.stderr.split(separator: " ").first { $0.hasPrefix("ep_") }.map(String.init))
        return (id, run.stderr)
    }

    /// The leaderboard's JSON rows over every fixture, by name.
    static func boardRows(_ store: String) throws -> [String: [String: Any]] {
        let board = try CLI.run("medgym", ["leaderboard", "--json", "--store", store])
        #expect(board.status == 0, "\(board.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(board.stdout.utf8)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0) })
    }

    @Test func eachReplysTokensAreRecordedSummedVerifiedAndOnTheLeaderboard() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let counts: [Int?] = [1_200, 345, 80, nil, 400]
        var totals: [Int] = []
        for (index, seed) in [42, 7].enumerated() {
            let (id, stderr) = try Self.playCounted(counts, seed: seed, store: store, in: dir, name: "s\(index)")
            let checked = try TraceStore(path: store, readOnly: true).checkedEpisode(id)
            let replies = try checked.events.filter { $0.kind == .actionReceived || $0.kind == .actionRejected }.map {
                ($0.kind, try $0.decodedPayload())
            }
            // Each reply carries its own response's count; the one without usage carries none.
            #expect(replies.first?.1.tokens == 1_200)
            #expect(replies.contains { $0.1.text == "CTA chest" && $0.1.tokens == 345 })
            #expect(replies.contains { $0.0 == .actionRejected && $0.1.text == "zzzz qqqq vvvv" && $0.1.tokens == 80 })
            #expect(replies.contains { $0.1.action == "consult_cardiothoracic_surgery" && $0.1.tokens == nil }, "\(replies.map { $0.1.action })")
            let dispositions = replies.filter { $0.1.text == "to the operating room" }
            #expect(!dispositions.isEmpty && dispositions.allSatisfy { $0.1.tokens == 400 })
            // The summary row holds their sum: here every response but one reported usage, so it is the agent's running total too.
            let sum = replies.compactMap { $0.1.tokens }.reduce(0, +)
            #expect(sum == 1_200 + 345 + 80 + 400 * dispositions.count)
            #expect(checked.listing.summary?.tokens == sum)
            #expect(stderr.contains("openai:test-model: \(sum) tokens"), "\(stderr)")
            let verify = try CLI.run("replay", ["verify", id, "--store", store])
            #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
            // An exported log carries the counts: imported elsewhere, the summary is rebuilt from them.
            let export = try CLI.run("replay", ["export", "trace", id, "--store", store])
            try export.stdout.write(toFile: dir.path("\(id).jsonl"), atomically: true, encoding: .utf8)
            let copy = dir.path("copy\(index).sqlite")
            #expect(try CLI.run("replay", ["import", "--store", copy, dir.path("\(id).jsonl")]).status == 0)
            #expect(try TraceStore(path: copy, readOnly: true).checkedEpisode(id).listing.summary?.tokens == sum)
            totals.append(sum)
        }
        // An episode whose responses carry no usage counts toward the row's episodes, not its tokens.
        let plain = try Self.playCounted([nil, nil, nil, nil, nil], seed: 42, label: "plain", store: store, in: dir, name: "plain")
        #expect(try TraceStore(path: store, readOnly: true).checkedEpisode(plain.id).listing.summary?.tokens == nil)
        #expect(try CLI.run("replay", ["verify", "--all", "--store", store]).status == 0)

        let rows = try Self.boardRows(store)
        let counted = try #require(rows["openai:test-model"])
        #expect(counted["episodes"] as? Int == 2)
        #expect(counted["tokens"] as? Int == totals.reduce(0, +))
        #expect(counted["mean_tokens"] as? Double == (Double(totals.reduce(0, +)) / 2 * 100).rounded() / 100)
        #expect(counted["episodes_with_tokens"] as? Int == 2)
        let uncounted = try #require(rows["openai:test-model · plain"])
        #expect(uncounted["tokens"] is NSNull && uncounted["mean_tokens"] is NSNull, "\(uncounted)")
        #expect(uncounted["episodes_with_tokens"] as? Int == 0)
        let text = try CLI.run("medgym", ["leaderboard", "--store", store])
        #expect(text.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test func repliesWithoutUsageRecordNoTokensAndTheTraceAsBefore() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let plain = try Self.playCounted([nil, nil, nil, nil, nil], seed: 42, store: store, in: dir, name: "plain")
        #expect(plain.stderr.contains("openai:test-model: 0 tokens"), "\(plain.stderr)")
        let events = try TraceStore(path: store, readOnly: true).checkedEpisode(plain.id)
        #expect(events.listing.summary?.tokens == nil)
        #expect(!events.events.contains { $0.payload.contains("\"tokens\"") })
        #expect(try TraceStore(path: store).connection.scalarInt("SELECT COUNT(*) FROM summaries WHERE tokens IS NULL") == 1)
        #expect(try CLI.run("replay", ["verify", plain.id, "--store", store]).status == 0)
        let row = try #require(try Self.boardRows(store)["openai:test-model"])
        #expect(row["tokens"] is NSNull && row["mean_tokens"] is NSNull && row["episodes_with_tokens"] as? Int == 0, "\(row)")
        // The same replies with usage give the same trace but for each reply's `tokens`.
        let other = dir.path("counted.sqlite")
        let counted = try Self.playCounted([1_200, 345, 80, nil, 400], seed: 42, store: other, in: dir, name: "counted")
        let withTokens = try TraceStore(path: other, readOnly: true).checkedEpisode(counted.id).events
        let stripped = withTokens.map { $0.payload.replacingOccurrences(of: #","tokens":\d+"#, with: "", options: .regularExpression) }
        // (Event 0 names each stand-in's own port.)
        #expect(stripped.dropFirst().elementsEqual(events.events.dropFirst().map(\.payload)))
        #expect(!withTokens.dropFirst().map(\.payload).elementsEqual(events.events.dropFirst().map(\.payload)))
    }
}
