import Foundation
import MedGym
import TraceStore

/// A preference pair for training from one fork: the same state (the
/// observation at step N), the same seed, two actions each followed by the
/// same continuation; the higher-reward action first (TRL's `chosen`).
public struct PreferencePair: Sendable, Hashable, Codable {
    public var episodeID: String
    public var fixture: String
    public var seed: UInt64
    public var step: Int
    public var prompt: Observation
    public var continuation: ForkContinuation
    public var chosen: String
    public var rejected: String
    public var chosenAction: String?
    public var rejectedAction: String?
    public var chosenReward: Double
    public var rejectedReward: Double

    /// The pair, or why there is none: a tie carries no preference, and a
    /// pair whose better-scoring action is contraindicated is never emitted.
    static func make(
        episodeID: String, fixture: String, seed: UInt64, step: Int, prompt: Observation,
        continuation: ForkContinuation,
        alternate: (text: String, action: String?, reward: Double, contraindication: String?),
        recorded: (text: String, action: String?, reward: Double, contraindication: String?)
    ) -> PairOutcome {
        if alternate.reward == recorded.reward {
            return PairOutcome(pair: nil, note: "tie at \(alternate.reward): no preference")
        }
        let altWins = alternate.reward > recorded.reward
        let (win, lose) = altWins ? (alternate, recorded) : (recorded, alternate)
        if let reason = win.contraindication {
            return PairOutcome(pair: nil, note: "withheld: the higher-scoring \"\(win.text)\" is contraindicated here (\(reason))")
        }
        return PairOutcome(
            pair: PreferencePair(
                episodeID: episodeID, fixture: fixture, seed: seed, step: step, prompt: prompt, continuation: continuation,
                chosen: win.text, rejected: lose.text, chosenAction: win.action, rejectedAction: lose.action,
                chosenReward: win.reward, rejectedReward: lose.reward), note: nil)
    }
}

/// A fork's preference pair, or the reason it has none.
public struct PairOutcome: Sendable, Hashable, Codable {
    public var pair: PreferencePair?
    public var note: String?
}

func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
