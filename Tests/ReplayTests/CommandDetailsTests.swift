import CLITestSupport
import Foundation
import Testing
import TraceStore

/// Details a user meets at the command line: ids where a script needs them,
/// orders a reader expects, messages that name the fix.
struct CommandDetailsTests {
    @Test func runJSONCarriesTheStoredEpisodeID() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let run = try CLI.run("medgym", ["run", "--fixture", "adv_aaa_30min", "--seed", "3", "--agent", "expert", "--json", "--store", store])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(json["episode_id"] as? String == (try TraceStore(path: store).list().first?.header.episodeID))
    }

    @Test func verifyTakesSeveralIDsAndSaysHowToNameThem() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("medgym", ["batch", "--fixtures", "adv_aaa_30min", "--seeds", "1-2", "--agent", "expert", "--store", store]).status == 0)
        let ids = try TraceStore(path: store).list().map(\.header.episodeID)
        let both = try CLI.run("replay", ["verify", "--store", store] + ids)
        #expect(both.status == 0 && both.stdout.contains("2 of 2 episodes verified"), "\(both.stdout)")
        let none = try CLI.run("replay", ["verify", "--store", store])
        #expect(none.status == 64 && none.stderr.contains("replay verify EP [EP…]"), "\(none.stderr)")
    }

    @Test func diffOrdersSeedsAsNumbers() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let batch = try CLI.run(
            "medgym", ["batch", "--fixtures", "adv_aaa_30min", "--seeds", "1-11", "--agent", "expert,anchoring", "--store", store])
        #expect(batch.status == 0, "\(batch.stderr)")
        let diff = try CLI.run("replay", ["diff", "--baseline", "anchoring", "--candidate", "expert", "--format", "json", "--store", store])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any])
        let seeds = (json["spread"] as? [[String: Any]])?.compactMap { $0["seed"] as? Int }
        #expect(seeds == Array(1...11))
    }

    @Test func theScoreExplanationNamesEachItemOnce() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let explained = try CLI.run("replay", ["score", "ep_0fa72a32ec1d", "--explain", "--store", try DemoStore.path(in: dir)])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("disposition: to_or") && !explained.stdout.contains("disposition: disposition:"))
    }

    @Test func aMissingStoreSaysHowToImportATraceLog() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let missing = try CLI.run("replay", ["list", "--store", dir.path("none.sqlite")])
        #expect(missing.status != 0 && missing.stderr.contains("replay import --store"), "\(missing.stderr)")
    }
}
