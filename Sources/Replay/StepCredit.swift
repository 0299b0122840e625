import Foundation
import MedGym

/// The episode's score shared out over its steps, so that the step rewards
/// sum exactly to the composite. Each scored answer-key item goes to the
/// step that earned or lost it: a workup, red-flag, communication or
/// documentation item to the first step taking one of its actions, a harm
/// to the step of the harmful action, the disposition to the disposition
/// step. What no single step earned (survival, cost, efficiency, an item
/// missed altogether) goes to the last step, which also carries the rounding.
public struct StepCredit: Sendable, Hashable, Encodable {
    public var step: Int
    public var reward: Double
    public var components: [Component]
    /// The last step: it carries what the episode as a whole earned.
    public var terminal: Bool

    /// One scored item credited to the step.
    public struct Component: Sendable, Hashable, Encodable {
        public var key: String
        public var dimension: MedGym.Dimension
        public var description: String
        public var points: Double
    }

    /// Credits per step, in step order, for the steps given (step number and the action it took).
    public static func attribute(score: ScoreCard, fixture: Fixture, steps: [(step: Int, action: String?)],
                                 catalog: ActionCatalog = .shipped) -> [StepCredit] {
        guard let last = steps.last?.step else { return [] }
        var actionsByKey: [String: [String]] = [:]
        for item in fixture.answerKey.items { actionsByKey[item.id] = item.actions }
        for harm in fixture.answerKey.harmful { actionsByKey[harm.id] = harm.actions }
        let dispositionStep = steps.first { $0.action.flatMap { catalog[$0]?.kind } == .disposition }?.step
        var credits = steps.map { StepCredit(step: $0.step, reward: 0, components: [], terminal: $0.step == last) }
        func index(of step: Int) -> Int { credits.firstIndex { $0.step == step } ?? credits.count - 1 }
        for item in score.items where item.points != 0 {
            var target = last
            if item.key == "disposition", let dispositionStep {
                target = dispositionStep
            } else if let actions = actionsByKey[item.key], let first = steps.first(where: { $0.action.map(actions.contains) ?? false }) {
                target = first.step
            } else if item.key.hasPrefix("ignored_contraindication.") || item.key.hasPrefix("over_ceiling.") {
                let action = String(item.key.split(separator: ".", maxSplits: 1).last ?? "")
                target = steps.first { $0.action == action }?.step ?? last
            }
            let i = index(of: target)
            credits[i].components.append(Component(key: item.key, dimension: item.dimension, description: item.description, points: item.points))
        }
        var total = 0.0
        for i in credits.indices where !credits[i].terminal {
            credits[i].reward = round2(credits[i].components.reduce(0) { $0 + $1.points })
            total += credits[i].reward
        }
        let terminal = credits.count - 1
        credits[terminal].reward = round2(score.composite - total)
        return credits
    }
}
