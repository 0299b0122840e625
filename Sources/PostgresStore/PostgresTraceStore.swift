import Foundation
import MedGym
import PostgresNIO
import TraceStore

/// A trace store in PostgreSQL: the same episodes, events, hash chain, provenance, content-derived
/// ids and append-only rule as the SQLite store (``TraceStore``), in a database any number of
/// machines write and read at once.
///
/// ```swift
/// let store = try PostgresTraceStore(location: PostgresLocation(parsing: "postgres://medgym@db/medgym"))
/// try store.save(recorded)
/// ```
public final class PostgresTraceStore: @unchecked Sendable {
    public let location: PostgresLocation
    private let session: PostgresSession

    /// Connects and brings the database's schema up to date (creating it in an empty database).
    public init(location: PostgresLocation) throws(PostgresStoreError) {
        self.location = location
        session = try PostgresSession(location)
        try migrate()
    }

    /// The schema version recorded in the database.
    public func schemaVersion() throws(PostgresStoreError) -> Int {
        try session.rows("SELECT MAX(version) FROM medgym_schema").first.flatMap { try? $0.decode(Int?.self) } ?? 0
    }

    private func migrate() throws(PostgresStoreError) {
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
                if version > PostgresSchema.current {
                    throw PostgresStoreError.newerSchema(location: location.redacted, found: version, supported: PostgresSchema.current)
                }
                guard version < PostgresSchema.current else { return }
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

    /// Stores a whole episode in one transaction, with the SQLite store's rules: the same trace
    /// under the same id is a no-op, different events under an existing id are refused, the same
    /// trace under another id is reported (or refused, per `sameContent`). Two workers saving the
    /// same episode at once store it once: the second finds the first's row.
    @discardableResult
    public func save(
        _ episode: RecordedEpisode, sameContent: TraceStore.SameContentPolicy = .reportExisting
    ) throws -> TraceStore.SaveOutcome {
        let id = episode.header.episodeID
        if let problem = episode.storabilityProblem(path: location.redacted) { throw problem }
        for attempt in 0..<3 {
            do {
                return try session.transaction { try insert(episode, sameContent: sameContent) }
            } catch PostgresStoreError.duplicateKey where attempt < 2 {
                continue  // another worker stored the same episode meanwhile: look again
            }
        }
        throw StoreError.corruptRow(path: location.redacted, episode: id, detail: "could not be stored after three attempts")
    }

    private func insert(_ episode: RecordedEpisode, sameContent: TraceStore.SameContentPolicy) throws -> TraceStore.SaveOutcome {
        let h = episode.header
        let (id, head, count) = (h.episodeID, episode.headHash, episode.events.count)
        if let found = try session.rows("SELECT head_hash, event_count FROM episodes WHERE episode_id = \(id)").first {
            let (storedHead, storedCount) = try found.decode((String, Int).self)
            guard storedHead == head && storedCount == count else { throw StoreError.conflictingEpisode(id: id, path: location.redacted) }
            return .alreadyStored(id: id)
        }
        if let twin = try session.rows("SELECT episode_id FROM episodes WHERE head_hash = \(head) AND event_count = \(count) LIMIT 1").first {
            let other = try twin.decode(String.self)
            if sameContent == .refuse { throw StoreError.duplicateContent(id: id, existing: other, path: location.redacted) }
            return .alreadyStored(id: other)
        }
        let row = try session.rows(
            """
            INSERT INTO episodes (episode_id, fixture, tier, variant, seed, agent, label, library_version, created_at,
                parent_id, fork_step, event_count, head_hash)
            VALUES (\(id), \(h.fixture), \(h.tier), \(h.variant), \(String(h.seed)), \(h.agent), \(h.label), \(h.libraryVersion),
                \(h.createdAt), \(h.parentID), \(h.forkStep), \(count), \(head))
            RETURNING id
            """)
        let key = try row.first?.decode(Int.self) ?? 0
        // The events in one statement: a column array each.
        var (seqs, steps, minutes, kinds, payloads, hashes) = ([Int](), [Int](), [Int](), [String](), [String](), [String]())
        for e in episode.events {
            guard e.hash.utf8.count == 64, e.hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw StoreError.corruptRow(path: location.redacted, episode: id, detail: "event \(e.seq)'s hash is not 64 hex digits")
            }
            seqs.append(e.seq)
            steps.append(e.step)
            minutes.append(e.simMinute)
            kinds.append(e.kind.rawValue)
            payloads.append(e.payload)
            hashes.append(e.hash)
        }
        try session.rows(
            """
            INSERT INTO events (episode, seq, step, sim_minute, kind, payload, hash)
            SELECT \(key), s, st, m, k, p, decode(h, 'hex')
            FROM unnest(\(seqs)::bigint[], \(steps)::bigint[], \(minutes)::bigint[], \(kinds)::text[], \(payloads)::text[], \(hashes)::text[])
                AS t(s, st, m, k, p, h)
            """)
        let score = episode.score
        let final = episode.extent
        let tokens = ReplyTokens.total(in: episode.events)
        try session.rows(
            """
            INSERT INTO summaries (episode, outcome, harm_level, composite, steps, end_minute, tokens)
            VALUES (\(key), \(score.outcome), \(score.harmLevel.rawValue), \(score.composite), \(final.steps), \(final.minute), \(tokens))
            """)
        for signature in episode.signatures {
            guard signature.isValid(header: h, headHash: head, eventCount: count) else {
                throw StoreError.corruptRow(
                    path: location.redacted, episode: id,
                    detail: "the signature by key \(signature.publicKey.prefix(12))… does not match this episode's row and head hash; nothing was written")
            }
            try session.rows(
                """
                INSERT INTO signatures (episode, public_key, signature) VALUES (\(key), \(signature.publicKey), \(signature.signature))
                ON CONFLICT DO NOTHING
                """)
        }
        return .inserted
    }

