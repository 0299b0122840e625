import Foundation
import TraceStore

/// The viewer's one store connection, used by one request at a time. Another process may be writing
/// the same file: SQLite's WAL lets this connection read each committed episode as it lands.
final class StoreGate: @unchecked Sendable {
    private let store: TraceStore
    private let lock = NSLock()

    init(_ store: TraceStore) { self.store = store }

    func read<T>(_ body: (TraceStore) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(store)
    }

    var path: String { store.path }
}
