/// Lints every archetype across its tiers: each archetype at tiers 1, 50 and
/// 100 and at variants 0, a middle one and the last, with seeds 1 and 7. On
/// every scenario the expert survives, catches the diagnosis and scores at
/// least +75; the truth-blind protocol agent, the anchoring agent and the
/// random agent score below it; and every adversarial strategy of the base
/// fixture holds its ceiling (at seeds 1, 7 and 42). The base fixtures
/// themselves are linted by ``FixtureLint``.
public enum ScenarioLint {
    public static let tiers = [1, 50, 100]
    public static let seeds: [UInt64] = [1, 7]
    /// The expert's floor on every scenario.
    public static let expertFloor = 75.0

    public static func check(_ archetypes: [Archetype]) throws -> FixtureLint.Report {
        var lines: [String] = []
        var passed = true
        for archetype in archetypes {
            let variants = Array(Set([0, archetype.variants / 2, archetype.variants - 1])).sorted()
            let ids = tiers.flatMap { tier in variants.map { ScenarioID(archetype: archetype.archetype, tier: tier, variant: $0) } }
            let fixtures = try ScenarioCatalog.fixtures(ids)
            let suite = try AdversarialSuite.shipped(for: archetype.base)
            var problems: [String] = []
            var worstExpert = Double.infinity
            var bestOther = -Double.infinity
            var strategyRuns = 0
            for id in ids {
                let fixture = fixtures[id]!
                let runner = EpisodeRunner(fixture: fixture)
                for seed in seeds {
                    var expert = AgentSpec.expert.makeAgent(fixture: fixture, seed: seed)
                    let card = try runner.run(seed: seed, agent: &expert).score
                    worstExpert = min(worstExpert, card.composite)
                    if card.composite < expertFloor || card.outcome != fixture.answerKey.outcome.caught {
                        problems.append("\(id) seed \(seed): the expert scores \(card.composite.plain) (\(card.outcome)); it must catch and score ≥ +75")
                    }
                    for spec in [AgentSpec.truthBlind, .anchoring, .random] {
                        var agent = spec.makeAgent(fixture: fixture, seed: seed)
                        let other = try runner.run(seed: seed, agent: &agent).score.composite
                        bestOther = max(bestOther, other)
                        if other >= card.composite {
                            problems.append("\(id) seed \(seed): the \(agent.id) agent scores \(other.plain), not below the expert's \(card.composite.plain)")
                        }
                    }
                }
                if let suite {
                    for result in try AdversarialSuite.run(suite, fixture: fixture) {
                        strategyRuns += 1
                        if !result.violations.isEmpty {
                            problems.append(
                                "\(id) seed \(result.seed): strategy \(result.strategy.id) broke its ceiling: \(result.violations.joined(separator: "; "))")
                        }
                    }
                }
            }
            passed = passed && problems.isEmpty
            lines.append(
                "\(problems.isEmpty ? "ok  " : "FAIL") \(archetype.archetype): \(ids.count) scenarios (tiers \(tiers.map(String.init).joined(separator: ", ")), "
                    + "variants \(variants.map(String.init).joined(separator: ", "))), expert ≥ \(worstExpert.plain), protocol/anchoring/random ≤ \(bestOther.plain), "
                    + "\(strategyRuns) adversarial runs")
            lines += problems.map { "       " + $0 }
        }
        lines.append(passed ? "\(archetypes.count) archetypes valid across their tiers" : "scenario lint failed")
        return FixtureLint.Report(passed: passed, text: lines.joined(separator: "\n"))
    }
}