    // MARK: reading

    /// Every stored episode's id, head hash and event count, in the order stored.
    public func heads() throws -> [EpisodeHead] {
        try session.rows("SELECT episode_id, head_hash, event_count FROM episodes ORDER BY id").map { row in
            let (id, head, count) = try row.decode((String, String, Int).self)
            return EpisodeHead(id: id, headHash: head, eventCount: count)
        }
    }

    /// An episode's header, or ``StoreError/unknownEpisode(id:path:suggestions:)``.
    public func header(_ id: String) throws -> EpisodeHeader {
        let rows = try session.rows(
            """
            SELECT episode_id, fixture, tier, variant, seed, agent, label, library_version, created_at, parent_id, fork_step
            FROM episodes WHERE episode_id = \(id)
            """)
        guard let row = rows.first else { throw StoreError.unknownEpisode(id: id, path: location.redacted, suggestions: []) }
        let (episode, fixture, tier, variant, seed, agent, label, library, created, parent, fork) = try row.decode(
            (String, String, Int?, String?, String, String, String?, String, String, String?, Int?).self)
        guard let seedValue = UInt64(seed) else {
            throw StoreError.corruptRow(path: location.redacted, episode: id, detail: "seed '\(seed)' is not a number")
        }
        return EpisodeHeader(
            episodeID: episode, fixture: fixture, tier: tier, variant: variant, seed: seedValue, agent: agent, label: label,
            libraryVersion: library, createdAt: created, parentID: parent, forkStep: fork)
    }

    /// An episode's events as stored, each row's `prev_hash` and `rng_state` given back from the
    /// trace (the previous row's hash; the seed and the row's minute), as the SQLite store does.
    public func events(_ id: String) throws -> [TraceEvent] {
        let header = try header(id)
        let rows = try session.rows(
            """
            SELECT seq, step, sim_minute, kind, payload, encode(hash, 'hex')
            FROM events WHERE episode = (SELECT id FROM episodes WHERE episode_id = \(id)) ORDER BY seq
            """)
        var previous = TraceHash.genesis
        return try rows.map { row in
            let (seq, step, minute, kind, payload, hash) = try row.decode((Int, Int, Int, String, String, String).self)
            guard let kind = TraceEventKind(rawValue: kind) else {
                throw StoreError.corruptRow(path: location.redacted, episode: id, detail: "event \(seq) has unknown kind '\(kind)'")
            }
            let event = TraceEvent(
                seq: seq, step: step, simMinute: minute, kind: kind, payload: payload,
                rngState: TraceBuilder.rngState(seed: header.seed, minute: minute), prevHash: previous, hash: hash)
            previous = hash
            return event
        }
    }

    /// An episode's events with its hash chain checked and its head hash and event count matching its row.
    public func checkedEvents(_ id: String) throws -> (header: EpisodeHeader, events: [TraceEvent]) {
        let header = try header(id)
        let events = try events(id)
        if let broken = TraceComparison.firstBrokenLink(events) {
            throw StoreError.brokenTrace(id: id, path: location.redacted, problem: broken.problem)
        }
        guard let row = try session.rows("SELECT head_hash, event_count FROM episodes WHERE episode_id = \(id)").first else {
            throw StoreError.unknownEpisode(id: id, path: location.redacted, suggestions: [])
        }
        let (head, count) = try row.decode((String, Int).self)
        guard head == (events.last?.hash ?? TraceHash.genesis), count == events.count else {
            throw StoreError.rowMismatch(
                id: id, path: location.redacted, problem: "the row says \(count) events ending in \(head.prefix(12))…, the trace has \(events.count)")
        }
        return (header, events)
    }

    /// The signatures stored beside an episode.
    public func signatures(_ id: String) throws -> [EpisodeSignature] {
        try session.rows(
            """
            SELECT s.public_key, s.signature FROM signatures s JOIN episodes e ON e.id = s.episode
            WHERE e.episode_id = \(id) ORDER BY s.public_key
            """
        ).map { row in
            let (key, signature) = try row.decode((String, String).self)
            return EpisodeSignature(publicKey: key, signature: signature)
        }
    }

    /// Runs raw SQL (tests and tools): the rows' first column as text.
    public func textColumn(_ sql: String) throws -> [String?] {
        try session.rows(PostgresQuery(unsafeSQL: sql)).map { try $0.decode(String?.self) }
    }
}
