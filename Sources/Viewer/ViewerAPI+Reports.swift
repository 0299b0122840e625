import Foundation
import MedGym
import Replay
import TraceStore

/// The reports over many episodes: a diff of two model versions, the leaderboard.
extension ViewerAPI {
    // MARK: GET /api/diff, GET /api/leaderboard

    /// `replay diff` as JSON: two model versions (labels, else agents) on the same patients, each
    /// regression with its episodes, where the runs part and the decisive step.
    func diff(_ p: [String: String]) async throws -> Data {
        try Self.only(["baseline", "candidate", "fixtures"], in: p)
        guard let baseline = p["baseline"], !baseline.isEmpty, let candidate = p["candidate"], !candidate.isEmpty else {
            throw ViewerError.badRequest("give baseline and candidate (a label, else an agent): /api/diff?baseline=expert&candidate=anchoring")
        }
        return try await gate.read { store in
            do {
                return try CanonicalJSON.data(
                    ModelDiff.build(
                        forker: Forker(store: store), baseline: baseline, candidate: candidate,
                        fixtures: EpisodeSelection.patterns(p["fixtures"]), jobs: ProcessInfo.processInfo.activeProcessorCount))
            } catch let error as ViewerError {
                throw error
            } catch {
                throw ViewerError.badRequest("\(error)")
            }
        }
    }

    /// `medgym leaderboard --json`: each group's figures per fixture (or archetype, specialty, tier band) and overall.
    func leaderboard(_ p: [String: String]) async throws -> Data {
        try Self.only(["fixtures", "by"], in: p)
        var grouping = Leaderboard.Grouping.fixture
        if let by = p["by"], !by.isEmpty {
            guard let chosen = Leaderboard.Grouping(rawValue: by) else {
                throw ViewerError.badRequest("by '\(by)' is not a grouping", suggestions: Leaderboard.Grouping.allCases.map(\.rawValue))
            }
            grouping = chosen
        }
        let (patterns, by) = (EpisodeSelection.patterns(p["fixtures"]), grouping)
        return try await gate.read { store in
            try CanonicalJSON.data(
                Leaderboard.build(store: store, fixtures: patterns, by: by, jobs: ProcessInfo.processInfo.activeProcessorCount))
        }
    }

    /// A 400 for any parameter not in `known`.
    static func only(_ known: [String], in p: [String: String]) throws(ViewerError) {
        for name in p.keys.sorted() where !known.contains(name) {
            throw .badRequest("unknown parameter '\(name)'", suggestions: known)
        }
    }
}
