import Foundation

/// A run in the store's live tables, as a watcher reads it (see ``LiveFeed``).
public struct LiveRunRow: Sendable, Hashable, Codable {
    public init(
        run: Int, fixture: String, seed: String, agent: String, label: String?, source: String, host: String, pid: Int, startedAt: String,
        updatedAt: String, step: Int, minute: Int, state: State, episodeID: String?, alreadyStored: Bool?, error: String?
    ) {
        (self.run, self.fixture, self.seed, self.agent, self.label, self.source, self.host, self.pid) = (run, fixture, seed, agent, label, source, host, pid)
        (self.startedAt, self.updatedAt, self.step, self.minute, self.state) = (startedAt, updatedAt, step, minute, state)
        (self.episodeID, self.alreadyStored, self.error) = (episodeID, alreadyStored, error)
    }

    /// How a run stands.
    public enum State: String, Sendable, Hashable, Codable {
        /// Being played.
        case running
        /// Over, and its episode is in the store (`episode_id`).
        case stored
        /// Over without an episode to store (`error` says why).
        case failed
        /// Marked running, but the process recording it (on this machine) is gone.
        case abandoned
    }

    public var run: Int
    public var fixture: String
    public var seed: String
    public var agent: String
    public var label: String?
    public var source: String
    public var host: String
    public var pid: Int
    public var startedAt: String
    public var updatedAt: String
    /// The step and simulated minute of the last event written.
    public var step: Int
    public var minute: Int
    public var state: State
    public var episodeID: String?
    public var alreadyStored: Bool?
    public var error: String?
}

extension TraceStore {
    /// The newest runs of the live tables, newest first, at most `limit`.
    public func liveRuns(limit: Int = 50) throws(StoreError) -> [LiveRunRow] {
        try liveRows("ORDER BY id DESC LIMIT \(max(0, limit))", [])
    }

    /// One run of the live tables, or nil.
    public func liveRun(_ run: Int) throws(StoreError) -> LiveRunRow? {
        try liveRows("WHERE id = ?", [.int(run)]).first
    }

    /// A run's live events after seq `after` (-1: all), in order. They carry no hashes: the chain is
    /// the stored trace's, made when the episode is stored.
    public func liveEvents(run: Int, after: Int) throws(StoreError) -> [TraceEvent] {
        do {
            let rows = try statement("SELECT seq, step, sim_minute, kind, payload FROM live_events WHERE run = ? AND seq > ? ORDER BY seq")
            defer { rows.reset() }
            try rows.bind([.int(run), .int(after)])
            var events: [TraceEvent] = []
            while try rows.step() {
                guard let kind = TraceEventKind(rawValue: rows.text(3) ?? "") else {
                    throw StoreError.corruptRow(path: path, episode: "live run \(run)", detail: "unknown event kind '\(rows.text(3) ?? "")'")
                }
                events.append(
                    TraceEvent(
                        seq: rows.int(0), step: rows.int(1), simMinute: rows.int(2), kind: kind, payload: rows.text(4) ?? "", rngState: "",
                        prevHash: "", hash: ""))
            }
            return events
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    private func liveRows(_ tail: String, _ values: [SQLiteValue]) throws(StoreError) -> [LiveRunRow] {
        do {
            let rows = try statement(
                """
                SELECT id, fixture, seed, agent, label, source, host, pid, started_at, updated_at, step, minute, state,
                       episode_id, already_stored, error
                FROM live_runs \(tail)
                """)
            defer { rows.reset() }
            try rows.bind(values)
            let here = ProcessInfo.processInfo.hostName
            var out: [LiveRunRow] = []
            while try rows.step() {
                var row = LiveRunRow(
                    run: rows.int(0), fixture: rows.text(1) ?? "", seed: rows.text(2) ?? "", agent: rows.text(3) ?? "", label: rows.text(4),
                    source: rows.text(5) ?? "", host: rows.text(6) ?? "", pid: rows.int(7), startedAt: rows.text(8) ?? "",
                    updatedAt: rows.text(9) ?? "", step: rows.int(10), minute: rows.int(11),
                    state: LiveRunRow.State(rawValue: rows.text(12) ?? "") ?? .failed,
                    episodeID: rows.text(13), alreadyStored: rows.isNull(14) ? nil : rows.int(14) != 0, error: rows.text(15))
                row.markIfAbandoned(here: here)
                out.append(row)
            }
            return out
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// A writer into this store's live tables, on a connection of its own.
    public func liveWriter() throws(StoreError) -> any LiveTableWriter {
        try SQLiteLiveWriter(path: path)
    }
}

extension LiveRunRow {
    /// A run marked running whose process on this machine (`here`) is gone reads as abandoned.
    public mutating func markIfAbandoned(here: String = ProcessInfo.processInfo.hostName) {
        guard state == .running, host == here, !Self.processExists(pid) else { return }
        state = .abandoned
        error = "the process recording it (pid \(pid)) ended before the episode did"
    }

    /// Whether a process with this id exists on this machine (one owned by another user counts).
    static func processExists(_ pid: Int) -> Bool {
        guard pid > 0, pid <= Int(Int32.max) else { return false }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }
}
