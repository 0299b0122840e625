import Foundation

/// The stores held by database servers that this process can open, by URL scheme: a program that
/// links a server's client (`medgym` links PostgreSQL's) registers it at start, so the commands
/// that open stores need not link it themselves.
public enum StoreServers {
    /// Opens the store at a server URL (`readOnly`: this handle never writes).
    public typealias Opener = @Sendable (_ url: String, _ readOnly: Bool) throws -> any EpisodeStore

    private static let lock = NSLock()
    nonisolated(unsafe) private static var openers: [String: Opener] = [:]

    /// The URL schemes of server stores, whether or not this process can open them.
    public static let schemes = ["postgres", "postgresql"]

    /// Makes stores at `scheme://…` openable in this process.
    public static func register(scheme: String, _ opener: @escaping Opener) {
        lock.lock()
        defer { lock.unlock() }
        openers[scheme] = opener
    }

    /// The scheme of a server store's URL, or nil for a file.
    public static func scheme(of location: String) -> String? {
        schemes.first { location.hasPrefix("\($0)://") }
    }

    /// The opener registered for `scheme`, if any.
    static func opener(for scheme: String) -> Opener? {
        lock.lock()
        defer { lock.unlock() }
        return openers[scheme]
    }
}

extension StoreLocation {
    /// Whether the location names a store held by a database server (`postgres://…`) rather than a
    /// SQLite file.
    public var isServer: Bool { StoreServers.scheme(of: path) != nil }

    /// Opens the store the location names, whichever database holds it: a SQLite file (see
    /// ``open(create:readOnly:)``, which also reports the default store's imports) or a database
    /// server's store, whose tables are created when it has none (`create` does not apply: the
    /// database itself must exist). The server's client must be registered (``StoreServers``).
    public func openStore(create: Bool, readOnly: Bool = false) throws -> (store: any EpisodeStore, imports: [AutoImport]) {
        guard let scheme = StoreServers.scheme(of: path) else {
            let (store, imports) = try open(create: create, readOnly: readOnly)
            return (store, imports)
        }
        guard let opener = StoreServers.opener(for: scheme) else {
            throw StoreError.badStorePath(
                path: "\(scheme)://…", problem: "this program has no \(scheme) client; run the command as medgym runs it (medgym replay …)")
        }
        return (try opener(path, readOnly), [])
    }
}
