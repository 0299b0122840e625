import Foundation
import Testing

@testable import MedGym
@testable import MedGymCore

/// Simulation 4: labs read from the state at the draw, harm from one rule
/// over the catalog's indications and dangers, pace from the physiology
/// reached, and a hospital that behaves like one.
struct SimulatedPatientTests {
    func play(_ name: String, _ actions: [String], seed: UInt64 = 42) throws -> Episode {
        try playScript(name, actions, seed: seed)
    }

    func expert(_ name: String, seed: UInt64 = 42) throws -> Episode {
        let fixture = try FixtureLoader.fixture(named: name)
        var agent = AgentSpec.expert.makeAgent(fixture: fixture, seed: seed)
        return try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent)
    }

    /// A number after `label` in the last result text of `action`.
    func results(_ episode: Episode, _ action: String) -> [String] {
        let arrived: [ArrivedResult] = episode.steps.flatMap { $0.result.observation.results }
        return arrived.filter { $0.action == action }.map(\.text)
    }

    func lastResult(_ episode: Episode, _ action: String, _ label: String) -> Double? {
        let texts = results(episode, action)
        guard let text = texts.last, let range = text.range(of: label) else { return nil }
        let number = text[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber || $0 == "." }
        return Double(number)
    }

    /// VBGs drawn every 30 minutes over four hours after `treatment`.
    func serialGases(_ treatment: [String]) throws -> Episode {
        try play("adv_pediatric_dka", ["IV access"] + treatment + Array(repeating: ["venous blood gas", "wait", "wait"], count: 6).flatMap { $0 })
    }

    @Test func repeatedLabsTrackTheHiddenState() throws {
        let untreated = try serialGases([])
        let insulinOnly = try serialGases(["normal saline bolus 10 ml/kg over 20 minutes", "insulin infusion 0.1 units/kg/h"])
        let replaced = try serialGases([
            "normal saline bolus 10 ml/kg over 20 minutes", "potassium chloride", "maintenance fluids with potassium",
            "insulin infusion 0.1 units/kg/h",
        ])
        let gases = [untreated, insulinOnly, replaced].map { results($0, "vbg") }
        #expect(gases.allSatisfy { $0.count >= 4 })  // six draws; on insulin alone she arrests before the fifth
        // Each result reports its own sample: repeated gases differ from the first.
        #expect(Set(gases[1]).count >= 4)
        let kUntreated = try #require(lastResult(untreated, "vbg", "K "))
        let kInsulin = try #require(lastResult(insulinOnly, "vbg", "K "))
        let kReplaced = try #require(lastResult(replaced, "vbg", "K "))
        let glucoseUntreated = try #require(lastResult(untreated, "vbg", "glucose "))
        let glucoseInsulin = try #require(lastResult(insulinOnly, "vbg", "glucose "))
        let phUntreated = try #require(lastResult(untreated, "vbg", "pH "))
        let phReplaced = try #require(lastResult(replaced, "vbg", "pH "))
        #expect(kInsulin < 2.8, "insulin without potassium drives K down (K \(kInsulin))")
        #expect(kReplaced >= 3.2, "correct replacement holds K (K \(kReplaced))")
        #expect(abs(kUntreated - 3.2) < 0.3, "untreated K holds near arrival (K \(kUntreated))")
        #expect(glucoseInsulin < 420, "insulin lowers glucose (\(glucoseInsulin))")
        #expect(glucoseUntreated >= 520, "untreated glucose keeps rising")
        #expect(phReplaced > phUntreated, "insulin clears ketones: pH recovers (\(phReplaced) vs \(phUntreated))")
    }

    @Test func unindicatedHighRiskActionsAddedToExpertCareCost() throws {
        let cases: [(String, Int, String)] = [
            ("adv_pediatric_dka", 10, "heparin"), ("adv_pediatric_dka", 10, "nitroglycerin"),
            ("adv_pediatric_dka", 10, "norepinephrine"), ("adv_pediatric_dka", 10, "ketorolac"),
            ("adv_cocaine_dissection", 4, "insulin bolus"), ("adv_cocaine_dissection", 4, "potassium chloride"),
            ("adv_cocaine_dissection", 4, "sodium bicarbonate"), ("adv_cocaine_dissection", 4, "norepinephrine"),
            ("adv_aaa_30min", 3, "norepinephrine"), ("adv_aaa_30min", 3, "esmolol"),
        ]
        for (name, at, action) in cases {
            let fixture = try FixtureLoader.fixture(named: name)
            let reference = try expert(name).score
            var plan = fixture.policies.expert
            plan.insert(action, at: at)
            let score = try play(name, plan).score
            #expect(score.composite <= reference.composite - 15, "\(name) + \(action): \(score.composite) vs \(reference.composite)")
            #expect(score.harmLevel > reference.harmLevel, "\(name) + \(action): harm \(score.harmLevel)")
        }
    }

    @Test func intubatingTheDKAChildRemovesHerCompensation() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_pediatric_dka")
        var env = Environment(fixture: fixture, seed: 42)
        _ = try env.step("IV access")
        let before = try #require(env.labValue("ph"))
        let result = try env.step("intubate")
        #expect(result.observation.warnings.contains { $0.contains("respiratory compensation") })
        #expect(env.state.ventilated)
        if env.state.alive {
            #expect(env.state.vitals.rr == Physiology.ventilatorRate)
            #expect(try #require(env.labValue("ph")) < before - 0.25)
        }
        let episode = try play("adv_pediatric_dka", fixture.policies.expert.prefix(17) + ["intubate"] + fixture.policies.expert.dropFirst(17))
        #expect(episode.score.harmLevel == .critical)
    }

    @Test func pressorDrivenHypertensionSpeedsTheDissection() throws {
        let waits = Array(repeating: "wait", count: 16)
        let untreated = try play("adv_cocaine_dissection", ["IV access"] + waits)
        let pushed = try play("adv_cocaine_dissection", ["IV access", "norepinephrine"] + waits)
        let untreatedDeath = try #require(untreated.finalState.deathMinute)
        let pushedDeath = try #require(pushed.finalState.deathMinute)
        #expect(pushedDeath < untreatedDeath - 20, "pressor \(pushedDeath) vs untreated \(untreatedDeath)")
    }

    @Test func bloodBuysTimeInARupture() throws {
        let waits = Array(repeating: "wait", count: 9)
        let none = try play("adv_aaa_30min", ["IV access"] + waits).finalState
        let blood = try play("adv_aaa_30min", ["IV access", "activate massive transfusion protocol"] + waits).finalState
        let noneDeath = try #require(none.deathMinute)
        #expect((blood.deathMinute ?? 999) > noneDeath)
    }

    @Test func ivDrugsNeedAccessAndTheRefusalSaysWhy() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var env = Environment(fixture: fixture, seed: 42)
        let refused = try env.step("esmolol")
        #expect(refused.observation.response?.contains("missing: iv_access") == true)
        #expect(env.state.doses.isEmpty)
        _ = try env.step("IV access")
        _ = try env.step("esmolol")
        #expect(env.state.doses.contains { $0.action == "esmolol" })
    }

    @Test func transferNeedsAnAcceptingConsultantAndIsUnsafeWhenUnstable() throws {
        let early = try play("adv_aaa_30min", ["IV access", "bedside ultrasound aorta", "transfer to another hospital"])
        #expect(early.steps.contains { $0.result.observation.response?.contains("transfer to another hospital declined") == true })
        #expect(early.finalState.disposition == nil)
        let unstable = try play(
            "adv_aaa_30min",
            [
                "IV access", "bedside ultrasound aorta", "call vascular surgery", "wait",
                "transfer to another hospital",
            ])
        #expect(unstable.finalState.disposition == "transfer")
        #expect(unstable.score.harmLevel >= .moderate)
        #expect(unstable.score.items.contains { $0.key == "ignored_contraindication.transfer" })
    }

    @Test func consentIsTheSurgeonsAndNotesCiteOnlyArrivedResults() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var env = Environment(fixture: fixture, seed: 42)
        let consent = try env.step("obtain consent")
        #expect(consent.observation.response?.contains("operating surgeon") == true)
        _ = try env.step("IV access")
        _ = try env.step("call vascular surgery")
        var notes: [String] = []
        for _ in 0..<3 where env.state.isRunning {
            notes += try env.step("wait").observation.results.filter { $0.action == "consult_vascular_surgery" }.map(\.text)
        }
        #expect(notes.count == 1 && !(notes.first ?? "").contains("reviewed the imaging"))
    }

    @Test func aDeclinedDispositionIsNotDone() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_pediatric_dka")
        var env = Environment(fixture: fixture, seed: 42)
        for text in [
            "IV access", "fingerstick glucose", "ketones", "venous blood gas", "normal saline bolus 10 ml/kg over 20 minutes",
            "potassium chloride", "call PICU",
        ] {
            _ = try env.step(text)
        }
        // Asked before the fellow has come, the PICU declines, saying what is missing.
        let declined = try env.step("admit to PICU")
        #expect(declined.observation.response?.contains("declined") == true)
        #expect(declined.observation.response?.contains("missing: the result of consult_picu") == true)
        #expect(env.state.isRunning)
        // The expert taking over does not count the declined request as done: it waits and asks again.
        var agent = ExpertAgent(fixture: fixture, skipping: env.state.actions.map(\.actionID))
        var observation = declined.observation
        while env.state.isRunning, let text = agent.act(on: observation) {
            observation = try env.step(text).observation
        }
        #expect(env.state.disposition == "admit_icu")
        #expect(Scorer(fixture: fixture).score(env.state).outcome == "caught_dka")
    }

    @Test func labelsSayWhatHappened() throws {
        // A CTA-proven dissection never dispositioned is confirmed, not missed.
        let confirmed = try play(
            "adv_cocaine_dissection",
            ["IV access", "esmolol infusion", "esmolol infusion", "CTA chest"]
                + Array(repeating: "wait", count: 20))
        #expect(confirmed.score.outcome == "confirmed_aad" || confirmed.score.outcome == "death")
        // Proven and sent home: no points for cheap and fast.
        let home = try play("adv_cocaine_dissection", ["12-lead ECG", "IV access", "CTA chest", "wait", "wait", "wait", "wait", "discharge home"])
        #expect(home.score.points(.cost) == 0 && home.score.points(.efficiency) == 0)
        #expect(home.score.harmLevel == .critical)
    }

    @Test func oneRuleDecidesHarmForEveryAction() throws {
        // Whatever the environment warns of when an action is given is what contraindication() reports before it.
        for name in ["adv_pediatric_dka", "adv_cocaine_dissection", "adv_aaa_30min"] {
            let fixture = try FixtureLoader.fixture(named: name)
            var env = Environment(fixture: fixture, seed: 7)
            _ = try env.step("IV access")
            for action in ActionCatalog.shipped.actions where action.kind == .medication || action.kind == .procedure {
                var probe = env
                let before = env.contraindication(of: action)
                let step = try probe.step(action: action, text: action.name)
                let warned = probe.state.warnings.contains { $0.step == probe.state.step && $0.severity >= .moderate }
                #expect(!warned || before != nil, "\(name) \(action.id): warned \(step.observation.warnings) but contraindication() said nothing")
            }
        }
    }

    /// Every predicate in the catalog names something the state has: a typo would silently never hold.
    @Test func catalogRisksNameRealState() throws {
        let catalog = ActionCatalog.shipped
        let classes = Set(catalog.actions.compactMap { $0.pk?.drugClass })
        let vitals = Vitals.fieldNames + ["map", "shock_index"]
        let conditions = [
            "aortic_dissection", "haemorrhage", "dka", "hypovolaemia", "acs", "stemi", "venous_thrombosis",
            "arterial_occlusion", "ischaemic_stroke", "massive_pe", "pulmonary_oedema", "atrial_fibrillation",
            "thyrotoxicosis", "seizure", "sympathomimetic", "alcohol_withdrawal", "raised_icp",
            "sodium_channel_blocker", "airway_threat", "opioid_toxicity", "ventricular_tachycardia", "hyperkalaemia",
            "ccb_toxicity", "anaphylaxis", "sepsis", "tension_pneumothorax", "pneumothorax", "charcoal_binding_ingestion",
        ]
        for action in catalog.actions {
            guard let risk = action.risk else { continue }
            let predicates = risk.indications.flatMap(\.when) + (risk.dangers ?? []).flatMap(\.when)
            for p in predicates {
                if let v = p.vital { #expect(vitals.contains(v), "\(action.id): vital \(v)") }
                if let l = p.lab { #expect(Chemistry.names.contains(l), "\(action.id): lab \(l)") }
                if let r = p.running { #expect(classes.contains(r), "\(action.id): running \(r)") }
                for c in [p.condition, p.notCondition].compactMap({ $0 }) { #expect(conditions.contains(c), "\(action.id): condition \(c)") }
                for id in (p.done ?? []) + (p.notDone ?? []) { #expect(catalog[id] != nil, "\(action.id): action \(id)") }
            }
        }
        // The shipped fixtures' truths use only conditions the catalog and the pace rules read.
        for name in ["adv_aaa_30min", "adv_cocaine_dissection", "adv_pediatric_dka"] {
            for c in try FixtureLoader.fixture(named: name).truth.conditions ?? [] where !["aortic_aneurysm", "metabolic_acidosis"].contains(c) {
                #expect(conditions.contains(c), "\(name): condition \(c)")
            }
        }
    }
}
