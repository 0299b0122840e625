import Foundation
import MedGym
import TraceStore

/// Measures `replay export corpus`: a store of `episodes` episodes (expert
/// and anchoring over the shipped fixtures, the demo's agent mix) exported
/// into a temp folder with `jobs` threads for the sweeps. One round: the
/// export is long, and its rate does not swing like the short figures.
public struct CorpusBenchmark {
    public let episodes: Int
    public let jobs: Int

    public init(episodes: Int, jobs: Int = 2) {
        self.episodes = episodes
        self.jobs = jobs
    }

    public func run() throws -> [SimulationBenchmark.Figure] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("medgym-corpus-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try TraceStore(path: folder.appendingPathComponent("store.sqlite").path)
        let fixtures = try FixtureLoader.shipped()
        let seeds = UInt64(max(1, (episodes + 2 * fixtures.count - 1) / (2 * fixtures.count)))
        _ = try BatchRecorder(fixtures: fixtures, seeds: 1...seeds, agents: [.expert, .anchoring], jobs: jobs)
            .run(into: store, createdAt: { "bench" })
        let ids = Array(try store.episodeIDs().prefix(episodes))
        let writer = CorpusWriter(
            exporter: CorpusExporter(forker: Forker(store: store), jobs: jobs), wave: "bench",
            folder: folder.appendingPathComponent("corpus"))
        var manifest: CorpusWriter.Manifest?
        let elapsed = try ContinuousClock().measure { manifest = try writer.write(ids) }.seconds
        let rows = (manifest?.counts.values.reduce(0, +)) ?? 0
        let detail =
            "replay export corpus of \(ids.count) episodes (expert and anchoring over \(fixtures.count) fixtures), \(manifest?.counts["rlvr"] ?? 0) RLVR + \(manifest?.counts["grpo"] ?? 0) GRPO + \(manifest?.counts["sft"] ?? 0) SFT rows, \(jobs) workers (one episode each, on its own connection), one round"
        return [
            .init(name: "corpus_rows_per_second", value: Double(rows) / elapsed, unit: "rows/s", detail: detail),
            .init(name: "corpus_episodes_per_second", value: Double(ids.count) / elapsed, unit: "episodes/s", detail: detail),
        ]
    }
}
