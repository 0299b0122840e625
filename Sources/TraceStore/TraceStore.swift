import Foundation
import MedGym

/// The event-sourced trace store: one SQLite file (WAL mode) holding many
/// episodes. `events` is append-only and the truth; `summaries` is a
/// projection rebuilt from it. States are not stored: re-executing the
/// recorded actions rebuilds them exactly.
///
/// ```swift
/// let store = try TraceStore(path: "traces/medgym.sqlite")
/// try store.save(recorded)
/// let events = try store.events("ep_0fa72a32ec1d")
/// ```
public final class TraceStore: EpisodeStore {
    public let path: String
    /// The underlying connection, for benchmarks and tools that need raw SQL.
    public let connection: SQLiteConnection
    /// Prepared statements by SQL text, reused across saves (looked up, never iterated).
    private var statements: [String: SQLiteStatement] = [:]
    /// Compresses payloads on write and inflates them on read (schema 6).
    private let codec = PayloadCodec()
    /// Fixtures the row checks read tiers from, loaded once each.
    /// The fixtures its episodes name, each loaded once (the checks and the reports share them).
    public let fixtures = FixtureCache()
    /// When set, every episode this store saves is signed with it (its
    /// signature stored beside the row, outside the chain).
    public var signingKey: SigningKey?

    /// Whether this handle was opened for reading only.
    public let readOnly: Bool

