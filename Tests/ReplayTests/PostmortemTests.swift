import CLITestSupport
import Foundation
import Testing
import TraceStore

/// `replay postmortem` through the built binary, on the demo and on an
/// episode whose agent wrote markup.
struct PostmortemTests {

    @Test func theDemoTurnsOnStep13AndTheMissedCTA() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try DemoStore.path(in: dir)
        let text = try CLI.run("replay", ["postmortem", "ep_0fa72a32ec1d", "--store", store])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("step 13 · minute 32 · premature closure: \"reassure, no imaging\""))
        #expect(text.stdout.contains("continue original: Δ +10, missed_aad → missed_aad"))
        // The built-in anchored agent re-run after the CTA waits for it and acts on it: the page's story.
        #expect(text.stdout.contains("continue agent: Δ +70.55, missed_aad → caught_aad"))
        #expect(text.stdout.contains("expert's correction: CT angiography of the chest/aorta (cta_chest)"))
        #expect(text.stdout.contains("red_flag -5 · CT angiography of the aorta while dissection is suspected · not done"))
        #expect(text.stdout.contains("Critical question 3 (Level B)"))

        // JSON carries the same facts.
        let json = try CLI.run("replay", ["postmortem", "ep_0fa72a32ec1d", "--format", "json", "--store", store])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let decisive = try #require(object["decisive"] as? [String: Any])
        #expect(decisive["step"] as? Int == 13 && decisive["kind"] as? String == "premature closure")
        #expect(decisive["alternative"] as? String == "cta_chest")
        let counterfactuals = try #require(decisive["counterfactuals"] as? [[String: Any]])
        #expect(counterfactuals.contains { $0["continuation"] as? String == "original" && $0["delta"] as? Double == 10 })
        #expect(counterfactuals.first?["continuation"] as? String == "agent" && counterfactuals.first?["outcome"] as? String == "caught_aad")
        let correction = try #require(decisive["correction"] as? [String: Any])
        #expect(((correction["source"] as? [String: Any])?["section"] as? String)?.hasPrefix("Critical question 3") == true)
        let missed = try #require(object["missed"] as? [[String: Any]])
        #expect(missed.contains { $0["key"] as? String == "cta_chest" && $0["points"] as? Double == -5 })

        // Markdown and HTML render, and the same run gives the same bytes.
        let md = try CLI.run("replay", ["postmortem", "ep_0fa72a32ec1d", "--format", "md", "--store", store])
        #expect(md.stdout.hasPrefix("# Post-mortem ep_0fa72a32ec1d") && md.stdout.contains("| red_flag | -15 | 15 |"))
        let html = try CLI.run("replay", ["postmortem", "ep_0fa72a32ec1d", "--format", "html", "--store", store])
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>") && html.stdout.contains("<svg") && !html.stdout.contains("<script"))
        #expect(!html.stdout.contains("http://") && !html.stdout.contains("https://"))
        #expect(try CLI.run("replay", ["postmortem", "ep_0fa72a32ec1d", "--format", "json", "--store", store, "--jobs", "1"]).stdout == json.stdout)
    }

    @Test func agentMarkupShowsAsText() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let script = dir.path("agent.txt")
        try "ECG\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\nCTA chest\ndischarge home\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "script:\(script)", "--reject-invalid",
                "--store", store,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let id = try #require(run.stderr.split(separator: " ").first { $0.hasPrefix("ep_") }.map(String.init))
        let html = try CLI.run("replay", ["postmortem", id, "--format", "html", "--store", store])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(!html.stdout.contains("<script") && !html.stdout.contains("<img"))
        #expect(html.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.stdout.contains("&lt;img src=x onerror=alert(2)&gt;"))
        // Discharging a dissection home is premature closure at that step.
        let text = try CLI.run("replay", ["postmortem", id, "--store", store])
        #expect(text.stdout.contains("premature closure: \"discharge home\""))
    }

    @Test func aGoodEpisodeSaysSo() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let run = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "expert", "--store", store])
        #expect(run.status == 0)
        let id = try #require(run.stderr.split(separator: " ").first { $0.hasPrefix("ep_") }.map(String.init))
        let text = try CLI.run("replay", ["postmortem", id, "--store", store])
        #expect(text.stdout.contains("good care: no red flag missed"))
        #expect(text.stdout.contains("THE CLOSEST CALL: STEP"))
        #expect(try CLI.run("replay", ["postmortem", "ep_0000000000ff", "--store", store]).stderr.contains("unknown episode"))
    }
}
