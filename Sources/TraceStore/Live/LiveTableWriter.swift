import Foundation

/// Where a ``LiveFeed`` writes: a store's live tables, on a connection of the feed's own (used by
/// one thread at a time: the feed serialises its calls). The SQLite store gives one
/// (``SQLiteLiveWriter``), the PostgreSQL store another.
public protocol LiveTableWriter: AnyObject {
    /// In one transaction: `earlier` (what was pending), then a new run's row; runs more than
    /// `keep` older than it are dropped with their events. The new run's id.
    func begin(_ run: LiveRunStart, after earlier: [LivePending], keep: Int) throws -> Int
    /// `batch` in one transaction, stamped `now`.
    func write(_ batch: [LivePending], now: String) throws
}

/// A run's row as it begins.
public struct LiveRunStart: Sendable {
    public var fixture: String
    public var seed: UInt64
    public var agent: String
    public var label: String?
    public var source: LiveSource
    public var host: String
    public var pid: Int
    public var now: String
}

/// What a feed has to write: a run's new events, or how it ended.
public enum LivePending: Sendable {
    case events(run: Int, [TraceEvent])
    case ended(run: Int, state: String, episodeID: String?, alreadyStored: Bool?, error: String?)
}

/// A SQLite store's live tables (schema 9).
public final class SQLiteLiveWriter: LiveTableWriter {
    private let connection: SQLiteConnection

    /// A connection of its own to the store at `path` (a store this library has opened for
    /// writing, so its schema has the live tables).
    public init(path: String) throws(StoreError) {
        do {
            connection = try SQLiteConnection(path: path, create: false)
        } catch {
            throw .sqlite(error)
        }
    }

    public func begin(_ run: LiveRunStart, after earlier: [LivePending], keep: Int) throws -> Int {
        try connection.transaction { () throws -> Int in
            try store(earlier, now: run.now)
            let insert = try connection.prepare(
                """
                INSERT INTO live_runs (fixture, seed, agent, label, source, host, pid, started_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try insert.run([
                .text(run.fixture), .text(String(run.seed)), .text(run.agent), .optional(run.label), .text(run.source.rawValue),
                .text(run.host), .int(run.pid), .text(run.now), .text(run.now),
            ])
            let id = connection.lastInsertRowID
            let oldest = id - keep
            if oldest > 0 {
                try connection.execute("DELETE FROM live_runs WHERE id <= \(oldest); DELETE FROM live_events WHERE run <= \(oldest)")
            }
            return id
        }
    }

    public func write(_ batch: [LivePending], now: String) throws {
        guard !batch.isEmpty else { return }
        try connection.transaction { try store(batch, now: now) }
    }

    private func store(_ batch: [LivePending], now: String) throws {
        guard !batch.isEmpty else { return }
        let insert = try connection.prepare(
            "INSERT OR IGNORE INTO live_events (run, seq, step, sim_minute, kind, payload) VALUES (?, ?, ?, ?, ?, ?)")
        let progress = try connection.prepare("UPDATE live_runs SET step = ?, minute = ?, updated_at = ? WHERE id = ?")
        let end = try connection.prepare(
            "UPDATE live_runs SET state = ?, episode_id = ?, already_stored = ?, error = ?, updated_at = ? WHERE id = ?")
        let drop = try connection.prepare("DELETE FROM live_events WHERE run = ?")
        for item in batch {
            switch item {
            case .events(let run, let events):
                for event in events {
                    try insert.run([
                        .int(run), .int(event.seq), .int(event.step), .int(event.simMinute), .text(event.kind.rawValue), .text(event.payload),
                    ])
                }
                if let last = events.last { try progress.run([.int(last.step), .int(last.simMinute), .text(now), .int(run)]) }
            case .ended(let run, let state, let episodeID, let alreadyStored, let error):
                try end.run([
                    .text(state), .optional(episodeID), alreadyStored.map { .int($0 ? 1 : 0) } ?? .null, .optional(error), .text(now), .int(run),
                ])
                // A stored episode's trace is in the store: its live copy goes.
                if state == LiveRunRow.State.stored.rawValue { try drop.run([.int(run)]) }
            }
        }
    }
}
