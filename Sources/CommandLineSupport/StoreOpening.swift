import Foundation
import PostgresStore
import TraceStore

extension StoreLocation {
    /// Whether the location names a PostgreSQL store (`postgres://…`) rather than a SQLite file.
    public var isServer: Bool { PostgresLocation.isPostgres(path) }

    /// Opens the store the location names, whichever database holds it: a SQLite file (see
    /// ``StoreLocation/open(create:readOnly:)``, which also reports the default store's imports)
    /// or a PostgreSQL database, whose tables are created when it has none (`create` does not
    /// apply: the database itself must exist). Errors are ``StoreError``s, the password never shown.
    public func openStore(create: Bool, readOnly: Bool = false) throws -> (store: any EpisodeStore, imports: [AutoImport]) {
        guard isServer else {
            let (store, imports) = try open(create: create, readOnly: readOnly)
            return (store, imports)
        }
        do {
            return (try PostgresTraceStore(location: PostgresLocation(parsing: path), readOnly: readOnly), [])
        } catch {
            throw error.storeError
        }
    }
}
