import Testing

@testable import MedGym
@testable import MedGymCore

/// The patient dies of what is done to him, drugs wear off and saturate,
/// outcomes are judged after the ED, and labels mean what a clinician means.
struct ClosedLoopTests {
    func play(_ name: String, _ actions: [String], seed: UInt64 = 42) throws -> Episode {
        try playScript(name, actions, seed: seed)
    }

    @Test func betaBlockerToAFlatLineKillsAndIsCalledIatrogenic() throws {
        let episode = try play("adv_cocaine_dissection", ["IV access"] + Array(repeating: "esmolol IV", count: 8))
        #expect(!episode.finalState.alive)
        #expect(episode.finalState.deathCause?.iatrogenic == true)
        #expect(episode.score.fate?.status == .diedInED)
        #expect(episode.score.items.contains { $0.key == "iatrogenic_death" && $0.points < 0 })
        #expect(episode.score.harmLevel == .critical)
    }

    @Test func loweringThePressureOfARuptureKills() throws {
        let episode = try play("adv_aaa_30min", ["IV access", "esmolol IV", "esmolol IV", "nitroglycerin", "morphine IV"])
        #expect(!episode.finalState.alive)
        #expect(episode.score.harmLevel == .critical)
    }

    @Test func gcsFollowsPerfusion() throws {
        // A MAP this low can never show a patient fully awake.
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var env = Environment(fixture: fixture, seed: 42)
        var lowest = Double.infinity
        var checked = 0
        for text in ["IV access", "esmolol IV", "esmolol IV", "nitroglycerin", "morphine IV"] + Array(repeating: "observe and reassess", count: 10) {
            guard env.state.isRunning else { break }
            _ = try env.step(text)
            guard env.state.alive else { continue }
            lowest = min(lowest, env.state.vitals.map)
            // Under a MAP of 50 the brain is underperfused: the patient is never fully awake.
            if env.state.vitals.map < 50 {
                checked += 1
                #expect(env.state.vitals.gcs < 14, "MAP \(env.state.vitals.map) with GCS \(env.state.vitals.gcs)")
            }
        }
        // The check ran: the sequence does drive a living patient's MAP under 50.
        #expect(checked > 0, "lowest MAP while alive: \(lowest)")
    }

    @Test func sedativesDepressBreathingAndStopAtTheCeiling() throws {
        var env = Environment(fixture: try FixtureLoader.fixture(named: "adv_cocaine_dissection"), seed: 42)
        for text in ["IV access", "lorazepam 2 mg IV", "wait", "wait"] { _ = try env.step(text) }
        #expect(env.state.vitals.rr > 14 && env.state.vitals.gcs >= 13)
        #expect(env.state.injury.overCeiling.isEmpty)
        let ten = try play("adv_cocaine_dissection", ["IV access"] + Array(repeating: "lorazepam 2 mg IV", count: 10))
        #expect(ten.score.items.contains { $0.key == "over_ceiling.lorazepam" })
        #expect(!ten.finalState.alive || ten.finalState.injury.minutesIatrogenicHypoxaemia > 0)
    }

    @Test func bolusEffectsWearOffAndSaturate() throws {
        let catalog = ActionCatalog.shipped
        let dose = Dose(action: "ns_bolus", minute: 0, effect: VitalsOffset(["sbp": 8]), rateMultiplier: nil, rateAdd: nil)
        let peak = DrugEffects.at(10, doses: [dose], catalog: catalog).offset.sbp
        let later = DrugEffects.at(130, doses: [dose], catalog: catalog).offset.sbp
        #expect(abs(peak - 8) < 0.01 && later < 1.5)
        let twelve = Array(repeating: dose, count: 12)
        #expect(DrugEffects.at(10, doses: twelve, catalog: catalog).offset.sbp < 2 * 8 + 0.01)
        #expect(DrugEffects.at(10, doses: twelve, catalog: catalog).volumeMlPerKg == 120)
    }

