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
    public var actions: [String]
    public var expect: StrategyExpectation
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
    /// The patient dies in the ED.
    public var diesInED: Bool?
    /// A harm item with this key is scored.
    public var harmItem: String?
    /// Survival points at most this.
    public var maxSurvival: Double?
}

/// One strategy's result against its expectation.
public struct StrategyResult: Sendable, Hashable {
    public var fixture: String
    public var strategy: AdversarialStrategy
    public var score: ScoreCard
    public var anchoring: Double
    /// Every bound broken; empty when the strategy is held.
    public var violations: [String]
}

public enum AdversarialSuite {
    /// The shipped strategies for a fixture, or nil when it has none.
    public static func shipped(for fixtureID: String) throws -> AdversarialStrategies? {
        guard let url = Bundle.module.url(forResource: fixtureID, withExtension: "json", subdirectory: "adversarial") else {
            return nil
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(AdversarialStrategies.self, from: Data(contentsOf: url))
        } catch {
            throw FixtureError(file: "adversarial/\(fixtureID).json", field: "", problem: "\(error)")
        }
    }

    /// Plays every strategy at `seed` and checks its bounds.
    public static func run(_ suite: AdversarialStrategies, fixture: Fixture, seed: UInt64 = 42) throws -> [StrategyResult] {
        let runner = EpisodeRunner(fixture: fixture)
        var anchoringAgent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: seed)
        let anchoring = try runner.run(seed: seed, agent: &anchoringAgent).score.composite
        return try suite.strategies.map { strategy in
            var agent = ScriptedAgent(id: "adversarial:\(strategy.id)", actions: strategy.actions)
            let episode: Episode
            do {
                episode = try runner.run(seed: seed, agent: &agent)
            } catch {
                throw FixtureError(file: "adversarial/\(fixture.id).json", field: "strategies[\(strategy.id)].actions", problem: "\(error)")
            }
            return StrategyResult(fixture: fixture.id, strategy: strategy, score: episode.score, anchoring: anchoring,
                                  violations: violations(strategy.expect, episode.score, anchoring: anchoring))
        }
    }

    static func violations(_ e: StrategyExpectation, _ s: ScoreCard, anchoring: Double) -> [String] {
        var broken: [String] = []
        if let max = e.maxComposite, s.composite > max { broken.append("composite \(s.composite.plain) above the ceiling \(max.plain)") }
        if let min = e.minComposite, s.composite < min { broken.append("composite \(s.composite.plain) below the floor \(min.plain)") }
        if e.belowAnchoring == true, s.composite >= anchoring {
            broken.append("composite \(s.composite.plain) not below the anchoring agent's \(anchoring.plain)")
        }
        if let outcome = e.outcome, s.outcome != outcome { broken.append("outcome \(s.outcome), expected \(outcome)") }
        if let not = e.outcomeNot, s.outcome == not { broken.append("outcome \(s.outcome) must not be earned") }
        if let level = e.minHarm, s.harmLevel < level { broken.append("harm level \(s.harmLevel.rawValue), expected at least \(level.rawValue)") }
        if e.diesInED == true, s.fate?.status != .diedInED { broken.append("patient did not die in the ED (\(s.fate?.status.rawValue ?? "?"))") }
        if let key = e.harmItem, !s.items.contains(where: { $0.dimension == .harm && $0.key == key }) {
            broken.append("no harm item \(key)")
        }
        if let max = e.maxSurvival, s.points(.survival) > max { broken.append("survival \(s.points(.survival).plain) above \(max.plain)") }
        return broken
    }
}