    /// Opens (or, with `create`, creates) the store at `path`, migrating an
    /// older schema. Refuses, without writing a byte, a file that is not
    /// SQLite, an SQLite file that is not a MedGym store, and a store from a
    /// newer schema.
    ///
    /// `readOnly` opens it for reading only, never migrating and never
    /// creating anything: when no writer's `-wal` file is beside it, as
    /// immutable (so a store in a read-only folder or a read-only file can be
    /// read, and no `-wal`/`-shm` files are left behind); otherwise read-only
    /// beside the live write-ahead log.
    public init(path: String, create: Bool = true, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        self.readOnly = readOnly
        let manager = FileManager.default
        let exists = manager.fileExists(atPath: path)
        if !exists && (!create || readOnly) { throw .missingStore(path: path) }
        if exists && readOnly { Self.awaitCreation(path: path) }
        if exists { try Self.checkHeader(path: path, create: create && !readOnly) }
        if !exists {
            let directory = (path as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            if !directory.isEmpty && !(manager.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
                throw .badStorePath(path: path, problem: "the folder \(directory) does not exist; create it first (nothing was written)")
            }
        }
        if readOnly, let version = try? Self.peekVersion(path: path), version < StoreSchema.current {
            // An older layout is brought up to date once, by a writing open, before it is read.
            do {
                _ = try TraceStore(path: path, create: false)
            } catch .sqlite(let error) where SQLiteResultCode.permissionDenied.contains(error.primaryCode) {
                throw .badStorePath(
                    path: path,
                    problem:
                        "has trace-store schema \(version) and must be migrated to \(StoreSchema.current) before it can be read, which needs write access to the file and its folder (\(error)); run any command on it once as a user who can write it"
                )
            } catch {
                throw .badStorePath(
                    path: path,
                    problem:
                        "has trace-store schema \(version), and migrating it to \(StoreSchema.current) failed: \(error); the file was not changed (it may be damaged: export its episodes with the MedGym that wrote it)"
                )
            }
        }
        do {
            if readOnly {
                let immutable = !manager.fileExists(atPath: path + "-wal")
                connection = try SQLiteConnection(path: path, create: false, readOnly: true, immutable: immutable)
            } else {
                connection = try SQLiteConnection(path: path, create: create)
            }
        } catch {
            throw .sqlite(error)
        }
        if readOnly {
            try checkReadableSchema()
            return
        }
        // Several processes creating or migrating one new store at once: the
        // switch to WAL and the migration need the write lock, and SQLite may
        // answer SQLITE_BUSY without waiting; try again for up to ~10 s.
        var attempt = 0
        while true {
            do {
                try prepareSchema()
                break
            } catch .sqlite(let error) where SQLiteResultCode.locked.contains(error.primaryCode) && attempt < 200 {
                attempt += 1
                usleep(UInt32(10_000 + 500 * attempt))
            }
        }
    }

    /// A reader that finds a store another process is still creating (an
    /// empty file, or an SQLite database with no tables yet) waits for it,
    /// up to a second (creation takes milliseconds), instead of calling it
    /// "not a MedGym store". Any other file is left to the checks that follow.
    static func awaitCreation(path: String) {
        for _ in 0..<20 {
            let head =
                FileHandle(forReadingAtPath: path).flatMap { handle in
                    defer { try? handle.close() }
                    return try? handle.read(upToCount: 16)
                } ?? Data()
            if !head.isEmpty && head != sqliteMagic { return }
            if !head.isEmpty, let tables = try? tableCount(path: path), tables > 0 { return }
            usleep(50_000)
        }
    }

    /// How many tables a database file holds, read without writing.
    static func tableCount(path: String) throws -> Int {
        let db = try SQLiteConnection(path: path, create: false, readOnly: true, immutable: !FileManager.default.fileExists(atPath: path + "-wal"))
        return try db.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") ?? 0
    }

    /// The first 16 bytes of every SQLite 3 database.
    static let sqliteMagic = Data("SQLite format 3\0".utf8)

    private static func checkHeader(path: String, create: Bool) throws(StoreError) {
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        if type == .typeDirectory {
            throw .badStorePath(
                path: path, problem: "is a folder; give a store file inside it, such as \((path as NSString).appendingPathComponent("medgym.sqlite"))")
        }
        if let type, type != .typeRegular && type != .typeSymbolicLink {
            throw .badStorePath(path: path, problem: "is not a regular file (a device or pipe); give a store file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .notSQLite(path: path) }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty {  // an empty file is an empty database: only a writer may turn it into a store
            if create { return }
            throw .badStorePath(
                path: path,
                problem:
                    "is an empty file, not a MedGym trace store (nor one another process was creating: none appeared within a second); record into it with 'medgym run --store \(path)' or pass another --store (the file was not changed)"
            )
        }
        guard head == sqliteMagic else { throw .notSQLite(path: path) }
    }

    /// The schema version recorded in a store file, read without writing.
    static func peekVersion(path: String) throws -> Int? {
        let db = try SQLiteConnection(path: path, create: false, readOnly: true, immutable: !FileManager.default.fileExists(atPath: path + "-wal"))
        guard (try db.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'medgym_schema'") ?? 0) > 0 else { return nil }
        return try db.scalarInt("SELECT MAX(version) FROM medgym_schema")
    }

    /// A read-only handle: the file must be a MedGym store of this library's
    /// schema (an older one was migrated just before, by a writing open).
    private func checkReadableSchema() throws(StoreError) {
        do {
            let named = try connection.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'medgym_schema'") ?? 0
            guard named > 0 else { throw StoreError.notAStore(path: path) }
            let version = try connection.scalarInt("SELECT MAX(version) FROM medgym_schema") ?? 0
            if version > StoreSchema.current {
                throw StoreError.newerSchema(path: path, found: version, supported: StoreSchema.current)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as SQLiteError {
            if error.primaryCode == SQLiteResultCode.notADatabase { throw .notSQLite(path: path) }
            throw .sqlite(error)
        } catch {
            throw .corruptRow(path: path, episode: "-", detail: "\(error)")
        }
    }

    private func prepareSchema() throws(StoreError) {
        do {
            let tables = try connection.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            var names: [String] = []
            while try tables.step() { names.append(tables.text(0) ?? "") }
            var version = 0
            if names.contains("medgym_schema") {
                version = try connection.scalarInt("SELECT MAX(version) FROM medgym_schema") ?? 0
            } else if !names.isEmpty {
                throw StoreError.notAStore(path: path)
            }
            if version > StoreSchema.current {
                throw StoreError.newerSchema(path: path, found: version, supported: StoreSchema.current)
            }
            if names.isEmpty {
                // A new file: 8 KB pages hold a score card without an overflow chain (set before the first write).
                try connection.execute("PRAGMA page_size = \(StoreSchema.pageSize)")
            }
            if (try connection.scalarText("PRAGMA journal_mode"))?.lowercased() != "wal" {
                try connection.execute("PRAGMA journal_mode = WAL")
            }
            try connection.execute("PRAGMA synchronous = NORMAL")
            if version < StoreSchema.current {
                try connection.transaction {
                    // Another process may have migrated since the read above.
                    let exists = try connection.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'medgym_schema'") ?? 0
                    let from = exists > 0 ? try connection.scalarInt("SELECT MAX(version) FROM medgym_schema") ?? 0 : 0
                    guard from < StoreSchema.current else { return }
                    try StoreSchema.migrate(connection, from: from)
                    try connection.execute("DELETE FROM medgym_schema")
                    let insert = try connection.prepare("INSERT INTO medgym_schema (version, library_version) VALUES (?, ?)")
                    try insert.run([.int(StoreSchema.current), .text(MedGymVersion.current)])
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as SQLiteError {
            if error.primaryCode == SQLiteResultCode.notADatabase { throw .notSQLite(path: path) }
            throw .sqlite(error)
        } catch {
            throw .corruptRow(path: path, episode: "-", detail: "\(error)")
        }
    }

    /// The schema version recorded in the file.
    public func schemaVersion() throws(StoreError) -> Int {
        do { return try connection.scalarInt("SELECT MAX(version) FROM medgym_schema") ?? 0 } catch { throw .sqlite(error) }
    }

    // MARK: writing

    /// Whether ``save(_:sameContent:)`` wrote the episode or found it already there.
    public enum SaveOutcome: Sendable, Hashable {
        case inserted
        /// The same trace (same head hash) is stored under this id, which may
        /// be the episode's own id or another one.
        case alreadyStored(id: String)
    }

    /// What ``save(_:sameContent:)`` does when the same trace is already
    /// stored under another id.
    public enum SameContentPolicy: Sendable, Hashable {
        /// Write nothing and report the existing id.
        case reportExisting
        /// Refuse with ``StoreError/duplicateContent(id:existing:path:)``
        /// (the caller asked for this id on purpose).
        case refuse
    }

    /// Stores a whole episode in one transaction: its events,
    /// summary and header (marked finished last). A crash before the commit
    /// leaves nothing of it. Saving the same trace under the same id again is
    /// a no-op; different events under an existing id are refused; the same
    /// trace under another id is reported (or refused) per `sameContent`.
    @discardableResult
    public func save(_ episode: RecordedEpisode, sameContent: SameContentPolicy) throws(StoreError) -> SaveOutcome {
        let id = episode.header.episodeID
        if let problem = episode.storabilityProblem(path: path) { throw problem }
        do {
            return try connection.transaction { () throws -> SaveOutcome in
                let existing = try statement("SELECT head_hash, event_count, finished FROM episodes WHERE episode_id = ?")
                try existing.bind([.text(id)])
                let found = try existing.step() ? (existing.text(0), existing.int(1), existing.int(2)) : nil
                existing.reset()
                if let found {
                    if found.0 == episode.headHash && found.1 == episode.events.count {
                        guard found.2 == 1 else {
                            throw StoreError.rowMismatch(
                                id: id, path: path,
                                problem: "this trace is stored, but its row is marked unfinished (finished = 0), which MedGym never writes; nothing was written"
                            )
                        }
                        return .alreadyStored(id: id)
                    }
                    throw StoreError.conflictingEpisode(id: id, path: path)
                }
                let twin = try statement("SELECT episode_id FROM episodes WHERE head_hash = ? AND event_count = ? LIMIT 1")
                try twin.bind([.text(episode.headHash), .int(episode.events.count)])
                let other = try twin.step() ? twin.text(0) : nil
                twin.reset()
                if let other {
                    if sameContent == .refuse { throw StoreError.duplicateContent(id: id, existing: other, path: path) }
                    return .alreadyStored(id: other)
                }
                // One transaction: the header row, its events and its summary commit together or not at all.
                // The events take the next run of rowids: episodes.first_event + seq.
                let first = try connection.scalarInt("SELECT IFNULL(MAX(id), 0) + 1 FROM events") ?? 1
                let h = episode.header
                try statement(
                    """
                    INSERT INTO episodes (episode_id, fixture, tier, variant, seed, agent, label, library_version,
                        created_at, parent_id, fork_step, event_count, head_hash, finished, first_event)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
                    """
                ).run([
                    .text(id), .text(h.fixture), .optional(h.tier), .optional(h.variant), .text(String(h.seed)),
                    .text(h.agent), .optional(h.label), .text(h.libraryVersion), .text(h.createdAt),
                    .optional(h.parentID), .optional(h.forkStep), .int(episode.events.count), .text(episode.headHash),
                    .int(first),
                ])
                let key = connection.lastInsertRowID
                let events = try statement(RangedLayout.insert)
                for e in episode.events {
                    guard let hash = HashBytes.bytes(hex: e.hash) else {
                        throw StoreError.corruptRow(path: path, episode: id, detail: "event \(e.seq)'s hash is not 64 hex digits")
                    }
                    try events.run([
                        .int(first + e.seq), .int(key), .int(e.seq), .int(e.step), .int(e.simMinute),
                        .text(e.kind.rawValue), RangedLayout.stored(e.payload, codec: codec),
                        .int(e.payload.utf8.count), .blob(hash),
                    ])
                }
                let score = episode.score
                let final = episode.extent
                try statement(
                    """
                    INSERT INTO summaries (episode, outcome, harm_level, composite, steps, end_minute, tokens)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
                ).run([
                    .int(key), .text(score.outcome), .text(score.harmLevel.rawValue), .double(score.composite),
                    .int(final.steps), .int(final.minute), .optional(ReplyTokens.total(in: episode.events)),
                ])
                var signatures = episode.signatures
                if let signingKey {
                    signatures.append(try signingKey.sign(header: h, headHash: episode.headHash, eventCount: episode.events.count))
                }
                for signature in signatures {
                    guard signature.isValid(header: h, headHash: episode.headHash, eventCount: episode.events.count) else {
                        throw StoreError.corruptRow(
                            path: path, episode: id,
                            detail:
                                "the signature by key \(signature.publicKey.prefix(12))… does not match this episode's row and head hash; nothing was written")
                    }
                    try statement("INSERT OR IGNORE INTO signatures (episode, public_key, signature) VALUES (?, ?, ?)")
                        .run([.int(key), .text(signature.publicKey), .text(signature.signature)])
                }
                return .inserted
            }
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let prepared = try connection.prepare(sql)
        statements[sql] = prepared
        return prepared
    }

    static func wrap(_ error: any Error, path: String) -> StoreError {
        switch error {
        case let error as StoreError: error
        case let error as SQLiteError: .sqlite(error)
        default: .corruptRow(path: path, episode: "-", detail: "\(error)")
        }
    }

    // MARK: reading

    /// Whether a finished episode with this id is stored.
    public func contains(_ id: String) throws(StoreError) -> Bool {
        do {
            let statement = try connection.prepare("SELECT 1 FROM episodes WHERE episode_id = ? AND finished = 1")
            try statement.bind([.text(id)])
            return try statement.step()
        } catch {
            throw .sqlite(error)
        }
    }

    /// Every stored episode, in the order recorded, with its summary.
    public func list(includeUnfinished: Bool) throws(StoreError) -> [EpisodeListing] {
        try listings(where: includeUnfinished ? "" : "WHERE e.finished = 1", [])
    }

    /// Rows matching `clause` (with `values` bound), in `order`, `limit` of them from `offset` (all when nil).
    func listings(
        where clause: String, _ values: [SQLiteValue], order: String = "e.id", limit: Int? = nil, offset: Int = 0
    ) throws(StoreError) -> [EpisodeListing] {
        do {
            let statement = try connection.prepare(
                """
                SELECT e.episode_id, e.fixture, e.tier, e.variant, e.seed, e.agent, e.label, e.library_version,
                       e.created_at, e.parent_id, e.fork_step, e.event_count, e.head_hash, e.finished,
                       s.outcome, s.harm_level, s.composite, s.steps, s.end_minute, s.tokens
                FROM episodes e LEFT JOIN summaries s ON s.episode = e.id
                \(clause)
                ORDER BY \(order)
                \(limit.map { "LIMIT \($0) OFFSET \(offset)" } ?? "")
                """)
            try statement.bind(values)
            var rows: [EpisodeListing] = []
            while try statement.step() {
                let header = try Self.header(from: statement, path: path)
                let summary =
                    statement.isNull(14)
                    ? nil
                    : EpisodeSummary(
                        outcome: statement.text(14) ?? "", harmLevel: statement.text(15) ?? "", composite: statement.double(16),
                        steps: statement.int(17), endMinute: statement.int(18),
                        tokens: statement.isNull(19) ? nil : statement.int(19))
                rows.append(
                    EpisodeListing(
                        header: header, eventCount: statement.int(11), headHash: statement.text(12) ?? "",
                        finished: statement.int(13) == 1, summary: summary))
            }
            return rows
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// One episode's row, or nil when no episode has this id.
    public func row(_ id: String) throws(StoreError) -> EpisodeListing? {
        try listings(where: "WHERE e.episode_id = ?", [.text(id)]).first
    }

    /// `count` connections to this store for as many threads (at least one): this one, then read-only
    /// ones of its own (a connection is used by one thread at a time).
    public func connections(_ count: Int) throws(StoreError) -> [any EpisodeStore] {
        var stores: [any EpisodeStore] = [self]
        for _ in 1..<max(1, count) { stores.append(try TraceStore(path: path, readOnly: true)) }
        return stores
    }

    /// One episode's outline, as stored (unchecked: see ``EpisodeChecker/check(_:outline:)``): the number
    /// of its events rows, and of its events only those the row's check reads (see ``TraceOutline``).
    public func outline(_ id: String) throws(StoreError) -> TraceOutline {
        do {
            guard let range = try eventRange(id) else { return TraceOutline(events: [], count: 0) }
            let counting = try statement("SELECT count(*) FROM events WHERE id BETWEEN ? AND ?")
            try counting.bind([.int(range.first), .int(range.first + range.count - 1)])
            defer { counting.reset() }
            guard try counting.step() else { return TraceOutline(events: [], count: 0) }
            let stored = counting.int(0)
            let statement = try statement(
                """
                SELECT id, episode, seq, step, sim_minute, kind, payload, size, hash FROM events
                WHERE id BETWEEN ? AND ? AND (id = ? OR id >= ? OR kind IN ('action_received', 'action_rejected', 'no_action'))
                ORDER BY id
                """)
            try statement.bind([.int(range.first), .int(range.first + range.count - 1), .int(range.first), .int(range.first + range.count - 2)])
            // Hashes and rng states are spelled out only where the check reads them: the first event, the
            // last, and the one before the last (the last's link).
            let events = try rows(of: id, in: range, from: statement) { seq, kind in
                (TraceOutline.carriesPayload(seq: seq, kind: kind, count: range.count), seq == 0 || seq >= range.count - 2)
            }
            return TraceOutline(events: events, count: stored)
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// One episode's events, in order, as stored (unchecked: see ``checkedEvents(_:)``).
    /// A row in the episode's range that names another episode or seq, or a
    /// payload that does not inflate to its recorded size, is a corrupt row.
    public func events(_ id: String) throws(StoreError) -> [TraceEvent] {
        do {
            guard let range = try eventRange(id) else { return [] }
            let statement = try statement(
                """
                SELECT id, episode, seq, step, sim_minute, kind, payload, size, hash FROM events
                WHERE id BETWEEN ? AND ? ORDER BY id
                """)
            try statement.bind([.int(range.first), .int(range.first + range.count - 1)])
            return try rows(of: id, in: range, from: statement) { _, _ in (true, true) }
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// Where an episode's events rows are: its row's key, first event row, event count and seed; nil
    /// when the episode has no row (an unknown id throws, with the nearest ids).
    private func eventRange(_ id: String) throws -> (key: Int, first: Int, count: Int, seed: String)? {
        let range = try statement("SELECT id, first_event, event_count, seed FROM episodes WHERE episode_id = ?")
        try range.bind([.text(id)])
        defer { range.reset() }
        guard try range.step() else {
            range.reset()
            _ = try listing(id)
            return nil
        }
        return (range.int(0), range.int(1), range.int(2), range.text(3) ?? "")
    }

    /// The events `statement` selects (it binds the columns `events()` reads), each checked to be a row
    /// of the episode at its seq. `spell(seq, kind)` says whether to inflate its payload and whether to
    /// spell out its hash and rng state (else both empty). rng_state and prev_hash are not stored: they
    /// follow from the seed, the minute and the previous row (empty when that row was not selected).
    private func rows(
        of id: String, in range: (key: Int, first: Int, count: Int, seed: String), from statement: SQLiteStatement,
        spell: (Int, TraceEventKind) -> (payload: Bool, linked: Bool)
    ) throws -> [TraceEvent] {
        defer { statement.reset() }
        var events: [TraceEvent] = []
        events.reserveCapacity(range.count)
        var previous: (seq: Int, hash: String) = (-1, TraceHash.genesis)
        while try statement.step() {
            let seq = statement.int(2)
            guard statement.int(1) == range.key, seq == statement.int(0) - range.first else {
                throw StoreError.corruptRow(
                    path: path, episode: id,
                    detail: "events row \(statement.int(0)), in this episode's range, is episode \(statement.int(1)) seq \(seq)")
            }
            let kindText = statement.text(5) ?? ""
            guard let kind = TraceEventKind(rawValue: kindText) else {
                throw StoreError.corruptRow(path: path, episode: id, detail: "event \(seq) has unknown kind '\(kindText)'")
            }
            let wanted = spell(seq, kind)
            var payload = ""
            if wanted.payload {
                guard let inflated = try self.payload(statement, column: 6, size: statement.int(7)) else {
                    throw StoreError.corruptRow(
                        path: path, episode: id,
                        detail: "event \(seq)'s payload is neither its \(statement.int(7)) bytes nor a zlib stream of them")
                }
                payload = inflated
            }
            let hash = wanted.linked ? HashBytes.hex(statement.blob(8)) : ""
            events.append(
                TraceEvent(
                    seq: seq, step: statement.int(3), simMinute: statement.int(4), kind: kind, payload: payload,
                    rngState: wanted.linked ? "seed=\(range.seed) minute=\(statement.int(4))" : "",
                    prevHash: previous.seq == seq - 1 ? previous.hash : "", hash: hash))
            previous = (seq, hash)
        }
        return events
    }

    private func payload(_ statement: SQLiteStatement, column: Int32, size: Int) throws -> String? {
        statement.withBytes(column) { codec.decompress($0, size: size) }
    }

    /// The signatures stored for an episode, by public key.
    public func signatures(_ id: String) throws(StoreError) -> [EpisodeSignature] {
        do {
            let statement = try statement(
                """
                SELECT g.public_key, g.signature FROM signatures g JOIN episodes e ON e.id = g.episode
                WHERE e.episode_id = ? ORDER BY g.public_key
                """)
            try statement.bind([.text(id)])
            defer { statement.reset() }
            var found: [EpisodeSignature] = []
            while try statement.step() {
                found.append(EpisodeSignature(publicKey: statement.text(0) ?? "", signature: statement.text(1) ?? ""))
            }
            return found
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// Summary and signature rows whose episode row is gone (nothing MedGym
    /// writes leaves one): their count.
    public func orphanRows() throws(StoreError) -> (summaries: Int, signatures: Int) {
        do {
            let summaries = try connection.scalarInt("SELECT COUNT(*) FROM summaries WHERE episode NOT IN (SELECT id FROM episodes)") ?? 0
            let signatures = try connection.scalarInt("SELECT COUNT(*) FROM signatures WHERE episode NOT IN (SELECT id FROM episodes)") ?? 0
            return (summaries, signatures)
        } catch {
            throw .sqlite(error)
        }
    }

    /// Event rows that lie in no episode's range (an episode's rows are
    /// checked on read; this finds rows added beside them).
    public func strayEventRows() throws(StoreError) -> Int {
        do {
            return try connection.scalarInt(
                """
                SELECT COUNT(*) FROM events v LEFT JOIN episodes e ON e.id = v.episode
                WHERE e.first_event IS NULL OR v.id NOT BETWEEN e.first_event AND e.first_event + e.event_count - 1
                """) ?? 0
        } catch {
            throw .sqlite(error)
        }
    }

    private static func header(from s: SQLiteStatement, path: String) throws -> EpisodeHeader {
        let id = s.text(0) ?? ""
        guard let seed = s.text(4).flatMap({ UInt64($0) }) else {
            throw StoreError.corruptRow(path: path, episode: id, detail: "seed '\(s.text(4) ?? "")' is not a number")
        }
        return EpisodeHeader(
            episodeID: id, fixture: s.text(1) ?? "", tier: s.isNull(2) ? nil : s.int(2), variant: s.text(3), seed: seed,
            agent: s.text(5) ?? "", label: s.text(6), libraryVersion: s.text(7) ?? "", createdAt: s.text(8) ?? "",
            parentID: s.text(9), forkStep: s.isNull(10) ? nil : s.int(10))
    }

    /// Up to three ids closest to `id`: longest shared prefix (of at least 4 characters) first, then alphabetical.
    static func nearest(_ id: String, in ids: [String]) -> [String] {
        func prefix(_ a: String, _ b: String) -> Int { zip(a, b).prefix { $0 == $1 }.count }
        return ids.sorted { (prefix(id, $1), $0) < (prefix(id, $0), $1) }
            .filter { prefix(id, $0) > 3 }
            .prefix(3).map { $0 }
    }
}

/// An episode as `replay list` shows it.
public struct EpisodeListing: Sendable, Hashable, Codable {
    public var header: EpisodeHeader
    public var eventCount: Int
    public var headHash: String
    public var finished: Bool
    public var summary: EpisodeSummary?

    public init(header: EpisodeHeader, eventCount: Int, headHash: String, finished: Bool, summary: EpisodeSummary?) {
        (self.header, self.eventCount, self.headHash, self.finished, self.summary) = (header, eventCount, headHash, finished, summary)
    }
}

/// The summary projection of an episode.
public struct EpisodeSummary: Sendable, Hashable, Codable {
    public var outcome: String
    public var harmLevel: String
    public var composite: Double
    public var steps: Int
    public var endMinute: Int
    /// The model tokens the episode's replies recorded, summed (``ReplyTokens``); nil when no reply carried a count.
    public var tokens: Int?

    public init(outcome: String, harmLevel: String, composite: Double, steps: Int, endMinute: Int, tokens: Int? = nil) {
        self.outcome = outcome
        self.harmLevel = harmLevel
        self.composite = composite
        self.steps = steps
        self.endMinute = endMinute
        self.tokens = tokens
    }
}
