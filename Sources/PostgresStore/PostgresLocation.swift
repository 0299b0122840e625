import Foundation

/// Where a PostgreSQL store is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://`).
/// The password may also come from `PGPASSWORD`; it is never printed (``redacted``).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    /// Whether `text` names a PostgreSQL store rather than a file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresStoreError) {
        guard Self.isPostgres(text), let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw .badLocation(text: Self.redact(text), problem: "write postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw .badLocation(text: Self.redact(text), problem: "it names no database; end it with /DATABASE")
        }
        guard let user = url.user, !user.isEmpty else {
            throw .badLocation(text: Self.redact(text), problem: "it names no user; write postgres://USER@HOST/DATABASE")
        }
        self.host = host
        self.port = url.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = url.password.map { $0.removingPercentEncoding ?? $0 } ?? environment["PGPASSWORD"]
        self.database = database.removingPercentEncoding ?? database
    }

    /// The location with its password hidden, for messages.
    public var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    public var description: String { redacted }

    static func redact(_ text: String) -> String {
        if var url = URLComponents(string: text) {
            guard url.password != nil else { return text }
            url.password = "***"
            if let redacted = url.string { return redacted }
        }
        // Not a URL Foundation reads (a password with '#' or a space): hide what lies between the user's ':' and the last '@'.
        guard let scheme = text.range(of: "://"), let at = text.lastIndex(of: "@"), scheme.upperBound < at,
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}

/// What can go wrong with a PostgreSQL store: each names the server (never its password) and the fix.
public enum PostgresStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case badLocation(text: String, problem: String)
    case unreachable(location: String, reason: String)
    case server(location: String, reason: String)
    /// A row with the same unique key was written first (another worker stored the same episode).
    case duplicateKey(location: String, reason: String)
    case newerSchema(location: String, found: Int, supported: Int)
    case notAStore(location: String)
    /// A reading command was pointed at a database that holds no store.
    case emptyDatabase(location: String)
    /// The same trace is stored under several ids (`episodes`: each group's ids), which schema 3 forbids.
    case storedTwice(location: String, episodes: [String])

    public var description: String {
        switch self {
        case .badLocation(let text, let problem): "store '\(text)' is not a PostgreSQL location: \(problem)"
        case .unreachable(let location, let reason):
            "cannot connect to \(location) (\(reason)): check the host, port, user, password (or PGPASSWORD) and database"
        case .server(let location, let reason), .duplicateKey(let location, let reason): "\(location): \(reason)"
        case .newerSchema(let location, let found, let supported):
            "\(location) has trace-store schema \(found), newer than this MedGym's \(supported); use a newer MedGym"
        case .notAStore(let location):
            "\(location) holds tables named like a MedGym store's but no medgym_schema row; give an empty database or a MedGym store"
        case .emptyDatabase(let location):
            "\(location) holds no MedGym store; record into it first (medgym batch --store …) or move episodes in with replay sync --to"
        case .storedTwice(let location, let episodes):
            "\(location): the same trace is stored under several ids (\(episodes.joined(separator: "; "))), which this MedGym's schema forbids (one run is stored once); move the store into a new database with replay sync --from … --to …, which stores each run once, and use that one"
        }
    }
}
