/// Plays each fixture with the expert and the anchoring policy over a range
/// of seeds and checks that the expert always wins.
public enum FixtureLint {
    public struct Report: Sendable {
        public var passed: Bool
        public var text: String
    }

    public static func check(_ fixtures: [Fixture], seeds: ClosedRange<UInt64>) throws -> Report {
        var lines: [String] = []
        var passed = true
        for fixture in fixtures {
            let runner = EpisodeRunner(fixture: fixture)
            var worstExpert = Double.infinity
            var bestAnchoring = -Double.infinity
            for seed in seeds {
                var expert = AgentSpec.expert.makeAgent(fixture: fixture, seed: seed)
                var anchoring = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: seed)
                worstExpert = min(worstExpert, try runner.run(seed: seed, agent: &expert).score.composite)
                bestAnchoring = max(bestAnchoring, try runner.run(seed: seed, agent: &anchoring).score.composite)
            }
            let ok = worstExpert > bestAnchoring
            passed = passed && ok
            let unverified = citations(of: fixture).filter { $0.verified == false }.count
            lines.append(
                "\(ok ? "ok  " : "FAIL") \(fixture.id): expert ≥ \(worstExpert.plain), anchoring ≤ \(bestAnchoring.plain) over seeds \(seeds.lowerBound)-\(seeds.upperBound)"
                    + " · \(citations(of: fixture).count) citations (\(unverified) sections unverified)")
            if let suite = try AdversarialSuite.shipped(for: fixture.id) {
                let results = try AdversarialSuite.run(suite, fixture: fixture)
                let held = results.filter { $0.violations.isEmpty }.count
                passed = passed && held == results.count
                let seeds = AdversarialSuite.seeds.map(String.init).joined(separator: ", ")
                lines.append("     adversarial: \(held)/\(results.count) strategy runs held, \(suite.strategies.count) strategies at seeds \(seeds)")
                for strategy in suite.strategies {
                    let runs = results.filter { $0.strategy.id == strategy.id }
                    let broken = runs.filter { !$0.violations.isEmpty }
                    let scores = runs.map {
                        "\($0.seed): \($0.score.composite.plain) \($0.score.outcome) \($0.score.harmLevel.rawValue) (expert \($0.expert.plain))"
                    }
                    lines.append(
                        "       \(broken.isEmpty ? "held" : "BROKEN") \(strategy.id): " + scores.joined(separator: " · ")
                            + (broken.isEmpty
                                ? "" : " — " + broken.map { "seed \($0.seed): " + $0.violations.joined(separator: "; ") }.joined(separator: " | ")))
                }
            }
        }
        lines.append(passed ? "\(fixtures.count) fixtures valid" : "lint failed")
        return Report(passed: passed, text: lines.joined(separator: "\n"))
    }

    static func citations(of fixture: Fixture) -> [Citation] {
        let key = fixture.answerKey
        return [key.outcome.source, key.survival.source, key.disposition.source, key.cost.source, key.efficiency.source]
            + key.items.map(\.source) + key.harmful.map(\.source) + key.postEd.courses.map(\.source)
            + key.postEd.courses.flatMap { ($0.adjustments ?? []).map(\.source) } + fixture.admission.map(\.source)
    }
}
