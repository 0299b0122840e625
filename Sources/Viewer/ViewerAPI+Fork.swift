import Foundation
import MedGym
import Replay
import TraceStore

/// Forks made from the page.
extension ViewerAPI {
    // MARK: POST /api/fork

    /// Forks a stored episode at a step with another action (the page's counterfactual panel); saved
    /// into the store only when the server was started with saving allowed.
    func fork(_ body: Data) async throws -> Data {
        let request: ForkRequest
        do {
            request = try JSONDecoder().decode(ForkRequest.self, from: body)
        } catch {
            throw ViewerError.badRequest("the body is not {\"episode\": …, \"step\": …, \"action\": …, \"continuation\"?: …, \"save\"?: …}")
        }
        if request.save == true, !options.allowSave {
            throw ViewerError(status: 403, message: "saving forks is off: start the viewer with --allow-save to save them")
        }
        var continuation: ForkContinuation?
        if let name = request.continuation, !name.isEmpty {
            guard let chosen = ForkContinuation(rawValue: name) else {
                throw ViewerError.badRequest("continuation '\(name)' is unknown", suggestions: ForkContinuation.allCases.map(\.rawValue))
            }
            continuation = chosen
        }
        let chosen = continuation
        return try await gate.read { store in
            let forker = Forker(store: store)
            do {
                let how = try chosen ?? Forker.defaultContinuation(forAgent: store.header(request.episode).agent).0
                let fork = try forker.fork(request.episode, at: request.step, action: request.action, continuation: how)
                let saved = request.save == true ? try forker.save(fork, createdAt: CreatedAt.now()).header.episodeID : nil
                return try CanonicalJSON.data(ForkReport.document(fork, savedAs: saved))
            } catch let error as ForkError {
                throw ViewerError.badRequest("\(error)")
            } catch let error as StoreError {
                if case .unknownEpisode(_, _, let suggestions) = error {
                    throw ViewerError(status: 404, message: "no episode '\(request.episode)' in this store", suggestions: suggestions)
                }
                throw ViewerError(status: 409, message: "\(error)")
            }
        }
    }
}
