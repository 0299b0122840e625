import Foundation
import PostgresNIO
import TraceStore

/// A PostgreSQL store's live tables (schema 4): the runs being recorded, on any machine, and their
/// trace events so far, as a ``LiveFeed`` writes them. Outside the traces: not append-only (a
/// stored run's events are dropped), never hashed.
final class PostgresLiveWriter: LiveTableWriter {
    private let session: PostgresSession

    init(_ location: PostgresLocation) throws(PostgresStoreError) {
        session = try PostgresSession(location)
    }

    func begin(_ run: LiveRunStart, after earlier: [LivePending], keep: Int) throws -> Int {
        try session.transaction {
            try store(earlier, now: run.now)
            let id =
                try session.rows(
                    """
                    INSERT INTO live_runs (fixture, seed, agent, label, source, host, pid, started_at, updated_at)
                    VALUES (\(run.fixture), \(String(run.seed)), \(run.agent), \(run.label), \(run.source.rawValue), \(run.host), \(run.pid),
                        \(run.now), \(run.now))
                    RETURNING id
                    """
                ).first?.decode(Int.self) ?? 0
            let oldest = id - keep
            if oldest > 0 {
                try session.rows("DELETE FROM live_events WHERE run <= \(oldest)")
                try session.rows("DELETE FROM live_runs WHERE id <= \(oldest)")
            }
            return id
        }
    }

    func write(_ batch: [LivePending], now: String) throws {
        guard !batch.isEmpty else { return }
        try session.transaction { try store(batch, now: now) }
    }

    private func store(_ batch: [LivePending], now: String) throws {
        for item in batch {
            switch item {
            case .events(let run, let events):
                guard let last = events.last else { continue }
                try session.rows(
                    """
                    INSERT INTO live_events (run, seq, step, sim_minute, kind, payload)
                    SELECT \(run), s, st, m, k, p
                    FROM unnest(\(events.map(\.seq))::bigint[], \(events.map(\.step))::bigint[], \(events.map(\.simMinute))::bigint[],
                        \(events.map(\.kind.rawValue))::text[], \(events.map(\.payload))::text[]) AS t(s, st, m, k, p)
                    ON CONFLICT DO NOTHING
                    """)
                try session.rows("UPDATE live_runs SET step = \(last.step), minute = \(last.simMinute), updated_at = \(now) WHERE id = \(run)")
            case .ended(let run, let state, let episodeID, let alreadyStored, let error):
                try session.rows(
                    """
                    UPDATE live_runs SET state = \(state), episode_id = \(episodeID), already_stored = \(alreadyStored), error = \(error),
                        updated_at = \(now)
                    WHERE id = \(run)
                    """)
                // A stored episode's trace is in the store: its live copy goes.
                if state == LiveRunRow.State.stored.rawValue { try session.rows("DELETE FROM live_events WHERE run = \(run)") }
            }
        }
    }
}

extension PostgresTraceStore {
    /// The newest runs of the live tables, newest first, at most `limit`.
    public func liveRuns(limit: Int) throws(StoreError) -> [LiveRunRow] {
        try liveRows("ORDER BY id DESC LIMIT \(max(0, limit))", [])
    }

    /// One run of the live tables, or nil.
    public func liveRun(_ run: Int) throws(StoreError) -> LiveRunRow? {
        try liveRows("WHERE id = ?", [.int(run)]).first
    }

    /// A run's live events after seq `after` (-1: all), in order, without hashes.
    public func liveEvents(run: Int, after: Int) throws(StoreError) -> [TraceEvent] {
        try rows(Self.query("SELECT seq, step, sim_minute, kind, payload FROM live_events WHERE run = ? AND seq > ? ORDER BY seq", [.int(run), .int(after)])) {
            row in
            let (seq, step, minute, kindText, payload) = try row.decode((Int, Int, Int, String, String).self)
            guard let kind = TraceEventKind(rawValue: kindText) else {
                throw StoreError.corruptRow(path: path, episode: "live run \(run)", detail: "unknown event kind '\(kindText)'")
            }
            return TraceEvent(seq: seq, step: step, simMinute: minute, kind: kind, payload: payload, rngState: "", prevHash: "", hash: "")
        }
    }

    /// A writer into the live tables, on a connection of its own.
    public func liveWriter() throws(StoreError) -> any LiveTableWriter {
        do {
            return try PostgresLiveWriter(location)
        } catch {
            throw error.storeError
        }
    }

    private func liveRows(_ tail: String, _ values: [SQLiteValue]) throws(StoreError) -> [LiveRunRow] {
        let here = ProcessInfo.processInfo.hostName
        return try rows(
            Self.query(
                """
                SELECT id, fixture, seed, agent, label, source, host, pid, started_at, updated_at, step, minute, state,
                       episode_id, already_stored, error
                FROM live_runs \(tail)
                """, values)
        ) { row in
            let c = PostgresRandomAccessRow(row)
            var live = LiveRunRow(
                run: try c[0].decode(Int.self), fixture: try c[1].decode(String.self), seed: try c[2].decode(String.self),
                agent: try c[3].decode(String.self), label: try c[4].decode(String?.self), source: try c[5].decode(String.self),
                host: try c[6].decode(String.self), pid: try c[7].decode(Int.self), startedAt: try c[8].decode(String.self),
                updatedAt: try c[9].decode(String.self), step: try c[10].decode(Int.self), minute: try c[11].decode(Int.self),
                state: LiveRunRow.State(rawValue: try c[12].decode(String.self)) ?? .failed, episodeID: try c[13].decode(String?.self),
                alreadyStored: try c[14].decode(Bool?.self), error: try c[15].decode(String?.self))
            live.markIfAbandoned(here: here)
            return live
        }
    }
}
