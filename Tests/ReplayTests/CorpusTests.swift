import CLITestSupport
import Foundation
import Testing
import TraceStore

/// `replay export corpus` through the built binary (loading with `datasets`
/// and schema validation: scripts/check_corpus.py, run by .ci/run).
struct CorpusTests {
    func files(_ folder: String) throws -> [String: Data] {
        var found: [String: Data] = [:]
        let base = URL(fileURLWithPath: folder)
        for case let path as String in FileManager.default.enumerator(atPath: folder) ?? NSEnumerator() {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(folder)/\(path)", isDirectory: &isDirectory), !isDirectory.boolValue {
                found[path] = try Data(contentsOf: base.appendingPathComponent(path))
            }
        }
        return found
    }

    func rows(_ data: Data?) throws -> [[String: Any]] {
        try String(decoding: data ?? Data(), as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func theDemoGivesThePagesCountsDeterministically() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        var outputs: [[String: Data]] = []
        for (run, jobs) in [(0, "1"), (1, "2"), (2, "1")] {
            let out = dir.path("out\(run)")
            let r = try CLI.run("replay", ["export", "corpus", "--wave", "wave1b", "ep_0fa72a32ec1d", "--out", out, "--jobs", jobs, "--store", store])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("28 RLVR tuples, 3 GRPO pairs, 1 SFT corrections from 1 episode"))
            outputs.append(try files("\(out)/wave1b"))
        }
        #expect(outputs[0] == outputs[1] && outputs[0] == outputs[2])
        #expect(Set(outputs[0].keys) == ["manifest.json", "rlvr/ep_0fa72a32ec1d.jsonl", "grpo/ep_0fa72a32ec1d.jsonl", "sft/ep_0fa72a32ec1d.jsonl"])
        // The committed corpus is this export.
        let committed = try files(CLI.packageRoot.appendingPathComponent("corpus/wave1b").path)
        #expect(committed == outputs[0])

        let rlvr = try rows(outputs[0]["rlvr/ep_0fa72a32ec1d.jsonl"])
        let composite = try #require(rlvr.first?["episode_composite"] as? Double)
        let total = rlvr.compactMap { $0["reward"] as? Double }.reduce(0, +)
        #expect(abs(total - composite) < 1e-9)
        #expect(rlvr.allSatisfy { ($0["head_hash"] as? String)?.count == 64 && $0["episode_id"] as? String == "ep_0fa72a32ec1d" })
        let first = try #require(rlvr.first)
        #expect((first["prompt"] as? [[String: String]])?.last?["role"] == "user" && first["action"] as? String == "ecg")
        // Nested lists that can be empty are JSON text, so every file loads with one column type.
        let items = try JSONSerialization.jsonObject(with: Data(try #require(first["items"] as? String).utf8)) as? [[String: Any]]
        #expect(items?.contains { $0["key"] as? String == "ecg_10_min" } == true)

        let grpo = try rows(outputs[0]["grpo/ep_0fa72a32ec1d.jsonl"])
        #expect(grpo.map { $0["chosen_action"] as? String ?? "" } == ["cta_chest", "esmolol", "consult_cardiothoracic_surgery"])
        let cta = try #require(grpo.first)
        #expect(cta["step"] as? Int == 13)
        #expect((cta["chosen"] as? [[String: String]])?.first?["content"] == "CTA chest")
        #expect((cta["rejected"] as? [[String: String]])?.first?["content"] == "reassure, no imaging")
        #expect(cta["margin"] as? Double == 10)
        // No pair prefers what the fixture calls harmful.
        #expect(
            grpo.allSatisfy { !["alteplase", "heparin", "aspirin", "nicardipine", "nitroglycerin", "ns_bolus"].contains($0["chosen_action"] as? String ?? "") })

        let sft = try rows(outputs[0]["sft/ep_0fa72a32ec1d.jsonl"])
        let correction = try #require(sft.first)
        #expect((correction["completion"] as? [[String: String]]) == [["role": "assistant", "content": "CTA chest"]])
        #expect((correction["prompt"] as? [[String: String]])?.last?["role"] == "user")
        #expect(
            ((correction["item"] as? [String: Any])?["source"] as? [String: Any])?["section"] as? String
                == "Critical question 3 (Level B): CTA to exclude thoracic aortic dissection")
    }

    /// A wave is replaced as a whole: re-exporting fewer episodes leaves no stale files beside the new manifest.
    @Test func aWaveIsReplacedWhole() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let batch = try CLI.run("medgym", ["batch", "--fixtures", "adv_*", "--seeds", "1", "--agent", "expert,anchoring", "--store", store])
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        let out = dir.path("out")
        #expect(try CLI.run("replay", ["export", "corpus", "--wave", "w", "--all", "--out", out, "--store", store]).status == 0)
        #expect(try files("\(out)/w").count > 4)
        let one = try CLI.run("replay", ["export", "corpus", "--wave", "w", "ep_0fa72a32ec1d", "--out", out, "--store", store])
        #expect(one.status == 0, "\(one.stderr)")
        let after = try files("\(out)/w")
        #expect(Set(after.keys) == ["manifest.json", "rlvr/ep_0fa72a32ec1d.jsonl", "grpo/ep_0fa72a32ec1d.jsonl", "sft/ep_0fa72a32ec1d.jsonl"])
        // Nothing half-written is left beside the wave.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["w"])
    }

    /// A corpus export killed (SIGKILL) at any moment leaves the wave it was
    /// replacing whole, or the new one whole: never a mix, never none.
    @Test func aKilledExportLeavesAWholeWave() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("medgym", ["batch", "--fixtures", "adv_*", "--seeds", "1", "--agent", "expert,anchoring", "--store", store]).status == 0)
        let out = dir.path("out")
        #expect(try CLI.run("replay", ["export", "corpus", "--wave", "w", "--all", "--out", out, "--jobs", "1", "--store", store]).status == 0)
        func whole() throws -> Bool {
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/w/manifest.json"))) as! [String: Any]
            let listed = Set((manifest["files"] as! [[String: Any]]).map { $0["path"] as! String } + ["manifest.json"])
            return Set(try files("\(out)/w").keys) == listed
        }
        for delay in [20_000, 60_000, 120_000, 250_000, 400_000, 700_000] as [UInt32] {
            let process = try CLI.start("replay", ["export", "corpus", "--wave", "w", "--all", "--out", out, "--jobs", "1", "--store", store])
            usleep(delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(try whole(), "killed after \(delay) µs")
        }
    }

    @Test func selectionErrorsWriteNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(
            try CLI.run("medgym", ["batch", "--fixtures", "adv_aaa_30min", "--seeds", "1-2", "--agent", "expert", "--label", "v1", "--store", store]).status
                == 0)
        let out = dir.path("out")
        let cases: [([String], String)] = [
            (["--wave", "w"], "choose the episodes one way"),
            (["--wave", "w", "--all", "--label", "v1"], "choose the episodes one way"),
            (["--wave", "a/b", "--all"], "must be a plain folder name"),
            (["--wave", "w", "ep_00000000beef"], "unknown episode"),
            (["--wave", "w", "--label", "nope"], "no stored episodes count"),
            (["--wave", "w", "--all", "--continue", "agent"], "not a like-for-like arm"),
        ]
        for (args, message) in cases {
            let r = try CLI.run("replay", ["export", "corpus"] + args + ["--out", out, "--store", store])
            #expect(r.status != 0 && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(args)")
        }
        let ok = try CLI.run("replay", ["export", "corpus", "--wave", "w", "--label", "v1", "--out", out, "--jobs", "1", "--store", store])
        #expect(ok.status == 0 && ok.stdout.contains("from 2 episodes"), "\(ok.stderr)")
        // Several episodes on two workers (each on its own connection): the same files.
        let two = try CLI.run("replay", ["export", "corpus", "--wave", "w", "--label", "v1", "--out", dir.path("two"), "--jobs", "2", "--store", store])
        #expect(two.status == 0)
        #expect(try files("\(out)/w") == files(dir.path("two") + "/w"))
    }
}