    @Test func potassiumPushedFastStopsTheHeart() throws {
        let episode = try play(
            "adv_pediatric_dka",
            ["IV access"] + Array(repeating: "IV potassium replacement", count: 10)
                + Array(repeating: "wait", count: 12))
        #expect(!episode.finalState.alive)
        #expect(episode.finalState.deathCause?.text.contains("hyperkalaemic") == true)
    }

    @Test func fluidOverloadInAChildIsHarm() throws {
        let episode = try play("adv_pediatric_dka", ["IV access"] + Array(repeating: "0.9% saline bolus", count: 12))
        #expect(episode.score.items.contains { $0.key == "fluid_overload" })
        #expect(episode.score.harmLevel >= .high)
    }

    @Test func orderingIsNotCatching() throws {
        let home = try play("adv_cocaine_dissection", ["CTA chest", "wait", "wait", "wait", "discharge home"])
        #expect(home.score.outcome == "missed_aad")
        #expect(home.score.harmLevel == .critical)
        #expect(home.score.items.contains { $0.key == "unsafe_disposition" })
        let early = try play("adv_cocaine_dissection", ["CTA chest", "admit to observation"])
        #expect(early.score.outcome == "missed_aad")
    }

    @Test func theatreNeedsADiagnosisAndASurgeon() throws {
        let first = try play("adv_cocaine_dissection", ["emergency surgery"])
        #expect(first.finalState.disposition == nil)
        #expect(first.steps[0].result.observation.response?.contains("declined") == true)
        #expect(first.score.outcome != "caught_aad")
    }

    @Test func survivalIsJudgedAfterTheEDByDisposition() throws {
        let expert = try FixtureLoader.fixture(named: "adv_cocaine_dissection").policies.expert
        var lysed = expert
        lysed.insert(contentsOf: ["aspirin", "heparin", "alteplase"], at: 3)  // after the IV lines
        let good = try play("adv_cocaine_dissection", expert).score
        let bad = try play("adv_cocaine_dissection", lysed).score
        #expect(bad.points(.survival) < good.points(.survival) - 10)
        let dka = try play("adv_pediatric_dka", ["insulin infusion", "discharge home"]).score
        #expect(dka.points(.survival) <= 15)
        #expect(dka.fate?.course == "home")
    }

    @Test func outOfOrderCommunicationEarnsNothing() throws {
        let card = try play("adv_cocaine_dissection", ["update family", "document note", "SBAR handoff", "CTA chest", "emergency surgery"]).score
        #expect(card.items.first { $0.key == "family_informed" }?.points == 0)
        #expect(card.items.first { $0.key == "ed_note" }?.points == 0)
        // Surgery is a procedure, not a disposition: the encounter ends with the patient still waiting.
        #expect(card.points(.disposition) == -(card.dimensions.first { $0.dimension == .disposition }?.max ?? 0))
    }

    @Test func fateIsDeterministicAndFollowsTheSeed() throws {
        let a = try play("adv_aaa_30min", try FixtureLoader.fixture(named: "adv_aaa_30min").policies.expert, seed: 7).score
        let b = try play("adv_aaa_30min", try FixtureLoader.fixture(named: "adv_aaa_30min").policies.expert, seed: 7).score
        #expect(a == b)
        #expect(a.fate?.mortality ?? 0 >= 0.36)
    }

    /// Every shipped strategy stays under the ceiling a clinician signed.
    @Test(arguments: ["adv_aaa_30min", "adv_cocaine_dissection", "adv_pediatric_dka"])
    func adversarialStrategiesAreHeld(name: String) throws {
        let fixture = try FixtureLoader.fixture(named: name)
        let suite = try #require(try AdversarialSuite.shipped(for: name))
        #expect(suite.strategies.count >= 10)
        for result in try AdversarialSuite.run(suite, fixture: fixture) {
            #expect(result.violations.isEmpty, "\(name) \(result.strategy.id): \(result.violations)")
        }
    }
}
