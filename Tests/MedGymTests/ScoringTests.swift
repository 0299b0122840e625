import Testing

@testable import MedGym
@testable import MedGymCore

struct ScoringTests {
    static let names = ["adv_aaa_30min", "adv_cocaine_dissection", "adv_pediatric_dka"]

    func play(_ name: String, _ spec: AgentSpec, seed: UInt64 = 42) throws -> Episode {
        let fixture = try FixtureLoader.fixture(named: name)
        var agent = spec.makeAgent(fixture: fixture, seed: seed)
        return try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent)
    }

    @Test(arguments: names)
    func expertScoresAtLeast80(name: String) throws {
        for seed: UInt64 in [1, 42, 999] {
            let card = try play(name, .expert, seed: seed).score
            #expect(card.composite >= 80, "\(name) seed \(seed): \(card.composite)")
            #expect(card.outcome.hasPrefix("caught_"))
            #expect(card.harmLevel == .none)
        }
    }

    /// A step's potential is scored without item details (the env server scores every step): its
    /// points, composite, outcome and harm level are those of the full card, at every state of the
    /// expert's, the anchored agent's and a random agent's episodes, repeats and harms included; and
    /// scored step by step with a memo (re-reading only the items still open), with details or
    /// without, the cards are those scored afresh.
    @Test(arguments: names)
    func scoringWithoutDetailsGivesTheSamePoints(name: String) throws {
        let fixture = try FixtureLoader.fixture(named: name)
        let full = Scorer(fixture: fixture, catalog: .shipped)
        var brief = full
        brief.details = false
        var random = RandomStream(seed: 7, purpose: "scoring.details.test")
        let catalog = ActionCatalog.shipped.actions.map(\.id)
        let randomPlans = (0..<4).map { _ in (0..<40).map { _ in catalog[random.next(below: catalog.count)] } }
        let plans = [fixture.policies.expert, fixture.policies.anchoring] + randomPlans
        for (index, plan) in plans.enumerated() {
            var env = Environment(fixture: fixture, resolver: .shipped, seed: UInt64(index + 1))
            var (fullMemo, briefMemo) = (ScoreMemo(), ScoreMemo())
            for text in plan + plan.prefix(3) where env.state.isRunning {
                _ = try? env.step(text)
                let (a, b) = (full.score(env.state), brief.score(env.state))
                #expect(a.composite == b.composite && a.dimensions == b.dimensions, "\(name) plan \(index) at \(text)")
                #expect(a.outcome == b.outcome && a.harmLevel == b.harmLevel && a.items.map(\.points) == b.items.map(\.points))
                #expect(full.score(env.state, memo: &fullMemo) == a, "\(name) plan \(index) at \(text): memo with details")
                #expect(brief.score(env.state, memo: &briefMemo) == b, "\(name) plan \(index) at \(text): memo without details")
            }
        }
    }

    /// The anchored agent closes early on the red herring; where its own
    /// routine happens to show the truth (the AAA's stone CT) it acts on it,
    /// late: still far below the expert, and harmful.
    @Test(arguments: names)
    func anchoringScoresFarBelowTheExpertAndHarms(name: String) throws {
        let expert = try play(name, .expert).score
        let card = try play(name, .anchoring).score
        #expect(card.composite <= expert.composite - 40, "\(name): \(card.composite)")
        #expect(card.points(.redFlag) < expert.points(.redFlag))
        #expect(card.harmLevel >= .high)
        if name != "adv_aaa_30min" {
            #expect(card.points(.redFlag) < 0)
            #expect(card.points(.survival) < expert.points(.survival))
        }
    }

    @Test func demoAnchoringRunMissesTheDissection() throws {
        let episode = try play("adv_cocaine_dissection", .anchoring)
        #expect(episode.score.outcome == "missed_aad")
        #expect(episode.steps.count == 28)
        #expect(episode.steps[12].result.events.first?.minute == 32)
        #expect(episode.finalState.disposition == "admit_observation")
        #expect(!episode.finalState.did("cta_chest"))
    }

    @Test func heparinInDissectionCostsHarmPoints() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var actions = fixture.policies.expert
        actions.insert("heparin drip", at: 3)
        var agent = ScriptedAgent(id: "test", actions: actions)
        let card = try EpisodeRunner(fixture: fixture).run(seed: 42, agent: &agent).score
        #expect(card.points(.harm) <= -15)
        #expect(card.harmLevel >= .high)
        // The catalog's danger, read by the one safety rule, not a fixture list.
        #expect(card.items.contains { $0.key == "ignored_contraindication.heparin" && $0.points == -15 && $0.source.guideline.contains("Heparin") })
    }

    @Test func everyItemNamesASource() throws {
        for name in Self.names {
            let card = try play(name, .expert).score
            #expect(card.dimensions.map(\.dimension) == ScoreDimension.allCases)
            for item in card.items { #expect(!item.source.guideline.isEmpty && !item.source.section.isEmpty) }
        }
    }
}
