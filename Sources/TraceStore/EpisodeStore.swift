import Foundation
import MedGym

/// A trace store, whichever database holds it: what every command, report and server asks of one.
/// ``TraceStore`` keeps it in an SQLite file (the embedded default); the PostgreSQL store
/// (`PostgresTraceStore`) in a server many machines share. Both keep the same event model, hash
/// chain, provenance, content-derived ids and append-only rule, and give the same answers: the
/// same episodes read back byte for byte, the same rows, the same refusals.
///
/// A store handle is used by one thread at a time; ``connections(_:)`` gives one per thread.
public protocol EpisodeStore: AnyObject {
    /// The store as messages name it: the SQLite file's path, or the PostgreSQL location without
    /// its password.
    var path: String { get }
    /// The fixtures its episodes name, each loaded once (the checks and the reports share them).
    var fixtures: FixtureCache { get }
    /// When set, every episode this store saves is signed with it.
    var signingKey: SigningKey? { get set }
    /// Whether this handle was opened for reading only.
    var readOnly: Bool { get }

    /// The schema version the store's tables are at.
    func schemaVersion() throws(StoreError) -> Int

    /// Stores a whole episode in one transaction. The same trace under the same id again is a
    /// no-op; different events under a stored id are refused; the same trace under another id is
    /// reported (or refused) per `sameContent`.
    @discardableResult
    func save(_ episode: RecordedEpisode, sameContent: TraceStore.SameContentPolicy) throws(StoreError) -> TraceStore.SaveOutcome

    /// Whether a finished episode with this id is stored.
    func contains(_ id: String) throws(StoreError) -> Bool
    /// Every stored episode, in the order recorded, with its summary.
    func list(includeUnfinished: Bool) throws(StoreError) -> [EpisodeListing]
    /// One episode's row, or nil when no episode has this id.
    func row(_ id: String) throws(StoreError) -> EpisodeListing?
    /// One episode's events, in order, as stored (unchecked: see ``checkedEvents(_:)``).
    func events(_ id: String) throws(StoreError) -> [TraceEvent]
    /// One episode's outline, as stored (unchecked: see ``EpisodeChecker/check(_:outline:)``).
    func outline(_ id: String) throws(StoreError) -> TraceOutline
    /// The signatures stored for an episode, by public key.
    func signatures(_ id: String) throws(StoreError) -> [EpisodeSignature]
    /// Every finished episode's id, head hash and event count, in the order stored.
    func heads() throws(StoreError) -> [EpisodeHead]

    /// The episodes `query` asks for, as their rows say, and how many match in all.
    func page(_ query: EpisodeQuery) throws(StoreError) -> EpisodePage
    /// The distinct values of a browsing filter, sorted.
    func distinct(_ facet: EpisodeQuery.Facet) throws(StoreError) -> [String]
    /// A number that grows whenever an episode is stored (the newest row's key; 0 when empty).
    func newestKey() throws(StoreError) -> Int

    /// Summary and signature rows whose episode row is gone: their count.
    func orphanRows() throws(StoreError) -> (summaries: Int, signatures: Int)
    /// Event rows that belong to no episode (an episode's rows are checked on read; this finds
    /// rows added beside them).
    func strayEventRows() throws(StoreError) -> Int

    /// `count` handles on this store for as many threads (at least one): this one, then read-only
    /// ones of their own.
    func connections(_ count: Int) throws(StoreError) -> [any EpisodeStore]

    /// The newest runs of the live tables (see ``LiveFeed``), newest first, at most `limit`.
    func liveRuns(limit: Int) throws(StoreError) -> [LiveRunRow]
    /// One run of the live tables, or nil.
    func liveRun(_ run: Int) throws(StoreError) -> LiveRunRow?
    /// A run's live events after seq `after` (-1: all), in order, without hashes.
    func liveEvents(run: Int, after: Int) throws(StoreError) -> [TraceEvent]
    /// A writer into the live tables on a connection of its own, for a ``LiveFeed``.
    func liveWriter() throws(StoreError) -> any LiveTableWriter
}

extension EpisodeStore {
    /// Stores a whole episode, reporting the id of the same trace stored under another id.
    @discardableResult
    public func save(_ episode: RecordedEpisode) throws(StoreError) -> TraceStore.SaveOutcome {
        try save(episode, sameContent: .reportExisting)
    }

    /// Every finished episode, in the order recorded, with its summary.
    public func list() throws(StoreError) -> [EpisodeListing] { try list(includeUnfinished: false) }

    /// The ids of every finished episode, in the order recorded.
    public func episodeIDs() throws(StoreError) -> [String] {
        try heads().map(\.id)
    }

    /// One episode's listing row; an unknown id is an error with the nearest ids.
    public func listing(_ id: String) throws(StoreError) -> EpisodeListing {
        if let row = try row(id) { return row }
        throw .unknownEpisode(id: id, path: path, suggestions: TraceStore.nearest(id, in: try episodeIDs()))
    }

    /// One episode's header.
    public func header(_ id: String) throws(StoreError) -> EpisodeHeader {
        try listing(id).header
    }

    /// What ``checkedEpisode(_:)`` checks, apart from reading: rows and events read on one thread can
    /// be checked on several.
    public var checker: EpisodeChecker { EpisodeChecker(path: path, fixtures: fixtures) }

    /// One episode, checked before it is served (see ``CheckedEpisode``): the hash chain holds and
    /// ends where the row says, and every field of the row agrees with the trace. A broken chain is
    /// ``StoreError/brokenTrace(id:path:problem:)``, a row that disagrees with its trace
    /// ``StoreError/rowMismatch(id:path:problem:)``; `replay verify` reports the same.
    public func checkedEpisode(_ id: String) throws(StoreError) -> CheckedEpisode {
        let listing = try listing(id)
        return try checker.check(listing, events: try events(id))
    }

    /// One episode's events, checked as ``checkedEpisode(_:)`` checks them.
    public func checkedEvents(_ id: String) throws(StoreError) -> (listing: EpisodeListing, events: [TraceEvent]) {
        let checked = try checkedEpisode(id)
        return (checked.listing, checked.events)
    }

    /// The score card the trace ends with (its `score` event).
    public func storedScore(_ id: String) throws(StoreError) -> ScoreCard? {
        guard let score = try events(id).last(where: { $0.kind == .score }) else { return nil }
        do {
            return try CanonicalJSON.decode(TracePayload.self, from: Data(score.payload.utf8)).score
        } catch {
            throw .corruptRow(path: path, episode: id, detail: "its score event does not decode: \(error)")
        }
    }

    /// A read-only handle of its own on this store (for work on another thread).
    public func reader() throws(StoreError) -> any EpisodeStore {
        let handles = try connections(2)
        return handles[handles.count - 1]
    }
}
