import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One connection to a PostgreSQL server (postgres-nio), used from synchronous code: each query runs
/// on the connection's event loop (a thread of postgres-nio's own, never Swift's cooperative pool)
/// while the calling thread waits for its rows.
final class PostgresSession: @unchecked Sendable {
    let location: PostgresLocation
    private let connection: PostgresConnection
    private let logger: Logger

    init(_ location: PostgresLocation) throws(PostgresStoreError) {
        self.location = location
        var quiet = Logger(label: "medgym.postgres")
        quiet.logLevel = .error
        let logger = quiet
        self.logger = logger
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        do {
            connection = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 1, logger: logger
            ).wait()
        } catch {
            throw .unreachable(location: location.redacted, reason: Self.describe(error))
        }
    }

    deinit { try? connection.close().wait() }

    /// The rows of one statement.
    @discardableResult
    func rows(_ query: PostgresQuery) throws(PostgresStoreError) -> [PostgresRow] {
        do {
            return try connection.query(query, logger: logger).wait().rows
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw .duplicateKey(location: location.redacted, reason: Self.describe(error))
        } catch {
            throw .server(location: location.redacted, reason: Self.describe(error))
        }
    }

    /// Runs `body` between BEGIN and COMMIT, rolling back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try rows("BEGIN")
        do {
            let value = try body()
            try rows("COMMIT")
            return value
        } catch {
            _ = try? rows("ROLLBACK")
            throw error
        }
    }

    /// The server's own message when it sent one (PSQLError's description hides it).
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let server = psql.serverInfo {
                let code = server[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return (server[.message] ?? "\(psql.code)") + code
            }
            return "\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }
}
