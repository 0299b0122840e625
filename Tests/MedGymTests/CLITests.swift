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

    @Test func fixturesLintPasses() throws {
        let r = try medgym(["fixtures", "lint", "--seeds", "1-5"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("\(try FixtureLoader.shipped().count) fixtures valid"))
    }
}
