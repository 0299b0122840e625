import Foundation
import MedGym
import PostgresNIO
import TraceStore

/// A trace store in PostgreSQL: the same episodes, events, hash chain, provenance, content-derived
/// ids and append-only rule as the SQLite store (``TraceStore``), in a database any number of
/// machines write and read at once. Every command takes one as `--store postgres://…` through the
/// store interface both share (``EpisodeStore``).
///
/// ```swift
/// let store = try PostgresTraceStore(location: PostgresLocation(parsing: "postgres://medgym@db/medgym"))
/// try store.save(recorded)
/// ```
public final class PostgresTraceStore: EpisodeStore, @unchecked Sendable {
    public let location: PostgresLocation
    private let session: PostgresSession
    public let fixtures = FixtureCache()
    public var signingKey: SigningKey?
    public let readOnly: Bool

    /// The location without its password: how messages name this store.
    public var path: String { location.redacted }

    /// Connects and brings the database's schema up to date (creating it in an empty database).
    /// `readOnly` creates nothing (an empty database is ``PostgresStoreError/emptyDatabase(location:)``)
    /// and then makes every transaction of this connection read-only; an older schema is still
    /// brought up to date first, as a read-only open of an older SQLite store is.
    public init(location: PostgresLocation, readOnly: Bool = false) throws(PostgresStoreError) {
        self.location = location
        self.readOnly = readOnly
        session = try PostgresSession(location)
        try migrate(creating: !readOnly)
        if readOnly { try session.rows("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY") }
    }

    /// The schema version recorded in the database.
    public func schemaVersion() throws(StoreError) -> Int {
        try run { try session.rows("SELECT MAX(version) FROM medgym_schema").first.flatMap { try? $0.decode(Int?.self) } ?? 0 }
    }

    /// The rows of `query`, each made a value by `transform`; errors as the store interface names them.
    func rows<T>(_ query: PostgresQuery, _ transform: (PostgresRow) throws -> T) throws(StoreError) -> [T] {
        try run { try session.rows(query).map(transform) }
    }

