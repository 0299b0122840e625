import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// An encounter its caller ends (a reset or close mid-episode, a client gone)
/// is recorded marked abandoned, and reports leave it out unless asked.
struct AbandonedEpisodeTests {
    @Test func aResetMidEpisodeRecordsItAbandonedAndReportsLeaveItOut() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let server = EnvServer(store: store)
        _ = try server.reset(env: "a", fixture: "adv_aaa_30min", seed: 3, label: "m")
        _ = try server.step(env: "a", action: "12-lead ECG")
        _ = try server.reset(env: "a", fixture: "adv_aaa_30min", seed: 4, label: "m")  // abandons seed 3
        let listed = try store.list()
        #expect(listed.count == 1)
        let id = try #require(listed.first?.header.episodeID)
        let score = try store.checkedEpisode(id).score
        #expect(score.abandoned == "a reset started a new episode in env 'a' before this one ended")
        // Inside the chain and re-executed: verify agrees.
        #expect(try Verifier(store: store).verify(id).passed)

        let board = try Leaderboard.build(store: store, fixtures: [])
        #expect(board.rows.isEmpty)
        #expect(board.leftOut.map(\.kind) == [.abandoned] && board.leftOut.first?.episodeID == id)
        #expect(CheckedSelection.summary(board.leftOut).first?.hasSuffix("--include-abandoned counts them") == true)
        #expect(try Leaderboard.build(store: store, fixtures: [], includeAbandoned: true).rows.map(\.episodes) == [1])
        #expect(try EpisodeSelection.index(store).first?.abandoned == score.abandoned)
    }

    @Test func anEncounterWithNoActionIsNotRecordedAndAFinishedOneIsNotAbandoned() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let server = EnvServer(store: store)
        _ = try server.reset(env: "a", fixture: "adv_aaa_30min", seed: 3, label: nil)
        _ = try server.step(env: "a", action: "fly to the moon")  // rejected: nothing applied
        #expect(try server.abandon("a", reason: EnvServer.abandoned("closed")) == nil)
        #expect(try store.list().isEmpty)

        _ = try server.reset(env: "b", fixture: "adv_aaa_30min", seed: 3, label: nil)
        let ended = try server.step(env: "b", action: "discharge home")
        let id = try #require(ended.info.episodeID)
        #expect(try store.checkedEpisode(id).score.abandoned == nil)
        #expect(try Leaderboard.build(store: store, fixtures: []).rows.map(\.episodes) == [1])
    }

    @Test func closingTheServerAbandonsEveryEncounterInProgress() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let server = EnvServer(store: store)
        for (seed, env) in ["x", "y"].enumerated() {
            _ = try server.reset(env: env, fixture: "adv_pediatric_dka", seed: UInt64(seed), label: nil)
            _ = try server.step(env: env, action: "fingerstick glucose")
        }
        #expect(server.closeAll().isEmpty)
        let reasons = try store.list().map { try store.checkedEpisode($0.header.episodeID).score.abandoned }
        #expect(reasons == ["the server was closed with the encounter in progress", "the server was closed with the encounter in progress"])
    }
}
