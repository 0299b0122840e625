import Foundation
import MedGym
import TraceStore

/// How a fork goes on after its alternate action.
public enum ForkContinuation: String, Sendable, Hashable, Codable, CaseIterable {
    /// The original agent's later actions where still valid (not a repeat of
    /// the alternate action), then its disposition.
    case original
    /// The expert policy from there, skipping what was already done.
    case expert
    /// No further action: the clock runs to the time limit.
    case none
    /// The recorded agent's own policy, re-run from the new state (built-in
    /// and scripted agents).
    case agent

    /// What comparing two arms under this continuation measures.
    public var measures: String {
        switch self {
        case .original: "the recorded agent's later actions replayed after each action (what this agent would have done next, unchanged)"
        case .expert: "the expert's plan from step N on after each action: the action's value when care afterwards is right"
        case .none: "no further action after each action: the action's value on its own"
        case .agent: "the recorded agent's policy re-run from each new state: what this agent would have gone on to do"
        }
    }
}
