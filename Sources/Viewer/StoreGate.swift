import Foundation
import TraceStore

/// The viewer's store: one connection for the quick reads (the list, an episode, a fork), used by one
/// request at a time, and a connection of its own for each long analysis (a sweep, a post-mortem, the
/// training rows), so that one never holds up the list. Work runs on threads of its own, never on the
/// server's. Another process may be writing the same file: SQLite's WAL lets each read see every
/// episode committed before it.
final class StoreGate: @unchecked Sendable {
    private let store: any EpisodeStore
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "medgym.viewer.store", attributes: .concurrent)
    /// Analyses already made, by what and which episode (an episode's trace never changes).
    private var analyses: [String: Data] = [:]
    private var analysisOrder: [String] = []

    init(_ store: any EpisodeStore) { self.store = store }

    var path: String { store.path }

    /// `body` on the shared connection, off the server's threads.
    func read<T: Sendable>(_ body: @escaping @Sendable (any EpisodeStore) throws -> T) async throws -> T {
        try await offload {
            self.lock.lock()
            defer { self.lock.unlock() }
            return try body(self.store)
        }
    }

    /// `body` on the shared connection, on the calling thread (a live run's own).
    func readHere<T>(_ body: (any EpisodeStore) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(store)
    }

    /// `body` on a read-only connection of its own, off the server's threads; its answer is kept
    /// under `key` (the last 64 analyses).
    func analysis(_ key: String, _ body: @escaping @Sendable (any EpisodeStore) throws -> Data) async throws -> Data {
        if let known = cached(key) { return known }
        let reader = Handed(store: try readHere { try $0.reader() })
        let data = try await offload { try body(reader.store) }
        keep(data, as: key)
        return data
    }

    private func keep(_ data: Data, as key: String) {
        lock.lock()
        defer { lock.unlock() }
        guard analyses[key] == nil else { return }
        analyses[key] = data
        analysisOrder.append(key)
        if analysisOrder.count > 64 { analyses[analysisOrder.removeFirst()] = nil }
    }

    private func cached(_ key: String) -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return analyses[key]
    }

    private func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}

/// A store handle passed to the one thread that will use it.
private struct Handed: @unchecked Sendable {
    let store: any EpisodeStore
}
