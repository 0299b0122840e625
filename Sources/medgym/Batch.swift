import ArgumentParser
import Foundation
import MedGym
import TraceStore

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record many episodes: every fixture matching the patterns × every seed × every agent, one transaction each.")

    @Option(help: "Comma-separated fixture names or glob patterns (e.g. 'adv_*').")
    var fixtures: String = "*"

    @Option(help: "Seeds, e.g. 1-100 or 42.")
    var seeds: String = "1-10"

    @Option(help: "Comma-separated agents: expert, anchoring, random, script:FILE.")
    var agent: String = "expert"

    @OptionGroup var recording: RecordingOptions

    func run() throws {
        do {
            let seeds = try SeedRange.parse(seeds)
            let fixtures = try FixtureSelection.matching(fixtures.split(separator: ",").map(String.init))
            let specs = try agent.split(separator: ",").map {
                try AgentSpec.parse(String($0)) { try String(contentsOfFile: $0, encoding: .utf8) }
            }
            let store = try recording.openStore()
            var groups: [(name: String, composites: [Double], outcomes: [String])] = []
            for fixture in fixtures {
                let recorder = EpisodeRecorder(fixture: fixture, invalidActions: recording.invalidActionPolicy)
                for spec in specs {
                    var composites: [Double] = []
                    var outcomes: [String] = []
                    var agentID = ""
                    for seed in seeds {
                        var agent = spec.makeAgent(fixture: fixture, seed: seed)
                        agentID = agent.id
                        let recorded = try recorder.record(seed: seed, agent: &agent, label: recording.label, createdAt: CreatedAt.now())
                        try store?.save(recorded)
                        composites.append(recorded.score.composite)
                        outcomes.append(recorded.score.outcome)
                    }
                    groups.append(("\(fixture.id) × \(agentID)", composites, outcomes))
                }
            }
            for group in groups {
                let mean = group.composites.reduce(0, +) / Double(max(group.composites.count, 1))
                var counts: [(String, Int)] = []
                for outcome in group.outcomes {
                    if let i = counts.firstIndex(where: { $0.0 == outcome }) { counts[i].1 += 1 } else { counts.append((outcome, 1)) }
                }
                let outcomes = counts.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
                print("\(group.name): \(group.composites.count) episodes, mean composite \(EpisodeFormatter.signed((mean * 100).rounded() / 100)), \(outcomes)")
            }
            if let store { print("recorded into \(store.path)") }
        } catch {
            throw fail(error)
        }
    }
}

/// Shipped fixtures by name or glob.
enum FixtureSelection {
    static func matching(_ patterns: [String]) throws -> [Fixture] {
        let names = FixtureLoader.shippedNames()
        var chosen: [String] = []
        for pattern in patterns {
            let hits = names.filter { fnmatch(pattern, $0, 0) == 0 }
            guard !hits.isEmpty else {
                throw ValidationError("no shipped fixture matches '\(pattern)'; shipped: \(names.joined(separator: ", "))")
            }
            for hit in hits where !chosen.contains(hit) { chosen.append(hit) }
        }
        return try chosen.map { try FixtureLoader.fixture(named: $0) }
    }
}
