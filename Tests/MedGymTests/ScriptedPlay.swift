@testable import MedGym
@testable import MedGymCore

/// Plays a shipped fixture with a fixed list of action texts.
func playScript(_ name: String, _ actions: [String], seed: UInt64 = 42) throws -> Episode {
    let fixture = try FixtureLoader.fixture(named: name)
    var agent = ScriptedAgent(id: "test", actions: actions)
    return try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent)
}
