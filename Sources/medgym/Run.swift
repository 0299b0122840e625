import ArgumentParser
import Foundation
import MedGym

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one episode and print its trajectory and score.")

    @Option(help: "A shipped fixture name (see 'medgym fixtures list') or a path to an archetype .json file.")
    var fixture: String

    @Option(help: "Episode seed, 0 to 18446744073709551615.")
    var seed: String = "42"

    @Option(help: "expert, anchoring, random, or script:FILE (one action text a line).")
    var agent: String = "expert"

    @Flag(help: "Print the episode and score as one JSON document.")
    var json = false

    func run() throws {
        do {
            let seed = try SeedParser.parse(seed)
            let fixture = try FixtureLoader.fixture(named: fixture)
            let spec = try AgentSpec.parse(agent) { try String(contentsOfFile: $0, encoding: .utf8) }
            var agent = spec.makeAgent(fixture: fixture, seed: seed)
            let episode = try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent)
            if json {
                try printJSON(episode)
            } else {
                print(EpisodeFormatter.trajectory(episode))
                print("")
                print(EpisodeFormatter.scoreTable(episode.score))
            }
        } catch {
            throw fail(error)
        }
    }
}
