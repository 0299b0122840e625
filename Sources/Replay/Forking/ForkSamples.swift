import Foundation
import MedGym
import TraceStore

/// The on-policy draws of a fork (``Forker/samples(_:at:action:count:)``):
/// each draw's two arms, and the mean and spread of the Δ.
public struct ForkSamples: Sendable, Hashable, Codable {
    /// One draw of the recorded agent, continuing both arms.
    public struct Draw: Sendable, Hashable, Codable {
        public var sample: Int
        public var recorded: Double
        public var counterfactual: Double
        public var recordedOutcome: String
        public var counterfactualOutcome: String
        public var delta: Double { round2(counterfactual - recorded) }
    }

    public var draws: [Draw]

    /// Mean Δ over the draws.
    public var meanDelta: Double { round2(draws.map(\.delta).reduce(0, +) / Double(max(draws.count, 1))) }

    /// Sample standard deviation of the Δ (0 for one draw).
    public var spread: Double {
        guard draws.count > 1 else { return 0 }
        let mean = draws.map(\.delta).reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0.delta - mean) * ($0.delta - mean) }.reduce(0, +) / Double(draws.count - 1)
        return round2(variance.squareRoot())
    }
}
