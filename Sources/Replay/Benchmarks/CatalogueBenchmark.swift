import Foundation
import MedGym
import TraceStore

/// Measures the scenario catalogue played once by the expert: every scenario
/// (archetype × tier × variant) made from its archetype and played with seed
/// 1, without a store and then recorded into a new file store with `jobs`
/// workers. One round each: the catalogue is long.
public struct CatalogueBenchmark {
    public let jobs: Int
    /// At most this many scenarios (the catalogue in id order); nil: all.
    public let limit: Int?

    public init(jobs: Int = 2, limit: Int? = nil) {
        self.jobs = jobs
        self.limit = limit
    }

    public func run() throws -> [SimulationBenchmark.Figure] {
        let clock = ContinuousClock()
        var made: [Fixture] = []
        let making = try clock.measure {
            var all = try ScenarioCatalog.scenarios().map(\.fixture)
            if let limit { all = Array(all.prefix(limit)) }
            made = all
        }.seconds
        let scenarios = made.count
        var caught = 0
        let playing = try clock.measure {
            for fixture in made {
                var agent = AgentSpec.expert.makeAgent(fixture: fixture, seed: 1)
                if try EpisodeRunner(fixture: fixture).run(seed: 1, agent: &agent).score.outcome.hasPrefix("caught_") { caught += 1 }
            }
        }.seconds
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("medgym-catalogue-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try TraceStore(path: folder.appendingPathComponent("store.sqlite").path)
        let recording = try clock.measure {
            _ = try BatchRecorder(fixtures: made, seeds: 1...1, agents: [.expert], jobs: jobs).run(into: store, createdAt: { "bench" })
        }.seconds
        let what = "the expert once (seed 1) on each of \(scenarios) scenarios; \(caught) caught"
        return [
            .init(
                name: "catalogue_scenarios_made_per_second", value: Double(scenarios) / making, unit: "scenarios/s",
                detail: "every scenario's fixture made from its archetype (tier and variant transformations) and validated, one round"),
            .init(name: "catalogue_scenarios_per_second", value: Double(scenarios) / playing, unit: "scenarios/s", detail: what + ", no store, one round"),
            .init(
                name: "catalogue_recorded_per_second", value: Double(scenarios) / recording, unit: "scenarios/s",
                detail: what + ", recorded into a new file store, \(jobs) workers, one round"),
        ]
    }
}
