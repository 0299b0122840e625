import Foundation
import MedGym
import Replay
import TraceStore

/// An episode's analyses: its post-mortem, its sweep, the training rows it yields.
extension ViewerAPI {
    // MARK: GET /api/episodes/:id/postmortem, /sweep, /training

    /// `replay postmortem --format json`: the decisive step, what was missed, the critical steps.
    func postmortem(_ id: String) async throws -> Data {
        try await gate.analysis("postmortem/" + id) { store in
            try Self.served(id) { try CanonicalJSON.data(PostmortemBuilder(forker: Forker(store: store)).build(id, jobs: Self.jobs)) }
        }
    }

    /// `replay sweep --json` (the answer key's actions at every step, the recorded agent carrying on):
    /// the regret per step the page charts.
    func sweep(_ id: String) async throws -> Data {
        try await gate.analysis("sweep/" + id) { store in
            try Self.served(id) {
                try CanonicalJSON.data(Sweeper(forker: Forker(store: store)).sweep(id, candidates: .key, continuation: .original, jobs: Self.jobs))
            }
        }
    }

    /// The training rows the episode yields, as `replay export corpus` writes them: `{"rlvr": [...],
    /// "grpo": [...], "sft": [...]}` (each row the exported JSON object).
    func training(_ id: String) async throws -> Data {
        try await gate.analysis("training/" + id) { store in
            let rows = try Self.served(id) { try CorpusExporter(forker: Forker(store: store), jobs: Self.jobs).rows(id) }
            var body = Data("{".utf8)
            for (index, (name, lines)) in [("grpo", rows.grpo), ("rlvr", rows.rlvr), ("sft", rows.sft)].enumerated() {
                body += Data(((index > 0 ? "," : "") + "\"\(name)\":[" + lines.joined(separator: ",") + "]").utf8)
            }
            return body + Data("}".utf8)
        }
    }

    static var jobs: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `body`, with an unknown episode a 404 naming the nearest and any other refusal a 409 saying why.
    static func served<T>(_ id: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            if case .unknownEpisode(_, _, let suggestions) = error {
                throw ViewerError(status: 404, message: "no episode '\(id)' in this store", suggestions: suggestions)
            }
            throw ViewerError(status: 409, message: "\(error)")
        } catch let error as ViewerError {
            throw error
        } catch {
            throw ViewerError(status: 409, message: "\(error)")
        }
    }
}
