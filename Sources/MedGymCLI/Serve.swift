import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

/// `medgym serve --stdio`: the environment as a subprocess speaking JSON
/// lines (README "Train from Python"). Requests: `{"id": …, "method": …,
/// "params": {…}}`; replies: `{"id": …, "result": {…}}` or `{"id": …,
/// "error": {"code": …, "message": …}}`, one line each, in order.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the environment over standard input and output: JSON lines (--stdio) or the Model Context Protocol (--mcp).",
        discussion: "Example: medgym serve --mcp --fixture adv_cocaine_dissection --seed 42 --label my-model")

    @Flag(help: "Speak JSON lines on stdin/stdout: reset, step, fork, score, close.")
    var stdio = false

    @Flag(help: "Speak the Model Context Protocol on stdin/stdout: one encounter per session, its action families as tools.")
    var mcp = false

    @Option(help: "With --mcp: the fixture of the encounter.")
    var fixture: String = "adv_cocaine_dissection"

    @Option(help: "With --mcp: the episode seed.")
    var seed: UInt64 = 42

    @Option(help: "With --mcp: the model label the episode is recorded under.")
    var label: String?

    @Option(help: "Trace store file (default: $MEDGYM_STORE, else traces/medgym.sqlite).")
    var store: String?

    @Option(name: .customLong("sign-key"), help: "Sign every stored episode with this Ed25519 key (medgym keys new; default: $MEDGYM_SIGNING_KEY).")
    var signKey: String?

    @Flag(name: .customLong("no-store"), help: "Record nothing (forks and scores of stored episodes are then unavailable).")
    var noStore = false

    @Option(
        help: """
            With --stdio: threads stepping a step_batch's environments at once (the replies and the store are the same \
            for any number; on a 2-core machine 2 measured no faster than 1).
            """)
    var jobs: Int = 1

    func validate() throws {
        guard stdio != mcp else { throw ValidationError("choose one transport: --stdio or --mcp") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() async throws {
        if mcp {
            // Before the store is opened: an unknown fixture creates nothing.
            do { _ = try FixtureLoader.fixture(named: fixture) } catch { throw fail(error) }
        }
        let server: EnvServer
        do {
            var opened: TraceStore?
            if !noStore {
                let key = try SigningOption.load(signKey)
                let (store, imports) = try StoreLocation(option: store).open(create: true)
                for note in imports { warn(note.description) }
                store.signingKey = key
                opened = store
            }
            server = EnvServer(store: opened, agent: mcp ? "mcp" : "python")
        } catch {
            throw fail(error)
        }
        // A client that stops reading must not kill the server: writes then fail with EPIPE, which ends the session.
        signal(SIGPIPE, SIG_IGN)
        if mcp {
            try await MCPSession.serve(MCPSession(server: server, fixture: fixture, seed: seed, label: label))
            return
        }
        StdioSession(server: server, jobs: jobs).serve()
    }
}
