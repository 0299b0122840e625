import TraceStore

/// Registers the PostgreSQL store with ``StoreServers``, so `--store postgres://…` opens a
/// ``PostgresTraceStore`` in this process.
public enum PostgresStoreServer {
    public static func register() {
        for scheme in StoreServers.schemes {
            StoreServers.register(scheme: scheme) { url, readOnly in
                do {
                    return try PostgresTraceStore(location: PostgresLocation(parsing: url), readOnly: readOnly)
                } catch let error as PostgresStoreError {
                    throw error.storeError
                }
            }
        }
    }
}
