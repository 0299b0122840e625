import CLITestSupport
import Foundation
import Testing
import TraceStore

/// Agents in other processes (`cmd:`), through the real binaries: the
/// example agents play whole episodes, and agents that crash, hang or answer
/// garbage leave scored, verifiable episodes with the right `agent_error`
/// events while the batch around them completes.
struct ExternalAgentTests {
    static let agents = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Agents")
    static let examples = CLI.packageRoot.appendingPathComponent("examples/agents")

    @Test func thePythonExampleAgentPlaysAWholeEpisode() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let agent = "cmd:python3 \(Self.examples.path)/python_agent.py"
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "42", "--agent", agent,
                "--store", store,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("CTA chest  → cta_chest"))
        #expect(run.stdout.contains("outcome caught_aad"))
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)")
        let listed = try TraceStore(path: store, readOnly: true).list()
        #expect(listed.map(\.header.agent) == [agent])

        let shell = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "42",
                "--agent", "cmd:sh \(Self.examples.path)/shell_agent.sh", "--no-store",
            ])
        #expect(shell.status == 0, "\(shell.stderr)")
        #expect(shell.stdout.contains("call cardiothoracic surgery  → consult_cardiothoracic_surgery"))
    }

    @Test func misbehavingAgentsLeaveScoredVerifiableEpisodes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let names = ["crash", "silent", "garbage"]
        let agents = names.map { "cmd:python3 \(Self.agents.path)/\($0).py" }.joined(separator: ",")
        let batch = try CLI.run(
            "medgym",
            [
                "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1", "--agent", agents,
                "--agent-timeout", "1", "--jobs", "2", "--store", store,
            ])
        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.stdout.contains("3 new, 0 already stored"))
        let verify = try CLI.run("replay", ["verify", "--all", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)")
        let rows = try TraceStore(path: store, readOnly: true).list()
        let expected = [
            "crash": ["✗ agent error: agent crashed", "Traceback: something broke (agent stopped)"],
            "silent": ["✗ agent error: agent timeout: no reply within 1.0 s (agent stopped)"],
            "garbage": [
                "agent not_json: I think we should get a CT of the chest.", "agent too_long: a reply of 5000 bytes",
                "agent protocol: a reply without \"action\"", "\"zzzz qq\"  ✗ rejected", "\"CTA chest\"  → ",
            ],
        ]
        for name in names {
            let row = try #require(rows.first { $0.header.agent.hasSuffix("/\(name).py") })
            #expect(row.summary != nil)
            let shown = try CLI.run("replay", ["show", row.header.episodeID, "--store", store])
            for line in expected[name]! { #expect(shown.stdout.contains(line), "\(name): \(line)") }
            #expect(!shown.stdout.contains(String(repeating: "x", count: 300)), "an over-long reply is never stored whole")
        }
    }

    @Test func badCommandsAreClearErrors() throws {
        let empty = try CLI.run("medgym", ["run", "--fixture", "adv_cocaine_dissection", "--agent", "cmd:", "--no-store"])
        #expect(empty.status != 0 && empty.stderr.contains("agent 'cmd:' names no command"))
        let missing = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--agent", "cmd:/nonexistent/agent",
                "--no-store", "--agent-timeout", "2",
            ])
        #expect(missing.status == 0, "a command that cannot run is an agent that crashed: \(missing.stderr)")
        #expect(missing.stdout.contains("agent crashed"))
    }

    @Test func leaderboardOverBuiltInAndSubprocessAgentsIsDeterministic() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        let agents = [
            "expert", "anchoring", "random", "cmd:python3 \(Self.examples.path)/python_agent.py",
            "cmd:sh \(Self.examples.path)/shell_agent.sh",
        ].joined(separator: ",")
        let batch = try CLI.run(
            "medgym",
            [
                "batch", "--fixtures", "adv_cocaine_dissection", "--seeds", "1-4", "--agent", agents,
                "--jobs", "2", "--store", store,
            ])
        #expect(batch.status == 0, "\(batch.stderr)")
        let args = ["leaderboard", "--fixture", "adv_cocaine_dissection", "--store", store]
        let first = try CLI.run("medgym", args)
        let second = try CLI.run("medgym", args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.contains("* expert "))
        #expect(first.stdout.contains("pass^3"))
        let random = try #require(first.stdout.split(separator: "\n").first { $0.dropFirst(4).hasPrefix("random ") })
        #expect(random.contains("[") && random.contains("]"))
        let json = try CLI.run("medgym", args + ["--json"])
        #expect(json.stdout.contains("\"interval\""))
        #expect(json.stdout.contains("\"pass_k\""))
    }
}
