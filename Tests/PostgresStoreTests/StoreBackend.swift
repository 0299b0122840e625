import CLITestSupport
import Foundation
import PostgresStore
import Testing
import TraceStore

/// Which database holds a store under test: the store and command suites run on each available
/// one (SQLite always; PostgreSQL when `MEDGYM_TEST_POSTGRES` names a test server).
enum StoreBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var available: [StoreBackend] { [.sqlite] + (testServer == nil ? [] : [.postgres]) }

    var testDescription: String { rawValue }

    /// A new, empty store's location: a file in `dir`, or a database of its own on the test server.
    func newStore(in dir: TempDir, name: String = "store") throws -> String {
        switch self {
        case .sqlite: dir.path("\(name).sqlite")
        case .postgres: try PostgresStoreTests.database()
        }
    }

    /// Opens the store at `location` as the commands do.
    func open(_ location: String, readOnly: Bool = false) throws -> any EpisodeStore {
        switch self {
        case .sqlite: try TraceStore(path: location, readOnly: readOnly)
        case .postgres: try PostgresTraceStore(location: PostgresLocation(parsing: location), readOnly: readOnly)
        }
    }

    /// How messages name the store at `location` (a PostgreSQL password is never shown).
    func shown(_ location: String) throws -> String {
        switch self {
        case .sqlite: location
        case .postgres: try PostgresLocation(parsing: location).redacted
        }
    }
}
