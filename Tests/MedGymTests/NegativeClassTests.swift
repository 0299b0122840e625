import Testing

@testable import MedGym
@testable import MedGymCore

/// The first negative-class archetype: low-risk chest pain by the HEART pathway. The right care is
/// a focused work-up (ECG within 10 minutes, hs-troponin at 0 and 3 h, the HEART history and risk
/// factors, the chest-wall examination) and discharge with return advice; over-testing,
/// over-treating and needless admission lose points.
struct NegativeClassTests {
    static let name = "neg_low_risk_chest_pain"
    static let seeds: [UInt64] = [1, 7, 42]

    func play(_ fixture: Fixture, _ spec: AgentSpec, seed: UInt64) throws -> Episode {
        var agent = spec.makeAgent(fixture: fixture, seed: seed)
        return try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent)
    }

    func play(_ fixture: Fixture, _ actions: [String], seed: UInt64) throws -> Episode {
        var agent = ScriptedAgent(id: "test", actions: actions)
        return try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent)
    }

    @Test func theFixtureIsANegativeClassCardiologyCase() throws {
        let fixture = try FixtureLoader.fixture(named: Self.name)
        #expect(fixture.specialty == "cardiology" && fixture.tier == 40)
        #expect(fixture.course.ratePerMin == 0 && fixture.course.findings.isEmpty)
        #expect(fixture.answerKey.disposition.accepted == ["discharge_home"])
        #expect(fixture.answerKey.outcome.confirms == ["troponin"])
        let archetype = try ScenarioCatalog.archetype(named: "low_risk_chest_pain")
        #expect(archetype.negativeClass && archetype.base == Self.name && archetype.variants == 10)
        // Every source is named; none claims a section read that was not.
        for citation in FixtureLint.citations(of: fixture) {
            #expect(!citation.guideline.isEmpty && !citation.section.isEmpty && citation.verified == false, "\(citation)")
        }
    }

    /// The focused pathway ending in discharge: +75 or more, caught (ruled out by the troponin), no harm.
    @Test func theExpertWorksUpAndDischarges() throws {
        let fixture = try FixtureLoader.fixture(named: Self.name)
        for seed in Self.seeds {
            let episode = try play(fixture, .expert, seed: seed)
            let card = episode.score
            #expect(card.composite >= 75 && card.outcome == "caught_low_risk", "seed \(seed): \(card.composite) \(card.outcome)")
            #expect(card.harmLevel == .none && episode.finalState.disposition == "discharge_home")
            // Both troponins were drawn, at least 2 h apart, and both results came back before discharge.
            let troponins = episode.finalState.actions.filter { $0.actionID == "troponin" }.map(\.minute)
            #expect(troponins.count == 2 && troponins[1] - troponins[0] >= 120, "\(troponins)")
            #expect(episode.finalState.results.filter { $0.actionID == "troponin" }.count == 2)
        }
    }

    @Test(arguments: [1, 50, 100])
    func theExpertHoldsAcrossTiersAndVariants(tier: Int) throws {
        for variant in [0, 3] {
            let fixture = try FixtureLoader.fixture(named: "low_risk_chest_pain/t\(tier)/v\(variant)")
            for seed in Self.seeds {
                let card = try play(fixture, .expert, seed: seed).score
                #expect(card.composite >= 75 && card.outcome == "caught_low_risk", "\(fixture.id) seed \(seed): \(card.composite) \(card.outcome)")
            }
        }
    }

    /// "CT everything and admit" (D-dimer, CT angiography, CT abdomen, heparin, observation) scores at
    /// least 25 points below the focused plan, with harm.
    @Test func ctEverythingAndAdmitLosesToTheFocusedPlan() throws {
        let fixture = try FixtureLoader.fixture(named: Self.name)
        for seed in Self.seeds {
            let expert = try play(fixture, .expert, seed: seed).score
            let anchored = try play(fixture, .anchoring, seed: seed).score
            #expect(anchored.composite <= expert.composite - 25, "seed \(seed): \(anchored.composite) vs \(expert.composite)")
            #expect(anchored.harmLevel >= .high && anchored.points(.harm) < 0)
            for key in ["cta_chest_without_indication", "ct_abdomen_without_indication", "unindicated.heparin", "heparin_without_acs"] {
                #expect(anchored.items.contains { $0.dimension == .harm && $0.key == key }, "\(key)")
            }
            #expect(anchored.points(.disposition) < expert.points(.disposition) && anchored.points(.cost) < expert.points(.cost))
        }
    }

    /// Every shipped strategy holds its ceiling at seeds 1, 7 and 42, and lint passes over this fixture.
    @Test func theAdversarialStrategiesHoldTheirCeilings() throws {
        let fixture = try FixtureLoader.fixture(named: Self.name)
        let suite = try #require(try AdversarialSuite.shipped(for: Self.name))
        #expect(suite.strategies.count >= 5)
        #expect(suite.strategies.allSatisfy { !$0.clinician.isEmpty })
        let results = try AdversarialSuite.run(suite, fixture: fixture)
        #expect(results.count == suite.strategies.count * AdversarialSuite.seeds.count)
        for result in results {
            #expect(result.violations.isEmpty, "\(result.strategy.id) seed \(result.seed): \(result.violations)")
            if result.strategy.id != "one_troponin_then_home" && result.strategy.id != "work_up_then_admit" {
                #expect(result.score.composite <= result.expert - 10, "\(result.strategy.id) seed \(result.seed)")
            }
        }
        let lint = try FixtureLint.check([fixture], seeds: 1...5)
        #expect(lint.passed, "\(lint.text)")
    }

    /// A duplicate order costs again and earns nothing twice: the ECG or the CT angiogram ordered twice
    /// adds its charge, no answer-key points, and (for the CT) the same harm once.
    @Test func aDuplicateOrderCostsAndEarnsNothingTwice() throws {
        let fixture = try FixtureLoader.fixture(named: Self.name)
        let catalog = ActionCatalog.shipped
        let expertPlan = fixture.policies.expert
        let withCTA = Array(expertPlan.prefix(10)) + ["CTA chest"] + Array(expertPlan.dropFirst(10))
        let twice: [(once: [String], again: [String], id: String)] = [
            (expertPlan, Array(expertPlan.prefix(1)) + ["repeat ECG"] + Array(expertPlan.dropFirst(1)), "ecg"),
            (withCTA, Array(withCTA.prefix(11)) + ["CTA chest"] + Array(withCTA.dropFirst(11)), "cta_chest"),
        ]
        for (once, again, id) in twice {
            for seed in Self.seeds {
                let one = try play(fixture, once, seed: seed)
                let two = try play(fixture, again, seed: seed)
                #expect(two.finalState.actions.filter { $0.actionID == id }.count == 2)
                #expect(two.finalState.totalCost == one.finalState.totalCost + (catalog[id]?.cost ?? 0), "\(id) seed \(seed)")
                for dimension in [ScoreDimension.workup, .redFlag, .communication, .documentation, .harm] {
                    #expect(two.score.points(dimension) == one.score.points(dimension), "\(id) seed \(seed): \(dimension)")
                }
                #expect(two.score.composite <= one.score.composite, "\(id) seed \(seed)")
                let harms = two.score.items.filter { $0.dimension == .harm && $0.key == "cta_chest_without_indication" }
                #expect(harms.count == (id == "cta_chest" ? 1 : 0))
            }
        }
    }
}
