import Foundation

/// Where a live run is being recorded from: the command that plays it.
public enum LiveSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// `medgym run`.
    case run
    /// `medgym batch` (with `--live`, or with a `cmd:`/`openai:` agent).
    case batch
    /// `medgym serve --stdio` (the Python package's environment).
    case stdio
    /// `medgym serve --mcp`.
    case mcp
    /// The live page of `medgym serve --http`.
    case viewer
    /// `medgym worker` (a job of a `cmd:` or `openai:` agent).
    case worker
}

/// Writes the episodes a process is recording into the store's live tables as they are played, so
/// that another process (the viewer) can follow them turn by turn before they are stored.
///
/// A run is a row in `live_runs`; its trace events, exactly as the trace builder wrote them, go to
/// `live_events` as they are built, written in one transaction every 50 ms or so by a thread of the
/// feed's own (the recording never waits on the disk). When the episode is stored its live events
/// are dropped (the stored trace holds them); a run that failed keeps them, with its error.
///
/// The live tables are outside the traces: nothing in them is hashed or read back by the
/// simulation, and a feed that cannot write (a locked or read-only store) stops writing, keeps its
/// first error in ``problem``, and never fails the recording.
public final class LiveFeed: @unchecked Sendable {
    /// Runs kept in `live_runs` by default (the newest; older rows and their events are dropped as runs begin).
    public static let keptRuns = 1000
    /// How long the writer waits after the first pending line, gathering more into one transaction.
    static let gathering = 0.05

    public let source: LiveSource
    public let storePath: String
    /// Runs kept in `live_runs`.
    public let keep: Int
    private let writer: any LiveTableWriter
    private let host: String
    private let pid: Int
    /// Guards `pending`, `closed` and `firstProblem`; the writer waits on it.
    private let condition = NSCondition()
    /// Serialises the writer's connection (used by one thread at a time).
    private let writing = NSLock()
    private var pending: [LivePending] = []
    private var closed = false
    private var firstProblem: String?
    private let writerDone = DispatchSemaphore(value: 0)

    /// A feed into `store`'s live tables, on a connection of its own (SQLite or PostgreSQL).
    public convenience init(store: any EpisodeStore, source: LiveSource, keep: Int = LiveFeed.keptRuns) throws(StoreError) {
        self.init(writer: try store.liveWriter(), name: store.path, source: source, keep: keep)
    }

    /// A feed into the SQLite store at `storePath` (a store this library has opened for writing, so
    /// its schema has the live tables).
    public convenience init(storePath: String, source: LiveSource, keep: Int = LiveFeed.keptRuns) throws(StoreError) {
        self.init(writer: try SQLiteLiveWriter(path: storePath), name: storePath, source: source, keep: keep)
    }

    /// A feed through `writer` into the live tables of the store messages call `name`.
    public init(writer: any LiveTableWriter, name: String, source: LiveSource, keep: Int = LiveFeed.keptRuns) {
        self.storePath = name
        self.source = source
        self.keep = max(1, keep)
        self.writer = writer
        host = ProcessInfo.processInfo.hostName
        pid = Int(getpid())
        let thread = Thread { [unowned self] in self.writeUntilClosed() }
        thread.name = "medgym.live"
        thread.start()
    }

    deinit { close() }

    /// The first error met writing (the feed wrote nothing after it), or nil.
    public var problem: String? { condition.withLock { firstProblem } }

    /// Begins a run: its row is written now, so its id can be handed to a watcher at once. Nil when
    /// the feed has stopped (see ``problem``).
    public func begin(fixture: String, seed: UInt64, agent: String, label: String?) -> LiveRun? {
        guard problem == nil else { return nil }
        let now = CreatedAt.now()
        do {
            let id = try write {
                // What is pending goes first, so a run's lines never land after a prune that dropped it.
                let start = LiveRunStart(
                    fixture: fixture, seed: seed, agent: agent, label: label, source: source, host: host, pid: pid, now: now)
                return try writer.begin(start, after: takePending(), keep: keep)
            }
            return LiveRun(id: id, feed: self)
        } catch {
            stop(because: error)
            return nil
        }
    }

    /// Writes everything pending and stops the writer; later calls write nothing.
    public func close() {
        let wasOpen = condition.withLock {
            let open = !closed
            closed = true
            condition.signal()
            return open
        }
        if wasOpen { writerDone.wait() }
    }

    private func enqueue(_ item: LivePending) {
        condition.withLock {
            guard !closed, firstProblem == nil else { return }
            pending.append(item)
            condition.signal()
        }
    }

    func appendEvents(run: Int, _ events: [TraceEvent]) {
        if !events.isEmpty { enqueue(.events(run: run, events)) }
    }

    func end(run: Int, state: String, episodeID: String?, alreadyStored: Bool?, error: String?) {
        enqueue(.ended(run: run, state: state, episodeID: episodeID, alreadyStored: alreadyStored, error: error))
    }

    /// The writer: waits for pending items, gathers for a moment, writes them in one transaction.
    private func writeUntilClosed() {
        while true {
            condition.lock()
            while pending.isEmpty && !closed { condition.wait() }
            let finishing = closed
            condition.unlock()
            if !finishing { Thread.sleep(forTimeInterval: Self.gathering) }
            do {
                try write { try writer.write(takePending(), now: CreatedAt.now()) }
            } catch {
                stop(because: error)
            }
            if finishing && condition.withLock({ pending.isEmpty }) { break }
        }
        writerDone.signal()
    }

    /// The pending items, taken (under the connection's lock, so batches are written in the order taken).
    private func takePending() -> [LivePending] {
        condition.withLock {
            defer { pending.removeAll() }
            return pending
        }
    }

    private func write<T>(_ body: () throws -> T) throws -> T {
        writing.lock()
        defer { writing.unlock() }
        return try body()
    }

    private func stop(because error: any Error) {
        condition.withLock {
            if firstProblem == nil { firstProblem = "the live view of \(storePath) stopped: \(error)" }
            pending.removeAll()
        }
    }
}

/// One run of a ``LiveFeed``: the recorder tells it the events as they are built and how it ended.
public struct LiveRun: Sendable {
    /// The run's id in `live_runs` (what a watcher follows).
    public let id: Int
    let feed: LiveFeed

    /// Trace events built since the last call, in order.
    public func publish(_ events: some Collection<TraceEvent>) {
        feed.appendEvents(run: id, Array(events))
    }

    /// The episode was stored under `episodeID` (or was already, with the same content).
    public func stored(episodeID: String, alreadyStored: Bool) {
        feed.end(run: id, state: LiveRunRow.State.stored.rawValue, episodeID: episodeID, alreadyStored: alreadyStored, error: nil)
    }

    /// The recording ended without an episode to store: why.
    public func failed(_ reason: String) {
        feed.end(run: id, state: LiveRunRow.State.failed.rawValue, episodeID: nil, alreadyStored: nil, error: reason)
    }
}
