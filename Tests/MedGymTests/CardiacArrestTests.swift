import Testing

@testable import MedGym
@testable import MedGymCore

/// A worked cardiac arrest: CPR, shocks, adrenaline and the cause's
/// treatment decide, through one keyed draw per rhythm check, whether the
/// pulse returns; nothing done, it is death.
struct CardiacArrestTests {
    static let source = Citation(guideline: "test", year: 2025, section: "test", verified: false)

    /// The ruptured AAA with an arrest plan: exsanguination PEA, reversed by blood.
    func bleedingFixture() throws -> Fixture {
        var fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        fixture.course.arrest = ArrestPlan(
            rhythm: .pea, reversedBy: ["massive_transfusion", "prbc"], note: nil, source: Self.source)
        return fixture
    }

    /// Waits (with IV access placed) until the heart stops.
    func untilArrest(_ fixture: Fixture, seed: UInt64) throws -> Environment {
        var env = Environment(fixture: fixture, resolver: ActionResolver(catalog: .shipped), seed: seed)
        env.reset(seed: seed)
        _ = try env.step("IV access")
        while env.state.arrest == nil, env.state.isRunning { _ = try env.step("wait") }
        return env
    }

    /// Plays `actions` from the arrest; returns the state at the end.
    func work(_ fixture: Fixture, seed: UInt64, _ actions: [String]) throws -> EpisodeState {
        var env = try untilArrest(fixture, seed: seed)
        #expect(env.state.arrest?.rhythm == .pea)
        for action in actions where env.state.isRunning { _ = try env.step(action) }
        return env.state
    }

    static let cprWithBlood =
        ["CPR", "massive transfusion protocol", "epinephrine 1 mg IV"] + Array(repeating: "CPR", count: 12)
    static let cprWithoutBlood = ["CPR", "epinephrine 1 mg IV"] + Array(repeating: "CPR", count: 14)

    @Test func treatedArrestReturnsCirculationInSomeSeedsNotOthers() throws {
        let fixture = try bleedingFixture()
        var returned = 0
        var notReturned = 0
        for seed in UInt64(1)...24 {
            let state = try work(fixture, seed: seed, Self.cprWithBlood)
            if state.resuscitations.isEmpty { notReturned += 1 } else { returned += 1 }
            // The same seed and the same actions: the same rhythm checks, the same result.
            let again = try work(fixture, seed: seed, Self.cprWithBlood)
            #expect(again == state)
        }
        print("worked arrest (ruptured AAA, PEA, CPR + blood + adrenaline), seeds 1-24: \(returned) returned, \(notReturned) did not")
        #expect(returned >= 3)
        #expect(notReturned >= 3)
    }

    @Test func untreatedCauseOrNoCompressionsStaysDeath() throws {
        let fixture = try bleedingFixture()
        for seed in UInt64(1)...24 {
            let nothing = try work(fixture, seed: seed, ["wait"])
            #expect(!nothing.alive)
            #expect(nothing.deathCause?.text.contains("without chest compressions") == true)
            // CPR and adrenaline without blood: a bleed that is not stopped does not come back.
            // (A rare pulse without the bleed stopped does not last: the fate is still death.)
            let noBlood = try work(fixture, seed: seed, Self.cprWithoutBlood + ["CPR", "CPR", "CPR", "CPR", "CPR"])
            let fate = try #require(Scorer(fixture: fixture, catalog: .shipped).score(noBlood).fate)
            #expect(fate.status == .diedInED || fate.status == .diedAfterED)
        }
    }

    @Test func arrestActionsAreHarmWithAPulseAndOutOfTheBayIsRefused() throws {
        let fixture = try bleedingFixture()
        var env = Environment(fixture: fixture, resolver: ActionResolver(catalog: .shipped), seed: 3)
        env.reset(seed: 3)
        _ = try env.step("IV access")
        _ = try env.step("epinephrine 1 mg IV")
        _ = try env.step("start CPR")
        let charged = env.state.warnings.map(\.actionID)
        #expect(charged.contains("epinephrine_arrest"))
        #expect(charged.contains("cpr"))
        var arrested = try untilArrest(fixture, seed: 3)
        let minute = arrested.state.minute
        let ct = try arrested.step("CT abdomen pelvis")
        #expect(ct.observation.response?.contains("not done: the patient is in cardiac arrest") == true)
        #expect(arrested.state.minute == minute + 1)
        #expect(arrested.state.notCarriedOut.last?.actionID == "ct_abdomen_pelvis")
        let home = try arrested.step("discharge home")
        #expect(home.observation.response?.contains("not done") == true)
        #expect(arrested.state.isRunning)
    }

    @Test func withoutAPlanAnArrestIsDeathAsBefore() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var env = Environment(fixture: fixture, resolver: ActionResolver(catalog: .shipped), seed: 5)
        env.reset(seed: 5)
        while env.state.isRunning { _ = try env.step("wait") }
        #expect(!env.state.alive)
        #expect(env.state.arrest == nil)
    }

    @Test func returnOfCirculationIsScoredAsAnArrestSurvived() throws {
        let fixture = try bleedingFixture()
        for seed in UInt64(1)...24 {
            let state = try work(fixture, seed: seed, Self.cprWithBlood + ["to the operating room"])
            guard state.alive, let rosc = state.resuscitations.first else { continue }
            let card = Scorer(fixture: fixture, catalog: .shipped).score(state)
            let fate = try #require(card.fate)
            #expect(fate.injuries.contains { $0.contains("post-cardiac-arrest") })
            #expect(fate.notes.contains { $0.contains("cardiac arrest for \(rosc.roscMinute - rosc.arrestMinute) min") })
            return
        }
        Issue.record("no seed in 1-24 returned circulation")
    }
}
