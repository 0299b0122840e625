import Foundation
import MedGymCore
import Testing

/// The core plays an episode, scores it and runs the adversarial suite from a
/// catalog, a fixture and strategies handed to it in memory. This target
/// imports only `MedGymCore`: nothing here can fall back on the shipped bundle.
struct InMemoryContentTests {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/MedGym/Resources")

    static func read(_ path: String) throws -> Data { try Data(contentsOf: resources.appendingPathComponent(path)) }

    @Test func aCatalogAndAFixtureFromMemoryPlayAndScoreAnEpisode() throws {
        let resolver = ActionResolver(catalog: try ActionCatalog(json: try Self.read("catalog/actions.json")))
        let fixture = try FixtureDecoder.decode(try Self.read("archetypes/adv_aaa_30min.json"), file: "memory", resolver: resolver)
        let runner = EpisodeRunner(fixture: fixture, resolver: resolver)
        var expert = ExpertAgent(fixture: fixture, resolver: resolver)
        var anchoring = AnchoringAgent(fixture: fixture, resolver: resolver)
        let good = try runner.run(seed: 1, agent: &expert)
        let bad = try runner.run(seed: 1, agent: &anchoring)
        #expect(good.score.outcome == fixture.answerKey.outcome.caught)
        #expect(good.score.composite > bad.score.composite)
        #expect(Scorer(fixture: fixture, catalog: resolver.catalog).score(good.finalState) == good.score)
    }

    @Test func theAdversarialSuiteRunsFromMemory() throws {
        let resolver = ActionResolver(catalog: try ActionCatalog(json: try Self.read("catalog/actions.json")))
        let fixture = try FixtureDecoder.decode(try Self.read("archetypes/adv_aaa_30min.json"), file: "memory", resolver: resolver)
        let suite = try AdversarialSuite.decode(try Self.read("adversarial/adv_aaa_30min.json"), fixtureID: fixture.id)
        let results = try AdversarialSuite.run(suite, fixture: fixture, resolver: resolver, seeds: [1])
        #expect(results.count == suite.strategies.count)
        #expect(results.allSatisfy { $0.violations.isEmpty })
    }

    @Test func aCatalogWithoutAFixturesActionRefusesTheFixtureNamingTheField() throws {
        let full = try ActionCatalog(json: try Self.read("catalog/actions.json"))
        let fixture = try FixtureDecoder.decode(try Self.read("archetypes/adv_aaa_30min.json"), file: "memory", resolver: ActionResolver(catalog: full))
        let missing = try #require(fixture.answerKey.items.first?.actions.first)
        let smaller = ActionResolver(catalog: try ActionCatalog(actions: full.actions.filter { $0.id != missing }))
        #expect {
            try FixtureDecoder.decode(try Self.read("archetypes/adv_aaa_30min.json"), file: "memory", resolver: smaller)
        } throws: { error in
            (error as? FixtureError).map { $0.description.contains("'\(missing)' is not a catalog action") } ?? false
        }
    }
}