    /// `body`, its errors as the store interface names them.
    private func run<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresStoreError {
            throw error.storeError
        } catch {
            throw .server(location: path, problem: "\(error)")
        }
    }

    private func migrate(creating: Bool) throws(PostgresStoreError) {
        let lock = PostgresSchema.migrationLock
        do {
            try session.transaction {
                try session.rows("SELECT pg_advisory_xact_lock(\(lock))")
                let tables = try session.rows(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'medgym_schema'")
                var version = 0
                if try tables.first?.decode(Int.self) == 1 {
                    version = try session.rows("SELECT MAX(version) FROM medgym_schema").first?.decode(Int?.self) ?? 0
                    if version == 0 { throw PostgresStoreError.notAStore(location: location.redacted) }
                }
                if version == 0 && !creating { throw PostgresStoreError.emptyDatabase(location: location.redacted) }
                if version > PostgresSchema.current {
                    throw PostgresStoreError.newerSchema(location: location.redacted, found: version, supported: PostgresSchema.current)
                }
                guard version < PostgresSchema.current else { return }
                if (1..<3).contains(version) {
                    // Schema 3 makes the content a unique key: a run stored twice (two writers racing before it) is said first.
                    let twins = try session.rows(
                        """
                        SELECT string_agg(episode_id, ' = ' ORDER BY id) FROM episodes GROUP BY head_hash, event_count
                        HAVING count(*) > 1 LIMIT 3
                        """
                    ).map { try $0.decode(String.self) }
                    if !twins.isEmpty { throw PostgresStoreError.storedTwice(location: location.redacted, episodes: twins) }
                }
                for migration in PostgresSchema.migrations[version...] {
                    for statement in migration { try session.rows(PostgresQuery(unsafeSQL: statement)) }
                }
                try session.rows("DELETE FROM medgym_schema")
                let (current, library) = (PostgresSchema.current, MedGymVersion.current)
                try session.rows("INSERT INTO medgym_schema (version, library_version) VALUES (\(current), \(library))")
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw .server(location: location.redacted, reason: "\(error)")
        }
    }

    // MARK: writing

    /// Stores a whole episode in one statement (so one transaction), with the SQLite store's rules:
    /// the same trace under the same id is a no-op, different events under an existing id are
    /// refused, the same trace under another id is reported (or refused, per `sameContent`). Two
    /// workers saving the same episode at once store it once: the ids and the content (head hash
    /// and event count) are unique keys, so the second meets a conflict, looks again and finds the
    /// first's row. Two round trips: the look, then the insert.
    @discardableResult
    public func save(_ episode: RecordedEpisode, sameContent: TraceStore.SameContentPolicy) throws(StoreError) -> TraceStore.SaveOutcome {
        let id = episode.header.episodeID
        if let problem = episode.storabilityProblem(path: path) { throw problem }
        let insert = try insertion(episode)
        return try run {
            for attempt in 0..<3 {
                if let stored = try stored(episode, sameContent: sameContent) { return stored }
                do {
                    try session.rows(insert)
                    return .inserted
                } catch PostgresStoreError.duplicateKey where attempt < 2 {
                    continue  // another worker stored the same episode meanwhile: look again
                }
            }
            throw StoreError.corruptRow(path: path, episode: id, detail: "could not be stored after three attempts")
        }
    }

    /// What the store already holds of `episode`: nothing (nil), the episode itself, the same trace
    /// under another id, or other events under its id (refused).
    private func stored(_ episode: RecordedEpisode, sameContent: TraceStore.SameContentPolicy) throws -> TraceStore.SaveOutcome? {
        let (id, head, count) = (episode.header.episodeID, episode.headHash, episode.events.count)
        let rows = try session.rows(
            """
            SELECT episode_id, head_hash, event_count FROM episodes
            WHERE episode_id = \(id) OR (head_hash = \(head) AND event_count = \(count))
            """
        ).map { try $0.decode((String, String, Int).self) }
        if let own = rows.first(where: { $0.0 == id }) {
            guard own.1 == head && own.2 == count else { throw StoreError.conflictingEpisode(id: id, path: path) }
            return .alreadyStored(id: id)
        }
        guard let twin = rows.first else { return nil }
        if sameContent == .refuse { throw StoreError.duplicateContent(id: id, existing: twin.0, path: path) }
        return .alreadyStored(id: twin.0)
    }

    /// The one statement that writes an episode: its row, its events (a column array each), its
    /// summary and its signatures (the store's signing key's added), each checked first.
    private func insertion(_ episode: RecordedEpisode) throws(StoreError) -> PostgresQuery {
        let h = episode.header
        let (id, head, count) = (h.episodeID, episode.headHash, episode.events.count)
        var (seqs, steps, minutes, kinds, payloads, hashes) = ([Int](), [Int](), [Int](), [String](), [String](), [String]())
        for e in episode.events {
            guard e.hash.utf8.count == 64, e.hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw .corruptRow(path: path, episode: id, detail: "event \(e.seq)'s hash is not 64 hex digits")
            }
            seqs.append(e.seq)
            steps.append(e.step)
            minutes.append(e.simMinute)
            kinds.append(e.kind.rawValue)
            payloads.append(e.payload)
            hashes.append(e.hash)
        }
        var signatures = episode.signatures
        if let signingKey {
            do {
                signatures.append(try signingKey.sign(header: h, headHash: head, eventCount: count))
            } catch {
                throw .corruptRow(path: path, episode: id, detail: "could not be signed: \(error)")
            }
        }
        var (keys, signed) = ([String](), [String]())
        for signature in signatures {
            guard signature.isValid(header: h, headHash: head, eventCount: count) else {
                throw .corruptRow(
                    path: path, episode: id,
                    detail: "the signature by key \(signature.publicKey.prefix(12))… does not match this episode's row and head hash; nothing was written")
            }
            guard !keys.contains(signature.publicKey) else { continue }
            keys.append(signature.publicKey)
            signed.append(signature.signature)
        }
        let (score, final) = (episode.score, episode.extent)
        let tokens = ReplyTokens.total(in: episode.events)
        return """
            WITH episode AS (
                INSERT INTO episodes (episode_id, fixture, tier, variant, seed, agent, label, library_version, created_at,
                    parent_id, fork_step, event_count, head_hash)
                VALUES (\(id), \(h.fixture), \(h.tier), \(h.variant), \(String(h.seed)), \(h.agent), \(h.label), \(h.libraryVersion),
                    \(h.createdAt), \(h.parentID), \(h.forkStep), \(count), \(head))
                RETURNING id
            ), trace AS (
                INSERT INTO events (episode, seq, step, sim_minute, kind, payload, hash)
                SELECT episode.id, s, st, m, k, p, decode(x, 'hex')
                FROM episode, unnest(\(seqs)::bigint[], \(steps)::bigint[], \(minutes)::bigint[], \(kinds)::text[], \(payloads)::text[],
                    \(hashes)::text[]) AS t(s, st, m, k, p, x)
            ), summary AS (
                INSERT INTO summaries (episode, outcome, harm_level, composite, steps, end_minute, tokens)
                SELECT episode.id, \(score.outcome), \(score.harmLevel.rawValue), \(score.composite), \(final.steps), \(final.minute), \(tokens)
                FROM episode
            ), signed AS (
                INSERT INTO signatures (episode, public_key, signature)
                SELECT episode.id, k, g FROM episode, unnest(\(keys)::text[], \(signed)::text[]) AS t(k, g)
            )
            SELECT id FROM episode
            """
    }

    // MARK: reading

    /// Whether an episode with this id is stored (every PostgreSQL row is a finished episode: each
    /// is written in one transaction).
    public func contains(_ id: String) throws(StoreError) -> Bool {
        try run { try !session.rows("SELECT 1 FROM episodes WHERE episode_id = \(id)").isEmpty }
    }

    /// Every stored episode, in the order recorded, with its summary.
    public func list(includeUnfinished: Bool) throws(StoreError) -> [EpisodeListing] {
        try listings(where: "", [], order: "e.id")
    }

    /// One episode's row, or nil.
    public func row(_ id: String) throws(StoreError) -> EpisodeListing? {
        try listings(where: "WHERE e.episode_id = ?", [.text(id)], order: "e.id").first
    }

    /// Rows matching `clause` (its `?` bound to `values` in order), in `order`, `limit` of them from
    /// `offset` (all when nil).
    private func listings(
        where clause: String, _ values: [SQLiteValue], order: String, limit: Int? = nil, offset: Int = 0
    ) throws(StoreError) -> [EpisodeListing] {
        let sql = """
            SELECT e.episode_id, e.fixture, e.tier, e.variant, e.seed, e.agent, e.label, e.library_version,
                   e.created_at, e.parent_id, e.fork_step, e.event_count, e.head_hash,
                   s.outcome, s.harm_level, s.composite, s.steps, s.end_minute, s.tokens
            FROM episodes e LEFT JOIN summaries s ON s.episode = e.id
            \(clause)
            ORDER BY \(order)
            \(limit.map { "LIMIT \($0) OFFSET \(offset)" } ?? "")
            """
        return try run {
            try session.rows(Self.query(sql, values)).map { row in
                let c = PostgresRandomAccessRow(row)
                let id = try c[0].decode(String.self)
                let seed = try c[4].decode(String.self)
                guard let seedValue = UInt64(seed) else {
                    throw StoreError.corruptRow(path: path, episode: id, detail: "seed '\(seed)' is not a number")
                }
                let header = EpisodeHeader(
                    episodeID: id, fixture: try c[1].decode(String.self), tier: try c[2].decode(Int?.self),
                    variant: try c[3].decode(String?.self), seed: seedValue, agent: try c[5].decode(String.self),
                    label: try c[6].decode(String?.self), libraryVersion: try c[7].decode(String.self),
                    createdAt: try c[8].decode(String.self), parentID: try c[9].decode(String?.self),
                    forkStep: try c[10].decode(Int?.self))
                let summary = try c[13].decode(String?.self).map { outcome in
                    EpisodeSummary(
                        outcome: outcome, harmLevel: try c[14].decode(String.self), composite: try c[15].decode(Double.self),
                        steps: try c[16].decode(Int.self), endMinute: try c[17].decode(Int.self), tokens: try c[18].decode(Int?.self))
                }
                return EpisodeListing(
                    header: header, eventCount: try c[11].decode(Int.self), headHash: try c[12].decode(String.self), finished: true,
                    summary: summary)
            }
        }
    }

    /// `sql` with its `?` placeholders numbered as PostgreSQL wants them (`$1`, `$2`…) and `values` bound.
    static func query(_ sql: String, _ values: [SQLiteValue]) -> PostgresQuery {
        var numbered = ""
        var n = 0
        for c in sql {
            if c == "?" {
                n += 1
                numbered += "$\(n)"
            } else {
                numbered.append(c)
            }
        }
        var binds = PostgresBindings()
        for value in values {
            switch value {
            case .null: binds.appendNull()
            case .int(let v): binds.append(v)
            case .double(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .blob(let v): binds.append(ByteBuffer(bytes: v))
            }
        }
        return PostgresQuery(unsafeSQL: numbered, binds: binds)
    }

    /// Every stored episode's id, head hash and event count, in the order stored.
    public func heads() throws(StoreError) -> [EpisodeHead] {
        try run {
            try session.rows("SELECT episode_id, head_hash, event_count FROM episodes ORDER BY id").map { row in
                let (id, head, count) = try row.decode((String, String, Int).self)
                return EpisodeHead(id: id, headHash: head, eventCount: count)
            }
        }
    }

    /// Where an episode's events are: its row's key, event count and seed (an unknown id throws,
    /// with the nearest ids).
    private func range(_ id: String) throws(StoreError) -> (key: Int, count: Int, seed: String) {
        let found = try run {
            try session.rows("SELECT id, event_count, seed FROM episodes WHERE episode_id = \(id)").first?.decode((Int, Int, String).self)
        }
        guard let found else {
            _ = try listing(id)
            throw .unknownEpisode(id: id, path: path, suggestions: [])
        }
        return found
    }

    /// An episode's events as stored, each row's `prev_hash` and `rng_state` given back from the
    /// trace (the previous row's hash; the seed and the row's minute), as the SQLite store does.
    public func events(_ id: String) throws(StoreError) -> [TraceEvent] {
        let range = try range(id)
        return try events(
            of: id, range: range,
            """
            SELECT seq, step, sim_minute, kind, payload, encode(hash, 'hex')
            FROM events WHERE episode = \(range.key) ORDER BY seq
            """)
    }

    /// One episode's outline (see ``TraceOutline``): the events rows it has, and of its events only
    /// those the row's check reads, with payloads, hashes and rng states only where it reads them.
    public func outline(_ id: String) throws(StoreError) -> TraceOutline {
        let range = try range(id)
        let (key, last) = (range.key, range.count - 1)
        let stored = try run { try session.rows("SELECT count(*) FROM events WHERE episode = \(key)").first?.decode(Int.self) ?? 0 }
        let events = try events(
            of: id, range: range,
            """
            SELECT seq, step, sim_minute, kind,
                CASE WHEN seq = 0 OR seq = \(unescaped: String(last)) OR kind IN ('action_received', 'action_rejected') THEN payload ELSE '' END,
                CASE WHEN seq = 0 OR seq >= \(unescaped: String(last - 1)) THEN encode(hash, 'hex') ELSE '' END
            FROM events
            WHERE episode = \(key) AND (seq = 0 OR seq >= \(unescaped: String(last - 1)) OR kind IN ('action_received', 'action_rejected', 'no_action'))
            ORDER BY seq
            """)
        return TraceOutline(events: events, count: stored)
    }

    /// The events `query` selects (seq, step, minute, kind, payload, hash as hex; an empty hash where
    /// it was not read), with the rng state of each whose hash was read and the previous row's hash
    /// where that row was read.
    private func events(of id: String, range: (key: Int, count: Int, seed: String), _ query: PostgresQuery) throws(StoreError) -> [TraceEvent] {
        try run {
            var previous: (seq: Int, hash: String) = (-1, TraceHash.genesis)
            return try session.rows(query).map { row in
                let (seq, step, minute, kindText, payload, hash) = try row.decode((Int, Int, Int, String, String, String).self)
                guard let kind = TraceEventKind(rawValue: kindText) else {
                    throw StoreError.corruptRow(path: path, episode: id, detail: "event \(seq) has unknown kind '\(kindText)'")
                }
                let event = TraceEvent(
                    seq: seq, step: step, simMinute: minute, kind: kind, payload: payload,
                    rngState: hash.isEmpty ? "" : "seed=\(range.seed) minute=\(minute)",
                    prevHash: previous.seq == seq - 1 ? previous.hash : "", hash: hash)
                previous = (seq, hash)
                return event
            }
        }
    }

    /// The signatures stored beside an episode, by public key.
    public func signatures(_ id: String) throws(StoreError) -> [EpisodeSignature] {
        try run {
            try session.rows(
                """
                SELECT s.public_key, s.signature FROM signatures s JOIN episodes e ON e.id = s.episode
                WHERE e.episode_id = \(id) ORDER BY s.public_key COLLATE "C"
                """
            ).map { row in
                let (key, signature) = try row.decode((String, String).self)
                return EpisodeSignature(publicKey: key, signature: signature)
            }
        }
    }

    // MARK: browsing

    /// The episodes `query` asks for, as their rows say, and how many match in all.
    public func page(_ query: EpisodeQuery) throws(StoreError) -> EpisodePage {
        let (clause, values) = query.filter(.postgres)
        let limit = min(max(query.limit, 0), EpisodeQuery.maximumLimit)
        let rows = try listings(where: clause, values, order: query.order(.postgres), limit: limit, offset: max(query.offset, 0))
        let total = try run {
            try session.rows(Self.query("SELECT count(*) FROM episodes e LEFT JOIN summaries s ON s.episode = e.id \(clause)", values))
                .first?.decode(Int.self) ?? 0
        }
        return EpisodePage(total: total, rows: rows)
    }

    /// The distinct values of a browsing filter, sorted by their bytes (as SQLite sorts them).
    public func distinct(_ facet: EpisodeQuery.Facet) throws(StoreError) -> [String] {
        let column = facet.column
        return try run {
            try session.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT DISTINCT \(column) COLLATE "C" FROM episodes e LEFT JOIN summaries s ON s.episode = e.id
                        WHERE \(column) IS NOT NULL ORDER BY 1
                        """)
            ).map { try $0.decode(String.self) }
        }
    }

    /// The number of stored episodes: it grows with every commit (the store is append-only), where
    /// the newest key may not (keys are handed out before their transactions commit, in any order).
    public func newestKey() throws(StoreError) -> Int {
        try run { try session.rows("SELECT count(*) FROM episodes").first?.decode(Int.self) ?? 0 }
    }

    // MARK: integrity

    /// Summary and signature rows whose episode row is gone (the foreign keys allow none).
    public func orphanRows() throws(StoreError) -> (summaries: Int, signatures: Int) {
        try run {
            let summaries =
                try session.rows("SELECT count(*) FROM summaries WHERE episode NOT IN (SELECT id FROM episodes)").first?.decode(Int.self) ?? 0
            let signatures =
                try session.rows("SELECT count(*) FROM signatures WHERE episode NOT IN (SELECT id FROM episodes)").first?.decode(Int.self) ?? 0
            return (summaries, signatures)
        }
    }

    /// Event rows outside their episode's seqs (0 up to its event count).
    public func strayEventRows() throws(StoreError) -> Int {
        try run {
            try session.rows(
                """
                SELECT count(*) FROM events v LEFT JOIN episodes e ON e.id = v.episode
                WHERE e.id IS NULL OR v.seq < 0 OR v.seq >= e.event_count
                """
            ).first?.decode(Int.self) ?? 0
        }
    }

    /// This handle, then `count - 1` read-only connections of their own.
    public func connections(_ count: Int) throws(StoreError) -> [any EpisodeStore] {
        var stores: [any EpisodeStore] = [self]
        for _ in 1..<max(1, count) {
            do {
                stores.append(try PostgresTraceStore(location: location, readOnly: true))
            } catch {
                throw error.storeError
            }
        }
        return stores
    }

    /// Runs raw SQL (tests and tools): the rows' first column as text.
    public func textColumn(_ sql: String) throws -> [String?] {
        try session.rows(PostgresQuery(unsafeSQL: sql)).map { try $0.decode(String?.self) }
    }
}

extension PostgresStoreError {
    /// The error as the store interface names it.
    public var storeError: StoreError {
        switch self {
        case .server(let location, let reason), .duplicateKey(let location, let reason): .server(location: location, problem: reason)
        case .newerSchema(let location, let found, let supported): .newerSchema(path: location, found: found, supported: supported)
        case .badLocation(let text, let problem): .badStorePath(path: text, problem: "not a PostgreSQL location: \(problem)")
        case .unreachable(let location, let reason):
            .server(
                location: location, problem: "cannot connect (\(reason)): check the host, port, user, password (or PGPASSWORD) and database")
        case .emptyDatabase(let location): .missingStore(path: location)
        case .storedTwice(let location, _): .server(location: location, problem: String(description.dropFirst(location.count + 2)))
        case .notAStore(let location):
            .server(location: location, problem: "holds tables named like a MedGym store's but no medgym_schema row; give an empty database or a MedGym store")
        }
    }
}
