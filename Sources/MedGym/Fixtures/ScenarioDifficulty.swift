import Foundation

/// How hard the catalogue's tiers are, measured: the truth-blind protocol
/// agent (``ProtocolAgent``) and the expert played on scenarios, their mean
/// composites per tier band of twenty. A tier is honest when the protocol
/// agent falls with it while the expert holds.
public struct ScenarioDifficulty: Sendable, Hashable, Encodable {
    /// One tier band's figures.
    public struct Band: Sendable, Hashable, Encodable {
        public var tiers: ClosedRange<Int>
        public var scenarios: Int
        public var episodes: Int
        /// Mean composite of each agent, in ``agents`` order.
        public var meanComposite: [Double]
        /// Share of episodes caught, per agent.
        public var caughtRate: [Double]
    }

    public var agents: [String]
    public var bands: [Band]

    /// Plays `agents` with `seeds` on every scenario of `fixtures` (scenario fixtures: their tier is used).
    public static func measure(_ fixtures: [Fixture], seeds: [UInt64], agents: [AgentSpec] = [.truthBlind, .expert]) throws -> ScenarioDifficulty {
        let names = fixtures.first.map { first in agents.map { $0.makeAgent(fixture: first, seed: 0).id } } ?? []
        var sums: [Int: (scenarios: Int, episodes: Int, composite: [Double], caught: [Int])] = [:]
        for fixture in fixtures {
            let band = (max(fixture.tier, 1) - 1) / 20
            var entry = sums[band] ?? (0, 0, Array(repeating: 0, count: agents.count), Array(repeating: 0, count: agents.count))
            entry.scenarios += 1
            for seed in seeds {
                entry.episodes += 1
                for (index, spec) in agents.enumerated() {
                    var agent = spec.makeAgent(fixture: fixture, seed: seed)
                    let card = try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent).score
                    entry.composite[index] += card.composite
                    if card.outcome == fixture.answerKey.outcome.caught { entry.caught[index] += 1 }
                }
            }
            sums[band] = entry
        }
        let bands = sums.keys.sorted().map { band -> Band in
            let entry = sums[band]!
            let n = Double(max(entry.episodes, 1))
            return Band(
                tiers: (band * 20 + 1)...(band * 20 + 20), scenarios: entry.scenarios, episodes: entry.episodes,
                meanComposite: entry.composite.map { ($0 / n * 100).rounded() / 100 }, caughtRate: entry.caught.map { (Double($0) / n * 1000).rounded() / 1000 }
            )
        }
        return ScenarioDifficulty(agents: names, bands: bands)
    }

    /// The table: a line per tier band, each agent's mean composite and caught rate.
    public var text: String {
        var lines = ["tiers     scenarios  episodes" + agents.map { "  " + $0.padding(toLength: 22, withPad: " ", startingAt: 0) }.joined()]
        for band in bands {
            let label = "\(band.tiers.lowerBound)–\(band.tiers.upperBound)".padding(toLength: 8, withPad: " ", startingAt: 0)
            var line = label + String(format: "%11d %9d", band.scenarios, band.episodes)
            for index in agents.indices {
                line +=
                    "  "
                    + String(format: "%+7.2f, caught %3.0f %%", band.meanComposite[index], band.caughtRate[index] * 100).padding(
                        toLength: 22, withPad: " ", startingAt: 0)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
