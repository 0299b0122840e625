import Foundation
import MedGym

/// The per-step reward, one definition for `medgym serve` and the RLVR
/// corpus. The potential of a state is the composite the episode would score
/// if it ended there (``Scorer/score(_:)``); a step's reward is the change in
/// potential it caused, and the last step also carries the potential of the
/// arrival state, so the rewards of an episode sum exactly to its composite.
/// The components are the same change per dimension.
public struct StepReward: Sendable, Hashable, Encodable {
    public var reward: Double
    public var components: [Component]
    /// The last step: it also carries the arrival state's potential.
    public var terminal: Bool

    /// One dimension's change in potential.
    public struct Component: Sendable, Hashable, Encodable {
        public var dimension: ScoreDimension
        public var before: Double
        public var after: Double
        public var delta: Double
    }

    /// The reward of a step that took the potential from `before` to `after`.
    public static func step(before: ScoreCard, after: ScoreCard, arrival: ScoreCard, terminal: Bool) -> StepReward {
        var reward = round2(after.composite - before.composite)
        if terminal { reward = round2(reward + arrival.composite) }
        let components = ScoreDimension.allCases.compactMap { d -> Component? in
            let (b, a) = (before.points(d), after.points(d))
            return a == b ? nil : Component(dimension: d, before: b, after: a, delta: round2(a - b))
        }
        return StepReward(reward: reward, components: components, terminal: terminal)
    }

    /// Rewards for a whole episode from its potentials: `cards[0]` at arrival, `cards[k]` after step k.
    /// The last reward absorbs rounding, so the sum is the final composite exactly.
    public static func episode(_ cards: [ScoreCard]) -> [StepReward] {
        guard cards.count > 1 else { return [] }
        var rewards = (1..<cards.count).map { k in
            step(before: cards[k - 1], after: cards[k], arrival: cards[0], terminal: k == cards.count - 1)
        }
        let others = rewards.dropLast().reduce(0) { $0 + $1.reward }
        rewards[rewards.count - 1].reward = round2(cards[cards.count - 1].composite - others)
        return rewards
    }
}
