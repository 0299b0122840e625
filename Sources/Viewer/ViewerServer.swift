import Foundation
import Hummingbird
import Logging
import MedGym
import TraceStore

/// `medgym serve --http`: the store browser and fork panel, served by MedGym itself on loopback.
/// Pages are plain HTML with one script and one style sheet from this server (no CDN, nothing from
/// outside: a Content-Security-Policy of `'self'` says so to the browser); they read the JSON
/// endpoints of ``ViewerAPI``, which other tools can use too (`docs/viewer.md`).
public enum ViewerServer {
    /// Serves until the process is interrupted; `ready` is told the URL once the socket listens.
    public static func run(_ options: ViewerOptions, store: any EpisodeStore, ready: @escaping @Sendable (String) -> Void) async throws {
        let feed = options.allowRun ? try LiveFeed(store: store, source: .viewer) : nil
        defer { feed?.close() }
        let api = ViewerAPI(gate: StoreGate(store), options: options, feed: feed)
        let router = Router()
        router.middlewares.add(ErrorBodies())
        addRoutes(router, api)
        var logger = Logger(label: "medgym.viewer")
        logger.logLevel = .warning
        let host = options.host
        let listening = Listening()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: options.port), serverName: "MedGym"),
            onServerRunning: { channel in
                listening.mark()
                ready("http://\(host):\(channel.localAddress?.port ?? options.port)")
            },
            logger: logger)
        do {
            try await app.runService()
        } catch  where !listening.marked {
            throw ViewerListenError(host: host, port: options.port, reason: "\(error)")
        }
    }

    /// Whether the socket came to listen (an error before that is the address's).
    private final class Listening: @unchecked Sendable {
        private var value = false
        private let lock = NSLock()
        func mark() { lock.withLock { value = true } }
        var marked: Bool { lock.withLock { value } }
    }

    static func addRoutes(_ router: Router<BasicRequestContext>, _ api: ViewerAPI) {
        router.get("/api/episodes") { request, _ in try await json(api.episodes(parameters(request))) }
        router.get("/api/facets") { _, _ in try await json(api.facets()) }
        router.get("/api/episodes/:id") { _, context in try await json(api.episode(try context.parameters.require("id"))) }
        router.get("/api/episodes/:id/postmortem") { _, context in try await json(api.postmortem(try context.parameters.require("id"))) }
        router.get("/api/episodes/:id/sweep") { _, context in try await json(api.sweep(try context.parameters.require("id"))) }
        router.get("/api/episodes/:id/training") { _, context in try await json(api.training(try context.parameters.require("id"))) }
        router.get("/api/actions") { request, _ in try json(api.actions(request.uri.queryParameters.get("q") ?? "")) }
        router.post("/api/fork") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            return try await json(api.fork(Data(buffer: body)))
        }
        router.get("/api/diff") { request, _ in try await json(api.diff(parameters(request))) }
        router.get("/api/leaderboard") { request, _ in try await json(api.leaderboard(parameters(request))) }
        router.post("/api/live") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            return try json(api.startLive(Data(buffer: body)))
        }
        router.get("/api/live") { _, _ in try await json(api.liveRuns()) }
        router.get("/api/live/:run/stream") { _, context in
            stream(try await api.liveRun(try context.parameters.require("run")), api.gate)
        }
        for (path, page) in [
            ("/", "index.html"), ("/episodes/:id", "episode.html"), ("/fork", "fork.html"), ("/live", "live.html"), ("/diff", "diff.html"),
            ("/leaderboard", "leaderboard.html"),
        ] {
            router.get(RouterPath(path)) { _, _ in try asset(page) }
        }
        router.get("/assets/:file") { _, context in try asset(try context.parameters.require("file")) }
        router.get("/api/openapi.json") { _, _ in try asset("openapi.json") }
    }

    static func parameters(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { out[String(key)] = String(value) }
        return out
    }

    /// A run of the store's live tables as server-sent events: every line so far, then each new one
    /// as its recorder writes it (read every 100 ms), until the run ends (its last line says how). A
    /// comment every 5 s of quiet finds a page that went away.
    static func stream(_ run: Int, _ gate: StoreGate) -> Response {
        let body = ResponseBody { writer in
            let follower = LiveFollower(run: run)
            var quiet = 0
            while true {
                let (lines, done) = try await gate.read { try follower.next($0) }
                for line in lines { try await writer.write(ByteBuffer(string: "data: \(line)\n\n")) }
                if done { break }
                quiet = lines.isEmpty ? quiet + 1 : 0
                if quiet >= 50 {
                    try await writer.write(ByteBuffer(string: ": waiting\n\n"))
                    quiet = 0
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    static func json(_ data: Data) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The pages and their script and style, from the module's resources.
    static let assets: [String: (type: String, data: Data)] = {
        var found: [String: (String, Data)] = [:]
        let types = [
            "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
            "json": "application/json; charset=utf-8",
        ]
        for name in [
            "index.html", "episode.html", "fork.html", "live.html", "diff.html", "leaderboard.html", "viewer.js", "viewer.css", "openapi.json",
        ] {
            let (base, ext) = (String(name.prefix { $0 != "." }), String(name.drop { $0 != "." }.dropFirst()))
            guard let file = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Pages"),
                let data = try? Data(contentsOf: file)
            else { continue }
            found[name] = (types[ext] ?? "application/octet-stream", data)
        }
        return found
    }()

    static func asset(_ name: String) throws -> Response {
        guard let (type, data) = assets[name] else { throw ViewerError(status: 404, message: "no page '\(name)'") }
        return Response(
            status: .ok,
            headers: [
                .contentType: type,
                .contentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'",
                .init("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The viewer could not listen where it was asked: the address, why, and what to change.
public struct ViewerListenError: Error, Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var reason: String

    public var description: String {
        "cannot listen on \(host):\(port) (\(reason)): choose another --port (0 takes any free one) or --host"
    }
}

/// Turns a ``ViewerError`` (or any other error) into a JSON body: `{"error": …, "suggestions": […]}`.
struct ErrorBodies: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ViewerError {
            return Self.body(error)
        } catch let error as HTTPError {
            return Self.body(ViewerError(status: Int(error.status.code), message: error.body ?? error.status.reasonPhrase))
        } catch {
            return Self.body(ViewerError(status: 500, message: "\(error)"))
        }
    }

    static func body(_ error: ViewerError) -> Response {
        struct Body: Encodable {
            var error: String
            var suggestions: [String]
        }
        let data = (try? CanonicalJSON.data(Body(error: error.message, suggestions: error.suggestions))) ?? Data()
        return Response(
            status: .init(code: error.status), headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
