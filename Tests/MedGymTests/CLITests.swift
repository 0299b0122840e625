import CLITestSupport
import Foundation
import Testing

@testable import MedGym

/// Runs the built `medgym` binary as a separate process.
struct CLITests {
    /// Runs `medgym`, recording into a throwaway store.
    func medgym(_ args: [String], env: [String: String] = [:]) throws -> CLI.Output {
        let dir = try TempDir()
        defer { dir.remove() }
        var env = env
        env["MEDGYM_STORE"] = dir.path("store.sqlite")
        return try CLI.run("medgym", args, env: env)
    }

    @Test func jsonRunIsByteIdenticalAcrossProcesses() throws {
        let args = ["run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "anchoring", "--json"]
        let a = try medgym(args, env: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        let b = try medgym(args, env: ["SWIFT_DETERMINISTIC_HASHING": ""])
        let c = try medgym(args)
        #expect(a.status == 0)
        #expect(a.stdout.count > 1000)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout == c.stdout)
        #expect(a.stdout.contains("\"outcome\" : \"missed_aad\""))
    }

    @Test func textRunPrintsTrajectoryAndScoreTable() throws {
        let r = try medgym(["run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "expert"])
        #expect(r.status == 0)
        for word in [
            "survival", "disposition", "workup", "red_flag", "communication", "cost", "harm", "efficiency", "documentation", "composite", "caught_aad",
        ] {
            #expect(r.stdout.contains(word))
        }
    }

    @Test func badInputIsAOneLineErrorAndNonZeroExit() throws {
        let unknownFixture = try medgym(["run", "--fixture", "no_such_case"])
        #expect(unknownFixture.status != 0)
        #expect(unknownFixture.stderr.contains("unknown fixture 'no_such_case'"))

        for seed in ["-1", "18446744073709551616", "abc"] {
            let r = try medgym(["run", "--fixture", "adv_aaa_30min", "--seed=\(seed)"])
            #expect(r.status != 0)
            #expect(r.stderr.contains("invalid seed"))
        }
        let big = try medgym(["run", "--fixture", "adv_aaa_30min", "--seed", "18446744073709551615"])
        #expect(big.status == 0)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("medgym-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("agent.txt")
        try "ECG\ntroponin\ncta chst abdmn xyz\n".write(to: script, atomically: true, encoding: .utf8)
        let unknownAction = try medgym(["run", "--fixture", "adv_cocaine_dissection", "--agent", "script:\(script.path)"])
        #expect(unknownAction.status != 0)
        #expect(unknownAction.stderr.contains("step 3: unknown action 'cta chst abdmn xyz'; did you mean: cta_chest"))

        let bad = dir.appendingPathComponent("broken.json")
        try "{\"id\": \"broken\", \"title\": 3}".write(to: bad, atomically: true, encoding: .utf8)
        let malformed = try medgym(["run", "--fixture", bad.path])
        #expect(malformed.status != 0)
        #expect(malformed.stderr.contains("broken.json: field 'title': expected a string"))
        #expect(malformed.stderr.split(separator: "\n").count == 1)
    }

    /// The broken archetype, four ways, through the real binary: each is reported with its
    /// file and field, and lint exits 1.
    @Test func aBrokenArchetypeIsReportedWithFileAndField() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.path("archetypes"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path("adversarial"), withIntermediateDirectories: true)
        let shipped = URL(fileURLWithPath: CLI.packageRoot.path).appendingPathComponent("Sources/MedGym/Resources")
        func object(_ path: String) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(contentsOf: shipped.appendingPathComponent(path))) as? [String: Any])
        }
        let file = dir.path("archetypes/adv_aaa_30min.json")
        func lint(_ fixture: [String: Any]) throws -> CLI.Output {
            try JSONSerialization.data(withJSONObject: fixture).write(to: URL(fileURLWithPath: file))
            return try medgym(["fixtures", "lint", file, "--seeds", "1"])
        }
        let good = try object("archetypes/adv_aaa_30min.json")
        var key = try #require(good["answer_key"] as? [String: Any])
        var items = try #require(key["items"] as? [[String: Any]])

        // A key item without its source.
        items[0]["source"] = nil
        key["items"] = items
        var broken = good
        broken["answer_key"] = key
        let unsourced = try lint(broken)
        #expect(unsourced.status == 1 && unsourced.stderr.contains("\(file): field 'answer_key.items[0].source': is missing"), "\(unsourced.stderr)")

        // A key item naming an action the catalog does not have.
        items = try #require((good["answer_key"] as? [String: Any])?["items"] as? [[String: Any]])
        items[0]["actions"] = ["no_such_action"]
        key["items"] = items
        broken["answer_key"] = key
        let unknown = try lint(broken)
        #expect(unknown.status == 1 && unknown.stderr.contains("field 'answer_key.items[0].actions[0]': 'no_such_action' is not a catalog action"))

        // An expert who lets the patient die, and a strategy over its ceiling (its file beside the fixture's).
        var strategies = try object("adversarial/adv_aaa_30min.json")
        var list = try #require(strategies["strategies"] as? [[String: Any]])
        var expect = try #require(list[0]["expect"] as? [String: Any])
        expect["max_composite"] = -100
        list[0]["expect"] = expect
        strategies["strategies"] = list
        try JSONSerialization.data(withJSONObject: strategies).write(to: URL(fileURLWithPath: dir.path("adversarial/adv_aaa_30min.json")))
        var policies = try #require(good["policies"] as? [String: Any])
        policies["expert"] = Array(repeating: "wait", count: 12)
        broken = good
        broken["policies"] = policies
        let dying = try lint(broken)
        #expect(dying.status == 1)
        #expect(dying.stdout.contains("\(file): field 'policies.expert': the expert's plan lets the patient die at seed 1"), "\(dying.stdout)")
        #expect(dying.stdout.contains("BROKEN paperwork_only"))
        #expect(dying.stdout.contains("adversarial/adv_aaa_30min.json: field 'strategies[0].expect': seed 1: composite -26.6 above the ceiling -100"))
    }

    @Test func fixturesLintPasses() throws {
        let r = try medgym(["fixtures", "lint", "--seeds", "1-5"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("\(try FixtureLoader.shipped().count) fixtures valid"))
    }
}
