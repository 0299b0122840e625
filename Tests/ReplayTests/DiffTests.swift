import CLITestSupport
import Foundation
import Testing
import TraceStore

/// `replay diff` through the built binary: two labelled batches on the same seeds.
struct DiffTests {
    /// v1 = expert, v2 = anchoring on seeds 1–6 of the demo fixture; v2 also has seed 7 alone.
    func store(in dir: TempDir) throws -> String {
        let path = dir.path("store.sqlite")
        for (agent, label, seeds) in [("expert", "v1", "1-6"), ("anchoring", "v2", "1-7")] {
            let r = try CLI.run(
                "medgym",
                [
                    "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", seeds, "--agent", agent,
                    "--label", label, "--store", path,
                ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return path
    }

    @Test func aWorseCandidateIsCaughtWithWhereItParts() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try store(in: dir)
        let r = try CLI.run("replay", ["diff", "--baseline", "v1", "--candidate", "v2", "--store", path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("6 pairs (same fixture, same seed)"))
        #expect(r.stdout.contains("verdict: worse"))
        #expect(r.stdout.contains("REGRESSIONS: PATIENTS THE CANDIDATE LOSES (6)"))
        #expect(r.stdout.contains("caught_aad (harm none) → missed_aad (harm high)"))
        #expect(r.stdout.contains("parts at step 2: baseline cardiac_monitor, candidate troponin"))
        #expect(r.stdout.contains("went wrong at step 13 (premature closure): \"reassure, no imaging\"; cta_chest there: Δ +10"))
        #expect(r.stdout.contains("candidate: ep_"))  // seed 7 has no baseline

        // CI: a regression fails the build; the reverse direction is an improvement and passes.
        #expect(try CLI.run("replay", ["diff", "--baseline", "v1", "--candidate", "v2", "--fail-on-regression", "--store", path]).status == 1)
        let reverse = try CLI.run("replay", ["diff", "--baseline", "v2", "--candidate", "v1", "--fail-on-regression", "--store", path])
        #expect(reverse.status == 0 && reverse.stdout.contains("verdict: better") && reverse.stdout.contains("IMPROVEMENTS (6)"))

        // Deterministic across processes, in every format.
        for format in ["json", "md", "html"] {
            let a = try CLI.run("replay", ["diff", "--baseline", "v1", "--candidate", "v2", "--format", format, "--store", path])
            let b = try CLI.run("replay", ["diff", "--baseline", "v1", "--candidate", "v2", "--format", format, "--store", path])
            #expect(a.status == 0 && a.stdout == b.stdout, "\(format)")
        }
        let json = try CLI.run("replay", ["diff", "--baseline", "v1", "--candidate", "v2", "--format", "json", "--store", path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "worse" && object["pairs"] as? Int == 6)
        #expect((object["regressions"] as? [[String: Any]])?.first?["divergence"] != nil)
        #expect((object["spread"] as? [Any])?.count == 6)
    }

    @Test func labelsAreEscapedAndUnknownNamesAreOneLineErrors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        for (agent, label) in [("expert", "<b>v1</b>"), ("anchoring", "<script>x</script>")] {
            #expect(
                try CLI.run(
                    "medgym",
                    [
                        "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1-2", "--agent", agent,
                        "--label", label, "--store", path,
                    ]
                ).status == 0)
        }
        let html = try CLI.run("replay", ["diff", "--baseline", "<b>v1</b>", "--candidate", "<script>x</script>", "--format", "html", "--store", path])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(!html.stdout.contains("<script") && !html.stdout.contains("<b>v1"))
        #expect(html.stdout.contains("&lt;script&gt;x&lt;/script&gt;"))
        let unknown = try CLI.run("replay", ["diff", "--baseline", "v9", "--candidate", "<b>v1</b>", "--store", path])
        #expect(unknown.status == 2 && unknown.stderr.contains("no stored episodes with label or agent 'v9'"))
        #expect(unknown.stderr.split(separator: "\n").count == 1)
    }
}
