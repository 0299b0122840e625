import CLITestSupport
import Foundation
import Replay
import Testing
import TraceStore

/// The leaderboard ranks per fixture and pools only over the fixtures every
/// agent covers, so an agent run only on an easy patient does not look better.
struct LeaderboardTests {
    @Test func unequalCoverageGivesPerFixtureRankingsAndAnOverallOnlyOverTheCommonFixture() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let runs = [
            ["--fixtures", "adv_cocaine_dissection,adv_aaa_30min", "--agent", "expert"],
            ["--fixtures", "adv_cocaine_dissection", "--agent", "anchoring,random"],
        ]
        for args in runs {
            let batch = try CLI.run("medgym", ["batch", "--seeds", "1-3", "--label", "t", "--store", store] + args)
            #expect(batch.status == 0, "\(batch.stderr)")
        }
        let board = try CLI.run("medgym", ["leaderboard", "--store", store])
        #expect(board.status == 0, "\(board.stderr)")
        let lines = board.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines.map(\.count).max() ?? 0) columns")
        #expect(board.stdout.contains("overall: each agent's mean over the 1 fixture every agent covers"), "\(board.stdout)")
        #expect(board.stdout.contains("not in overall: adv_aaa_30min (no episodes of anchoring · t, random · t)"), "\(board.stdout)")

        let json =
            try JSONSerialization.jsonObject(with: Data(try CLI.run("medgym", ["leaderboard", "--json", "--store", store]).stdout.utf8)) as! [String: Any]
        #expect(json["overall_fixtures"] as? [String] == ["adv_cocaine_dissection"])
        let overall = try #require(json["rows"] as? [[String: Any]])
        #expect(overall.map { $0["rank"] as? Int } == [1, 2, 3])
        #expect(overall.allSatisfy { $0["fixtures"] as? [String] == ["adv_cocaine_dissection"] && $0["episodes"] as? Int == 3 })
        let composites = overall.map { $0["mean_composite"] as! Double }
        #expect(composites == composites.sorted(by: >), "ranked by mean composite")
        #expect(overall.first?["agent"] as? String == "expert")
        let perFixture = try #require(json["per_fixture"] as? [[String: Any]])
        #expect(perFixture.map { $0["fixture"] as? String } == ["adv_aaa_30min", "adv_cocaine_dissection"])
        #expect((perFixture[0]["rows"] as? [[String: Any]])?.map { $0["agent"] as? String } == ["expert"])
        // What a reader needs to judge a row: when it ran, how, and how long its episodes were.
        let row = try #require(overall.first)
        #expect((row["first_run"] as? String)?.hasPrefix("20") == true && row["last_run"] != nil)
        #expect((row["mean_steps"] as? Double ?? 0) > 0 && row["settings"] is [Any])
        #expect(row["ed_death_rate"] is Double && row["later_death_rate"] is Double)
        // Built-in agents report no model tokens: the fields are there, null.
        #expect(row["tokens"] is NSNull && row["mean_tokens"] is NSNull && row["episodes_with_tokens"] as? Int == 0, "\(row)")
    }

    /// The board, the diff and the list are the same for any number of checking threads, and a broken
    /// row is left out (or, by the list, shown not served) the same way on each.
    @Test func theReportsAreTheSameForAnyJobs() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let batch = try CLI.run("medgym", ["batch", "--fixtures", "adv_*", "--seeds", "1-7", "--agent", "expert,anchoring", "--store", store])
        #expect(batch.status == 0, "\(batch.stderr)")
        try TraceStore(path: store).connection.execute("UPDATE episodes SET seed = 99 WHERE rowid = 5")
        var boards: [String] = []
        var diffs: [String] = []
        var lists: [String] = []
        for jobs in ["1", "2", "5"] {
            lists.append(try CLI.run("replay", ["list", "--json", "--store", store, "--jobs", jobs]).stdout)
            let board = try CLI.run("medgym", ["leaderboard", "--json", "--store", store, "--jobs", jobs])
            #expect(board.status == 0, "\(board.stderr)")
            boards.append(board.stdout)
            diffs.append(
                try CLI.run("replay", ["diff", "--baseline", "expert", "--candidate", "anchoring", "--format", "json", "--store", store, "--jobs", jobs]).stdout
            )
        }
        #expect(Set(boards).count == 1 && Set(diffs).count == 1 && Set(lists).count == 1)
        #expect(lists[0].contains("\"broken\""), "the list shows the broken row as not served")
        #expect(boards[0].contains("\"broken\""), "the broken row is left out")
        #expect(try CLI.run("medgym", ["leaderboard", "--store", store, "--jobs", "0"]).status == 64)
        for args in [["list", "--jobs", "0"], ["diff", "--baseline", "expert", "--candidate", "anchoring", "--jobs", "257"]] {
            let refused = try CLI.run("replay", args + ["--store", store])
            #expect(refused.status == 64 && refused.stderr.contains("is out of range; use 1…256"), "\(args): \(refused.stderr)")
        }
    }

    @Test func agentsSharingNoFixtureGetNoPooledRanking() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        for (fixture, agent) in [("adv_aaa_30min", "expert"), ("adv_pediatric_dka", "random")] {
            #expect(try CLI.run("medgym", ["batch", "--fixtures", fixture, "--seeds", "1-2", "--agent", agent, "--store", store]).status == 0)
        }
        let board = try CLI.run("medgym", ["leaderboard", "--store", store])
        #expect(board.stdout.contains("overall: none — no fixture is covered by every agent"), "\(board.stdout)")
        #expect(!board.stdout.contains("per-dimension means (overall)"))
    }
}
