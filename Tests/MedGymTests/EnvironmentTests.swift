import Foundation
import Testing

@testable import MedGym
@testable import MedGymCore

struct EnvironmentTests {
    @Test func resolverMapsSynonymsAndSuggestsNearest() throws {
        let r = ActionResolver.shipped
        for text in ["CTA chest", "CT angiogram of the chest", "ct angio thorax"] {
            #expect(try r.resolve(text).id == "cta_chest")
        }
        #expect(try r.resolve("labetalol 20 mg iv").id == "labetalol")
        #expect(try r.resolve("IV labetalol").id == "labetalol")
        #expect(try r.resolve("tropnin").id == "troponin")
        #expect(throws: ActionResolutionError.self) { try r.resolve("cta chst abdomn xyz") }
        do {
            _ = try r.resolve("vascular")
            Issue.record("expected an error")
        } catch {
            #expect(error.suggestions.contains("consult_vascular_surgery"))
        }
    }

    @Test func sameSeedAndActionsGiveIdenticalStates() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var a = Environment(fixture: fixture, seed: 7)
        var b = Environment(fixture: fixture, seed: 7)
        for text in fixture.policies.anchoring.prefix(10) {
            #expect(try a.step(text) == b.step(text))
        }
        #expect(a.state == b.state)
        var c = Environment(fixture: fixture, seed: 8)
        for text in fixture.policies.anchoring.prefix(10) { _ = try c.step(text) }
        #expect(c.state != a.state)
    }

    @Test func betaBlockadeLowersHeartRateAndPressure() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var env = Environment(fixture: fixture, seed: 42)
        _ = try env.step("IV access")
        let before = env.state.vitals
        _ = try env.step("esmolol")
        _ = try env.step("wait")  // an infusion step reaches full effect in about 5 minutes
        #expect(env.state.vitals.hr < before.hr - 10)
        #expect(env.state.vitals.sbp < before.sbp - 10)
    }

    @Test func untreatedDissectionWidensPulsePressureThenTearsIntoTheBack() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var env = Environment(fixture: fixture, seed: 42)
        var alerts: [String] = []
        while env.state.isRunning { alerts += try env.step("wait").observation.alerts }
        #expect(alerts.contains { $0.hasPrefix("widening pulse pressure") })
        #expect(alerts.contains("patient reports tearing back pain"))
        #expect(!env.state.alive)
    }

    @Test func stepAfterTheEndIsAnError() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_pediatric_dka")
        var env = Environment(fixture: fixture, seed: 1)
        let result = try env.step("discharge home")
        #expect(result.terminated)
        #expect(throws: StepError.episodeOver(.disposed)) { try env.step("ecg") }
    }

    @Test func randomAgentIsSeeded() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        func run(_ seed: UInt64) throws -> Episode {
            var agent = RandomAgent(seed: seed)
            return try EpisodeRunner(fixture: fixture).run(seed: seed, agent: &agent)
        }
        #expect(try run(3) == run(3))
        // And the seed matters: another seed plays another episode.
        #expect(try run(3).steps.map(\.text) != run(4).steps.map(\.text))
    }

    @Test func malformedFixtureNamesFileAndField() throws {
        let shipped = FixtureLoader.shippedURLs().first { $0.lastPathComponent == "adv_aaa_30min.json" }!
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: shipped)) as! [String: Any]
        var key = json["answer_key"] as! [String: Any]
        var items = key["items"] as! [[String: Any]]
        items[1].removeValue(forKey: "source")
        key["items"] = items
        json["answer_key"] = key
        let data = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: FixtureError(file: "bad.json", field: "answer_key.items[1].source", problem: "is missing")) {
            try FixtureDecoder.decode(data, file: "bad.json", resolver: .shipped)
        }
        json["tier"] = 400
        #expect(throws: FixtureError.self) {
            try FixtureDecoder.decode(JSONSerialization.data(withJSONObject: json), file: "adv_aaa_30min.json", resolver: .shipped)
        }
    }
}
