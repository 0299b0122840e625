import CLITestSupport
import Foundation
import Testing
import TraceStore

/// Every documented exit status, on the commands scripts call: 0 ok, 1 a
/// check found a problem, 2 not found, 64 usage.
struct ExitStatusTests {

    static let replayCases: [([String], Int32)] = [
        (["verify", "ep_0fa72a32ec1d"], 0),
        (["verify", "ep_00000000dead"], 2),
        (["verify", "--all", "--jobs", "0"], 64),
        (["verify"], 64),
        (["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest"], 0),
        (["fork", "ep_00000000dead", "--at", "13", "--action", "CTA chest"], 2),
        (["fork", "ep_0fa72a32ec1d", "--at", "99", "--action", "CTA chest"], 64),
        (["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "fly to the moon"], 64),
        (["diff", "--baseline", "anchoring", "--candidate", "nobody"], 2),
    ]

    @Test(arguments: replayCases.indices)
    func replayCommandsExitWithTheDocumentedStatus(_ index: Int) throws {
        let (args, status) = Self.replayCases[index]
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try DemoStore.path(in: dir)
        let r = try CLI.run("replay", args + ["--store", store])
        #expect(r.status == status, "\(args): \(r.stderr)")
    }

    @Test func aMissingStoreIsNotFoundAndATamperedEpisodeIsAProblem() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(try CLI.run("replay", ["verify", "--all", "--store", dir.path("none.sqlite")]).status == 2)
        let store = try DemoStore.path(in: dir)
        do {
            let opened = try TraceStore(path: store)
            try opened.connection.execute("UPDATE summaries SET composite = 99")
        }
        #expect(try CLI.run("replay", ["verify", "ep_0fa72a32ec1d", "--store", store]).status == 1)
        #expect(try CLI.run("replay", ["show", "ep_0fa72a32ec1d", "--store", store]).status == 1)
    }

    @Test func aRegressionUnderFailOnRegressionIsAProblem() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("medgym", ["batch", "--fixtures", "adv_aaa_30min", "--seeds", "1-3", "--agent", "expert,anchoring", "--store", store]).status == 0)
        #expect(try CLI.run("replay", ["diff", "--baseline", "expert", "--candidate", "anchoring", "--store", store]).status == 0)
        #expect(try CLI.run("replay", ["diff", "--baseline", "expert", "--candidate", "anchoring", "--fail-on-regression", "--store", store]).status == 1)
    }

    @Test func fixturesLintAndUsageErrorsExitTheSameFromEveryCommand() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        #expect(try CLI.run("medgym", ["fixtures", "lint", "adv_cocaine_dissection"]).status == 0)
        #expect(try CLI.run("medgym", ["fixtures", "lint", "no_such_fixture"]).status == 2)
        let broken = dir.path("broken.json")
        try Data("{\"id\": \"broken\"}".utf8).write(to: URL(fileURLWithPath: broken))
        #expect(try CLI.run("medgym", ["fixtures", "lint", broken]).status == 1)
        // A bad value is usage (64) from run and batch alike.
        #expect(try CLI.run("medgym", ["run", "--fixture", "adv_aaa_30min", "--agent-timeout", "0", "--no-store"]).status == 64)
        #expect(try CLI.run("medgym", ["batch", "--fixtures", "adv_aaa_30min", "--seeds", "1", "--agent-timeout", "0", "--no-store"]).status == 64)
        #expect(try CLI.run("medgym", ["run", "--fixture", "adv_aaa_30min", "--agent", "nobody", "--no-store"]).status == 64)
        #expect(try CLI.run("medgym", ["run", "--fixture", "no_such_fixture", "--no-store"]).status == 2)
        let version = try CLI.run("replay", ["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("0."))
        let help = try CLI.run("replay", ["--help"])
        #expect(help.stdout.contains("Exit status: 0 ok; 1 a check found a problem"))
    }
}
