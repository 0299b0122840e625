import Foundation
import MedGym
import TraceStore

/// Why a fork could not be made.
public enum ForkError: Error, CustomStringConvertible, Sendable, Hashable {
    case stepOutOfRange(episode: String, step: Int, valid: String)
    case unknownAction(ActionResolutionError)
    case agentNotReplayable(agent: String, reason: String)

    public var description: String {
        switch self {
        case .stepOutOfRange(let episode, let step, let valid):
            "--at \(step) is out of range for \(episode): valid steps are \(valid)"
        case .unknownAction(let error):
            error.description
        case .agentNotReplayable(let agent, let reason):
            "--continue agent needs a built-in or scripted agent it can re-run; this episode was played by '\(agent)' (\(reason)); use --continue original, expert or none"
        }
    }
}
