import Foundation

/// Scripted strategies that try to earn reward without giving good care,
/// each with the ceiling or floor an emergency physician would sign. Shipped
/// as data (`Resources/adversarial/<fixture>.json`) and run by
/// `medgym fixtures lint` and the test suite.
public struct AdversarialStrategies: Sendable, Hashable, Codable {
    public var fixture: String
    public var strategies: [AdversarialStrategy]
}

/// One exploit attempt and what it must (not) earn.
public struct AdversarialStrategy: Sendable, Hashable, Codable {
    public var id: String
    public var description: String
    /// What an emergency physician would say of the plan.
    public var clinician: String
    /// The whole plan, or nil when it is the expert's plan edited (`expert_with`).
    public var actions: [String]?
    /// The expert's plan with actions inserted or its ending replaced: the
    /// class of "good care plus one thing" strategies.
    public var expertWith: ExpertEdit?
    public var expect: StrategyExpectation

    /// The action texts played against `fixture`.
    public func plan(for fixture: Fixture) -> [String] {
        if let actions { return actions }
        var plan = fixture.policies.expert
        guard let edit = expertWith else { return plan }
        if let insert = edit.insert {
            let at = min(max(edit.insertAt ?? plan.count - 1, 0), plan.count)
            plan.insert(contentsOf: insert, at: at)
        }
        if let ending = edit.replaceLast {
            plan = Array(plan.dropLast(edit.dropLast ?? 1)) + ending
        }
        return plan
    }
}

/// An edit of the expert's plan: actions inserted before position
/// `insert_at` (default: before the disposition), and/or its last
/// `drop_last` actions (default 1) replaced by `replace_last`.
public struct ExpertEdit: Sendable, Hashable, Codable {
    public var insertAt: Int?
    public var insert: [String]?
    public var replaceLast: [String]?
    public var dropLast: Int?
}

/// Bounds a strategy's score must respect. Absent fields are not checked.
public struct StrategyExpectation: Sendable, Hashable, Codable {
    /// Composite at most this.
    public var maxComposite: Double?
    /// Composite below the anchoring agent's on the same seed.
    public var belowAnchoring: Bool?
    /// Composite at least this (for plans that are good care).
    public var minComposite: Double?
    /// The outcome label must be / must not be.
    public var outcome: String?
    public var outcomeNot: String?
    /// Harm level at least this.
    public var minHarm: HarmLevel?
    /// The patient dies in the ED (`dies_in_ed`: spelt so that the snake-case decoding finds it).
    public var diesInEd: Bool?
    /// A harm item with this key is scored.
    public var harmItem: String?
    /// Survival points at most this.
    public var maxSurvival: Double?
    /// Composite at least this many points below the expert's on the same seed.
    public var belowExpertBy: Double?
    /// Composite at most this many points below the expert's on the same seed (sound alternatives).
    public var withinExpert: Double?
}

/// One strategy's result against its expectation.
public struct StrategyResult: Sendable, Hashable {
    public var fixture: String
    public var strategy: AdversarialStrategy
    public var seed: UInt64
    public var score: ScoreCard
    public var anchoring: Double
    public var expert: Double
    /// Every bound broken; empty when the strategy is held.
    public var violations: [String]
}

public enum AdversarialSuite {
    /// Strategies from JSON in memory; `fixtureID` names the file in errors.
    public static func decode(_ json: Data, fixtureID: String) throws -> AdversarialStrategies {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try CanonicalJSON.treeDecode(AdversarialStrategies.self, from: json, keys: .fromSnakeCase)
                ?? decoder.decode(AdversarialStrategies.self, from: json)
        } catch {
            throw FixtureError(file: "adversarial/\(fixtureID).json", field: "", problem: "\(error)")
        }
    }

    /// The seeds every strategy is played at.
    public static let seeds: [UInt64] = [1, 7, 42]

    /// Plays every strategy at each seed and checks its bounds.
    public static func run(
        _ suite: AdversarialStrategies, fixture: Fixture, resolver: ActionResolver, seeds: [UInt64] = AdversarialSuite.seeds
    ) throws -> [StrategyResult] {
        let runner = EpisodeRunner(fixture: fixture, resolver: resolver)
        var results: [StrategyResult] = []
        for seed in seeds {
            var anchoringAgent = AnchoringAgent(fixture: fixture, resolver: resolver)
            let anchoring = try runner.run(seed: seed, agent: &anchoringAgent).score.composite
            var expertAgent = ExpertAgent(fixture: fixture, resolver: resolver)
            let expert = try runner.run(seed: seed, agent: &expertAgent).score.composite
            for strategy in suite.strategies {
                var agent = ScriptedAgent(id: "adversarial:\(strategy.id)", actions: strategy.plan(for: fixture))
                let episode: Episode
                do {
                    episode = try runner.run(seed: seed, agent: &agent)
                } catch {
                    throw FixtureError(file: "adversarial/\(fixture.id).json", field: "strategies[\(strategy.id)].actions", problem: "\(error)")
                }
                results.append(
                    StrategyResult(
                        fixture: fixture.id, strategy: strategy, seed: seed, score: episode.score,
                        anchoring: anchoring, expert: expert,
                        violations: violations(strategy.expect, episode.score, anchoring: anchoring, expert: expert)))
            }
        }
        return results
    }

    static func violations(_ e: StrategyExpectation, _ s: ScoreCard, anchoring: Double, expert: Double) -> [String] {
        var broken: [String] = []
        if let by = e.belowExpertBy, s.composite > expert - by {
            broken.append("composite \(s.composite.plain) not \(by.plain) below the expert's \(expert.plain)")
        }
        if let within = e.withinExpert, s.composite < expert - within {
            broken.append("composite \(s.composite.plain) more than \(within.plain) below the expert's \(expert.plain)")
        }
        if let max = e.maxComposite, s.composite > max { broken.append("composite \(s.composite.plain) above the ceiling \(max.plain)") }
        if let min = e.minComposite, s.composite < min { broken.append("composite \(s.composite.plain) below the floor \(min.plain)") }
        if e.belowAnchoring == true, s.composite >= anchoring {
            broken.append("composite \(s.composite.plain) not below the anchoring agent's \(anchoring.plain)")
        }
        if let outcome = e.outcome, s.outcome != outcome { broken.append("outcome \(s.outcome), expected \(outcome)") }
        if let not = e.outcomeNot, s.outcome == not { broken.append("outcome \(s.outcome) must not be earned") }
        if let level = e.minHarm, s.harmLevel < level { broken.append("harm level \(s.harmLevel.rawValue), expected at least \(level.rawValue)") }
        if e.diesInEd == true, s.fate?.status != .diedInED { broken.append("patient did not die in the ED (\(s.fate?.status.rawValue ?? "?"))") }
        if let key = e.harmItem, !s.items.contains(where: { $0.dimension == .harm && $0.key == key }) {
            broken.append("no harm item \(key)")
        }
        if let max = e.maxSurvival, s.points(.survival) > max { broken.append("survival \(s.points(.survival).plain) above \(max.plain)") }
        return broken
    }
}
