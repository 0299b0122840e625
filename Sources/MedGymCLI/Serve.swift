import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore
import Viewer

/// `medgym serve --stdio`: the environment as a subprocess speaking JSON
/// lines (README "Train from Python"). Requests: `{"id": …, "method": …,
/// "params": {…}}`; replies: `{"id": …, "result": {…}}` or `{"id": …,
/// "error": {"code": …, "message": …}}`, one line each, in order.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve the environment over standard input and output: JSON lines (--stdio) or the Model Context Protocol (--mcp); or the store in a browser (--http).",
        discussion: """
            Examples: medgym serve --mcp --fixture adv_cocaine_dissection --seed 42 --label my-model
                      medgym serve --http --port 8080   (then open http://127.0.0.1:8080)
            """)

    @Flag(help: "Speak JSON lines on stdin/stdout: reset, step, fork, score, close.")
    var stdio = false

    @Flag(help: "Speak the Model Context Protocol on stdin/stdout: one encounter per session, its action families as tools.")
    var mcp = false

    @Flag(help: "Serve the store's browser and fork panel over HTTP (pages and JSON endpoints; read-only unless --allow-save).")
    var http = false

    @Option(help: "With --http: the port (0: any free one; the URL printed says which).")
    var port: Int = 8080

    @Option(help: "With --http: the address to bind (loopback by default: the pages show every stored trace).")
    var host: String = "127.0.0.1"

    @Flag(name: .customLong("allow-save"), help: "With --http: let the page save the forks it makes into the store.")
    var allowSave = false

    @Flag(name: .customLong("allow-run"), help: "With --http: let the live page start episodes (recorded into the store).")
    var allowRun = false

    @Option(help: "With --mcp: the fixture of the encounter.")
    var fixture: String = "adv_cocaine_dissection"

    @Option(help: "With --mcp: the episode seed.")
    var seed: UInt64 = 42

    @Option(help: "With --mcp: the model label the episode is recorded under.")
    var label: String?

    @Option(help: "Trace store: a SQLite file or postgres://USER@HOST/DATABASE (default: $MEDGYM_STORE, else traces/medgym.sqlite).")
    var store: String?

    @Option(name: .customLong("sign-key"), help: "Sign every stored episode with this Ed25519 key (medgym keys new; default: $MEDGYM_SIGNING_KEY).")
    var signKey: String?

    @Flag(name: .customLong("no-store"), help: "Record nothing (forks and scores of stored episodes are then unavailable).")
    var noStore = false

    @Flag(
        inversion: .prefixedNo,
        help: "With --stdio or --mcp: write each turn into the store's live tables as it is played, for the viewer's live page.")
    var live = true

    @Option(
        help: """
            With --stdio: threads stepping a step_batch's environments at once (the replies and the store are the same \
            for any number; on a 2-core machine 2 measured no faster than 1).
            """)
    var jobs: Int = 1

    func validate() throws {
        guard [stdio, mcp, http].filter({ $0 }).count == 1 else { throw ValidationError("choose one transport: --stdio, --mcp or --http") }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is out of range; use 0…65535") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() async throws {
        if http { return try await serveHTTP() }
        if mcp {
            // Before the store is opened: an unknown fixture creates nothing.
            do { _ = try FixtureLoader.fixture(named: fixture) } catch { throw fail(error) }
        }
        let server: EnvServer
        var feed: LiveFeed?
        do {
            var opened: (any EpisodeStore)?
            if !noStore {
                let key = try SigningOption.load(signKey)
                let (store, imports) = try StoreLocation(option: store).openStore(create: true)
                for note in imports { warn(note.description) }
                store.signingKey = key
                opened = store
            }
            server = EnvServer(store: opened, agent: mcp ? "mcp" : "python")
            if live, let opened { feed = try LiveFeed(store: opened, source: mcp ? .mcp : .stdio) }
            server.live = feed
        } catch {
            throw fail(error)
        }
        defer { close(feed) }
        // A client that stops reading must not kill the server: writes then fail with EPIPE, which ends the session.
        signal(SIGPIPE, SIG_IGN)
        if mcp {
            try await MCPSession.serve(MCPSession(server: server, fixture: fixture, seed: seed, label: label))
            return
        }
        StdioSession(server: server, jobs: jobs).serve()
    }

    /// `--http`: the viewer over the store, until interrupted.
    private func serveHTTP() async throws {
        let opened: any EpisodeStore
        do {
            let (store, imports) = try StoreLocation(option: store).openStore(create: true, readOnly: false)
            for note in imports { warn(note.description) }
            opened = store
        } catch {
            throw fail(error)
        }
        var options = ViewerOptions()
        (options.host, options.port, options.allowSave, options.allowRun) = (host, port, allowSave, allowRun)
        signal(SIGPIPE, SIG_IGN)
        let may = [allowRun ? "episodes may be started" : nil, allowSave ? "forks may be saved" : nil].compactMap { $0 }
        let about = "(store \(opened.path), \(may.isEmpty ? "read-only" : may.joined(separator: ", ")))"
        do {
            try await ViewerServer.run(options, store: opened) { url in
                // Unbuffered: a script waits for this line to know the port.
                FileHandle.standardOutput.write(Data("MedGym viewer at \(url) \(about)\n".utf8))
            }
        } catch {
            throw fail(error)
        }
    }
}
