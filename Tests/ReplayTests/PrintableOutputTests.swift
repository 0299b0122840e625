import CLITestSupport
import Foundation
import Testing

/// What an agent writes reaches terminals and Markdown as text, never as
/// control sequences, forged rows or HTML.
struct PrintableOutputTests {
    static let hostile = [
        "\u{1b}]0;pwned\u{07}\u{1b}[2J wipe the screen",
        "CTA chest\nmin 999  step 99  forged row",
        "<img src=x onerror=alert(1)><script>alert(2)</script>",
    ]

    @Test func agentTextIsShownNotInterpreted() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let replies = (Self.hostile + ["12-lead ECG", "admit to observation"]).map { "{\"action\": \(jsonString($0))}" }
        let agent = dir.path("hostile.py")
        try """
        import json, sys
        replies = [\(replies.map { "r'''\($0)'''" }.joined(separator: ", "))]
        turns = 0
        for line in sys.stdin:
            if json.loads(line).get("type") == "observation":
                print(replies[turns] if turns < len(replies) else json.dumps({"action": None}), flush=True)
                turns += 1
        """.write(toFile: agent, atomically: true, encoding: .utf8)
        let store = dir.path("store.sqlite")
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", "cmd:python3 \(agent)",
                "--reject-invalid", "--label", "v1\u{1b}[31m<b>", "--episode-id", "ep_0000000bad01", "--store", store,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        var outputs = [("run", run.stdout)]
        for args in [
            ["show", "ep_0000000bad01"], ["list"], ["postmortem", "ep_0000000bad01"],
            ["postmortem", "ep_0000000bad01", "--format", "md"],
        ] {
            let r = try CLI.run("replay", args + ["--store", store])
            #expect(r.status == 0, "\(args): \(r.stderr)")
            outputs.append((args.joined(separator: " "), r.stdout))
        }
        let board = try CLI.run("medgym", ["leaderboard", "--store", store])
        outputs.append(("leaderboard", board.stdout))
        for (name, text) in outputs {
            #expect(!text.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 }, "\(name) prints raw control characters")
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("min 999") }, "\(name) prints a forged row")
        }
        let md = try #require(outputs.last { $0.0.hasSuffix("--format md") }?.1)
        #expect(!md.contains("<img") && !md.contains("<script") && md.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(outputs.first { $0.0 == "show ep_0000000bad01" }?.1.contains("\\u{1b}]0;pwned\\u{7}") == true)
    }

    func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }
}
