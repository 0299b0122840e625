/// Plays each fixture with the expert and the anchoring policy over a range
/// of seeds and checks that the expert always wins.
public enum FixtureLint {
    public struct Report: Sendable {
        public var passed: Bool
        public var text: String
    }

    /// The expert's floor on every seed (the issue's "survives and scores ≥ +75").
    public static let expertFloor = 75.0

    /// A fixture to lint, with the file it came from and its adversarial strategies (and their file).
    public struct Subject: Sendable {
        public var fixture: Fixture
        public var file: String
        public var adversarial: (suite: AdversarialStrategies, file: String)?

        public init(fixture: Fixture, file: String, adversarial: (suite: AdversarialStrategies, file: String)?) {
            self.fixture = fixture
            self.file = file
            self.adversarial = adversarial
        }
    }

    /// Shipped fixtures, each with its shipped strategies.
    public static func check(_ fixtures: [Fixture], seeds: ClosedRange<UInt64>) throws -> Report {
        try check(
            fixtures.map { fixture in
                Subject(
                    fixture: fixture, file: "archetypes/\(fixture.id).json",
                    adversarial: try AdversarialSuite.shipped(for: fixture.id).map { ($0, "adversarial/\(fixture.id).json") })
            }, seeds: seeds)
    }

    public static func check(_ subjects: [Subject], seeds: ClosedRange<UInt64>) throws -> Report {
        var lines: [String] = []
        var passed = true
        for subject in subjects {
            let fixture = subject.fixture
            let runner = EpisodeRunner(fixture: fixture)
            var worstExpert = Double.infinity
            var bestAnchoring = -Double.infinity
            var expertProblems: [String] = []
            for seed in seeds {
                var expert = AgentSpec.expert.makeAgent(fixture: fixture, seed: seed)
                var anchoring = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: seed)
                let played = try runner.run(seed: seed, agent: &expert)
                let card = played.score
                worstExpert = min(worstExpert, card.composite)
                bestAnchoring = max(bestAnchoring, try runner.run(seed: seed, agent: &anchoring).score.composite)
                if !played.finalState.alive, expertProblems.isEmpty {
                    expertProblems.append(
                        "\(subject.file): field 'policies.expert': the expert's plan lets the patient die at seed \(seed) (minute \(played.finalState.deathMinute ?? 0): \(played.finalState.deathCause?.text ?? "cardiac arrest")); the plan must survive on every seed"
                    )
                } else if card.composite < expertFloor, expertProblems.isEmpty {
                    expertProblems.append(
                        "\(subject.file): field 'policies.expert': the expert scores \(card.composite.plain) at seed \(seed), below +\(Int(expertFloor)); fix the plan or the key"
                    )
                }
            }
            let ok = worstExpert > bestAnchoring && expertProblems.isEmpty
            passed = passed && ok
            let unverified = citations(of: fixture).filter { $0.verified == false }.count
            lines.append(
                "\(ok ? "ok  " : "FAIL") \(fixture.id): expert ≥ \(worstExpert.plain), anchoring ≤ \(bestAnchoring.plain) over seeds \(seeds.lowerBound)-\(seeds.upperBound)"
                    + " · \(citations(of: fixture).count) citations (\(unverified) sections unverified)")
            for problem in expertProblems { lines.append("     \(problem)") }
            if worstExpert <= bestAnchoring {
                lines.append(
                    "     \(subject.file): field 'policies.anchoring': the anchoring plan scores \(bestAnchoring.plain), not below the expert's \(worstExpert.plain)"
                )
            }
            if let (suite, suiteFile) = subject.adversarial {
                let results = try AdversarialSuite.run(suite, fixture: fixture)
                let held = results.filter { $0.violations.isEmpty }.count
                passed = passed && held == results.count
                let seeds = AdversarialSuite.seeds.map(String.init).joined(separator: ", ")
                lines.append("     adversarial: \(held)/\(results.count) strategy runs held, \(suite.strategies.count) strategies at seeds \(seeds)")
                for (index, strategy) in suite.strategies.enumerated() {
                    let runs = results.filter { $0.strategy.id == strategy.id }
                    let broken = runs.filter { !$0.violations.isEmpty }
                    let scores = runs.map {
                        "\($0.seed): \($0.score.composite.plain) \($0.score.outcome) \($0.score.harmLevel.rawValue) (expert \($0.expert.plain))"
                    }
                    lines.append(
                        "       \(broken.isEmpty ? "held" : "BROKEN") \(strategy.id): " + scores.joined(separator: " · ")
                            + (broken.isEmpty
                                ? ""
                                : " — \(suiteFile): field 'strategies[\(index)].expect': "
                                    + broken.map { "seed \($0.seed): " + $0.violations.joined(separator: "; ") }.joined(separator: " | ")))
                }
            }
        }
        lines.append(passed ? "\(subjects.count) fixtures valid" : "lint failed")
        return Report(passed: passed, text: lines.joined(separator: "\n"))
    }

    static func citations(of fixture: Fixture) -> [Citation] {
        let key = fixture.answerKey
        return [key.outcome.source, key.survival.source, key.disposition.source, key.cost.source, key.efficiency.source]
            + key.items.map(\.source) + key.harmful.map(\.source) + key.postEd.courses.map(\.source)
            + key.postEd.courses.flatMap { ($0.adjustments ?? []).map(\.source) } + fixture.admission.map(\.source)
    }
}
