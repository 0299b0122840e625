import CLITestSupport
import Foundation
import MedGym
import Testing

@testable import TraceStore

/// A scenario's episode carries its variant in its row, checked against the fixture id on every read.
struct ScenarioVariantTests {
    @Test func aScenarioEpisodeRecordsItsVariantAndARowThatDisagreesIsRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let fixture = try FixtureLoader.fixture(named: "ruptured_aaa/t70/v3")
        var agent = AgentSpec.expert.makeAgent(fixture: fixture, seed: 5)
        let recorded = try EpisodeRecorder(fixture: fixture).record(seed: 5, agent: &agent, createdAt: "x")
        #expect(recorded.header.variant == "3" && recorded.header.tier == 70 && recorded.header.fixture == "ruptured_aaa/t70/v3")
        _ = try store.save(recorded)
        let id = recorded.header.episodeID
        #expect(try store.checkedEpisode(id).listing.header.variant == "3")
        for (value, says) in [("'4'", "the row says '4'"), ("NULL", "the row says none")] {
            try store.connection.execute("UPDATE episodes SET variant = \(value) WHERE episode_id = '\(id)'")
            do {
                _ = try store.checkedEpisode(id)
                Issue.record("a row with variant \(value) was served")
            } catch {
                #expect("\(error)".contains("variant: \(says), but ruptured_aaa/t70/v3 has variant 3"), "\(error)")
            }
        }
        // A curated fixture has none.
        let curated = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var expert = AgentSpec.expert.makeAgent(fixture: curated, seed: 5)
        #expect(try EpisodeRecorder(fixture: curated).record(seed: 5, agent: &expert, createdAt: "x").header.variant == nil)
    }
}
