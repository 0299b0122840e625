import Foundation
import MedGym
import Testing

/// The core can be handed its catalog, fixtures and adversarial strategies
/// from memory: only `ShippedContent` reads the bundle.
struct InMemoryContentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func aCatalogAndAFixtureFromMemoryPlayAnEpisode() throws {
        let resources = Self.root.appendingPathComponent("Sources/MedGym/Resources")
        let catalog = try ActionCatalog(json: try Data(contentsOf: resources.appendingPathComponent("catalog/actions.json")))
        #expect(catalog.actions.count == ActionCatalog.shipped.actions.count)
        let json = try Data(contentsOf: resources.appendingPathComponent("archetypes/adv_aaa_30min.json"))
        let fixture = try FixtureLoader.decode(json, file: "memory", catalog: catalog)
        var agent = AgentSpec.expert.makeAgent(fixture: fixture, seed: 1)
        let episode = try EpisodeRunner(fixture: fixture, resolver: ActionResolver(catalog: catalog)).run(seed: 1, agent: &agent)
        var shippedAgent = AgentSpec.expert.makeAgent(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min"), seed: 1)
        let shipped = try EpisodeRunner(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min")).run(seed: 1, agent: &shippedAgent)
        #expect(episode.score == shipped.score)
        let strategies = try AdversarialSuite.decode(
            try Data(contentsOf: resources.appendingPathComponent("adversarial/adv_aaa_30min.json")), fixtureID: "adv_aaa_30min")
        #expect(try strategies == AdversarialSuite.shipped(for: "adv_aaa_30min"))
    }
}
