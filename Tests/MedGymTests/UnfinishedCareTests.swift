import Testing

@testable import MedGym
@testable import MedGymCore

/// Doing nothing is not good care: an agent that stops at once (the patient left to the clock, no
/// disposition) earns no cost or efficiency points and scores below zero on every shipped fixture, at
/// several seeds. It scored +2 to +8 on three negative-class fixtures (charges $0, full cost points)
/// until verifiers' untouched-task check found it.
struct UnfinishedCareTests {
    static let fixtures = (try? FixtureLoader.shipped().map(\.id)) ?? []

    @Test(arguments: fixtures)
    func doingNothingScoresBelowZero(_ name: String) throws {
        for seed: UInt64 in [1, 7, 42] {
            let episode = try playScript(name, [], seed: seed)
            let points = Dictionary(uniqueKeysWithValues: episode.score.dimensions.map { ($0.dimension, $0.points) })
            #expect(episode.finalState.disposition == nil)
            #expect(points[.cost] == 0 && points[.efficiency] == 0, "\(name) seed \(seed)")
            #expect(episode.score.composite < 0, "\(name) seed \(seed): doing nothing scored \(episode.score.composite)")
        }
    }

    /// The cost points still go to care that is seen through: the expert's plan keeps them.
    @Test func careSeenThroughKeepsItsCostPoints() throws {
        let fixture = try FixtureLoader.fixture(named: "neg_minor_head_injury")
        var agent = ExpertAgent(fixture: fixture, resolver: .shipped)
        let episode = try EpisodeRunner(fixture: fixture).run(seed: 1, agent: &agent)
        #expect(episode.finalState.disposition != nil)
        #expect((episode.score.dimensions.first { $0.dimension == .cost }?.points ?? 0) > 0)
    }
}
