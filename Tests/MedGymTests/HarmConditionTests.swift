import CLITestSupport
import Foundation
import Testing

@testable import MedGym
@testable import MedGymCore

/// A fixture harm item's `when` reads the monitor and the actions before it;
/// a field it cannot read is refused by the validator, never ignored.
struct HarmConditionTests {
    func fixtureJSON(addingHarm harm: [String: Any]) throws -> Data {
        let url = CLI.packageRoot.appendingPathComponent("Sources/MedGym/Resources/archetypes/adv_aaa_30min.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var key = try #require(object["answer_key"] as? [String: Any])
        var harmful = try #require(key["harmful"] as? [[String: Any]])
        harmful.append(harm)
        key["harmful"] = harmful
        object["answer_key"] = key
        return try JSONSerialization.data(withJSONObject: object)
    }

    static var source: [String: Any] { ["guideline": "test", "year": 2025, "section": "test"] }

    @Test func doneAndNotDoneAreReadFromTheActionsBefore() throws {
        let harm: [String: Any] = [
            "id": "ketorolac_before_crossmatch", "description": "an NSAID before blood is crossmatched", "actions": ["ketorolac"],
            "points": -5, "severity": "moderate", "when": ["not_done": ["type_and_cross"]], "source": Self.source,
        ]
        let fixture = try FixtureDecoder.decode(try fixtureJSON(addingHarm: harm), file: "adv_aaa_30min.json", resolver: .shipped)
        let item = try #require(fixture.answerKey.harmful.last)
        let vitals = ObservedVitals(hr: 100, sbp: 100, dbp: 60, rr: 20, spo2: 97, temp: 37, gcs: 15, pain: 5)
        func record(_ id: String, _ step: Int) -> ActionRecord {
            ActionRecord(step: step, minute: step, actionID: id, text: id, vitals: vitals)
        }
        #expect(item.offends(record("ketorolac", 2), after: [record("iv_access", 1)]))
        #expect(!item.offends(record("ketorolac", 3), after: [record("iv_access", 1), record("type_and_cross", 2)]))
    }

    @Test func aFieldAHarmItemCannotReadIsRefusedWithFileAndField() throws {
        let harm: [String: Any] = [
            "id": "insulin_with_low_potassium", "description": "x", "actions": ["insulin_bolus"], "points": -5, "severity": "moderate",
            "when": ["lab": "potassium", "below": 3.5], "source": Self.source,
        ]
        do {
            _ = try FixtureDecoder.decode(try fixtureJSON(addingHarm: harm), file: "adv_aaa_30min.json", resolver: .shipped)
            Issue.record("a harm item reading a laboratory value was accepted")
        } catch let error as FixtureError {
            #expect(error.file == "adv_aaa_30min.json" && error.field.hasSuffix(".when.lab") && error.problem.contains("reads only vital"))
        }
    }

    @Test func aDerivedVitalOrAMissingBoundIsRefused() throws {
        for (when, field, problem) in [
            (["vital": "map", "below": 65] as [String: Any], ".when.vital", "not a monitor field a harm item can read"),
            (["vital": "sbp"] as [String: Any], ".when", "a vital and a bound (above or below) go together"),
        ] {
            let harm: [String: Any] = [
                "id": "x", "description": "x", "actions": ["ketorolac"], "points": -5, "severity": "moderate", "when": when,
                "source": Self.source,
            ]
            do {
                _ = try FixtureDecoder.decode(try fixtureJSON(addingHarm: harm), file: "adv_aaa_30min.json", resolver: .shipped)
                Issue.record("accepted \(when)")
            } catch let error as FixtureError {
                #expect(error.field.hasSuffix(field) && error.problem.contains(problem), "\(error)")
            }
        }
    }
}
