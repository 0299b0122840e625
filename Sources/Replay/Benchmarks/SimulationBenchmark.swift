import Foundation
import MedGym

/// Measures how fast the environment runs: the expert agent on each shipped
/// fixture, no store, timed with a monotonic clock outside the simulation.
public struct SimulationBenchmark: Sendable {
    /// One measured figure.
    public struct Figure: Sendable, Hashable, Codable {
        public var name: String
        public var value: Double
        public var unit: String
        public var detail: String

        public init(name: String, value: Double, unit: String, detail: String) {
            self.name = name
            self.value = value
            self.unit = unit
            self.detail = detail
        }
    }

    public let fixtures: [Fixture]
    public let episodesPerFixture: Int

    public init(fixtures: [Fixture], episodesPerFixture: Int) {
        self.fixtures = fixtures
        self.episodesPerFixture = episodesPerFixture
    }

    /// Runs the expert `episodesPerFixture` times per fixture (seeds 1…N),
    /// three rounds, and reports the median round.
    public func run() throws -> [Figure] {
        var rounds: [(seconds: Double, episodes: Int, steps: Int)] = []
        for _ in 0..<3 {
            var episodes = 0
            var steps = 0
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                for fixture in fixtures {
                    let runner = EpisodeRunner(fixture: fixture)
                    for seed in 1...UInt64(episodesPerFixture) {
                        var agent = AgentSpec.expert.makeAgent(fixture: fixture, seed: seed)
                        let episode = try runner.run(seed: seed, agent: &agent)
                        episodes += 1
                        steps += episode.steps.count
                    }
                }
            }
            rounds.append((elapsed.seconds, episodes, steps))
        }
        let median = rounds.sorted { $0.seconds < $1.seconds }[1]
        let detail = "expert on \(fixtures.map(\.id).joined(separator: ", ")), \(median.episodes) episodes, median of 3 rounds"
        return [
            Figure(name: "episodes_per_second", value: Double(median.episodes) / median.seconds, unit: "episodes/s", detail: detail),
            Figure(name: "env_steps_per_second", value: Double(median.steps) / median.seconds, unit: "steps/s", detail: detail),
        ]
    }
}

extension Duration {
    /// The duration in seconds as a double.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
