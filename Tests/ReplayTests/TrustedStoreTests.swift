import CLITestSupport
import Foundation
import Testing
import TraceStore

/// The store as an attacker and a careless user would try it: broken chains
/// are never served, and every command says what is wrong.
struct TrustedStoreTests {
    func demoStore(in dir: TempDir) throws -> String {
        let path = dir.path("store.sqlite")
        let r = try CLI.run("replay", ["import", "--store", path, CLI.demoLog.path])
        #expect(r.status == 0, "\(r.stderr)")
        return path
    }

    @Test func aBrokenChainIsNotServed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = try demoStore(in: dir)
        do {
            let store = try TraceStore(path: path)
            try store.connection.execute("DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 70")
        }
        let commands: [[String]] = [
            ["show", "ep_0fa72a32ec1d"], ["score", "ep_0fa72a32ec1d"],
            ["fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest"],
            ["export", "trace", "ep_0fa72a32ec1d"], ["verify", "ep_0fa72a32ec1d"],
        ]
        for args in commands {
            let r = try CLI.run("replay", args + ["--store", path])
            #expect(r.status != 0, "\(args)")
            #expect(r.stdout.isEmpty || args[0] == "verify", "\(args): \(r.stdout.prefix(200))")
            #expect((r.stderr + r.stdout).contains("event 70 is missing"), "\(args): \(r.stderr)")
        }
    }
}
