/// The store's tables, as numbered migrations. A store records the highest
/// migration applied in `medgym_schema`; opening one with a higher number
/// than ``current`` is refused rather than risked.
public enum StoreSchema {
    /// Migration `n` (1-based) brings a store from version n−1 to n.
    static let migrations: [String] = [
        """
        CREATE TABLE medgym_schema (
            version INTEGER NOT NULL,
            library_version TEXT NOT NULL
        );
        CREATE TABLE episodes (
            episode_id TEXT PRIMARY KEY,
            fixture TEXT NOT NULL,
            tier INTEGER,
            variant TEXT,
            seed TEXT NOT NULL,
            agent TEXT NOT NULL,
            label TEXT,
            library_version TEXT NOT NULL,
            created_at TEXT NOT NULL,
            parent_id TEXT,
            fork_step INTEGER,
            event_count INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            finished INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX episodes_fixture ON episodes (fixture);
        CREATE INDEX episodes_parent ON episodes (parent_id);
        CREATE TABLE events (
            episode_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            step INTEGER NOT NULL,
            sim_minute INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            rng_state TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (episode_id, seq)
        );
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'trace events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'trace events are append-only'); END;
        CREATE TABLE summaries (
            episode_id TEXT PRIMARY KEY,
            outcome TEXT NOT NULL,
            harm_level TEXT NOT NULL,
            composite REAL NOT NULL,
            steps INTEGER NOT NULL,
            end_minute INTEGER NOT NULL,
            score TEXT NOT NULL
        );
        CREATE TABLE snapshots (
            episode_id TEXT NOT NULL,
            step INTEGER NOT NULL,
            state TEXT NOT NULL,
            state_hash TEXT NOT NULL,
            UNIQUE (episode_id, step)
        );
        """,
        // 2: no per-step state rows. A state is rebuilt by re-executing the
        // recorded actions (deterministic, and checked against the recorded
        // events), which is faster than decoding it and cannot be tampered with.
        """
        DROP TABLE snapshots;
        """,
        // 3: find an episode by its content (head hash), so one run is stored once.
        """
        CREATE INDEX episodes_head ON episodes (head_hash);
        """,
        // 4: the score card lives in the trace's score event only (it was repeated in the summary).
        """
        ALTER TABLE summaries DROP COLUMN score;
        """,
    ]

    /// Steps written in Swift, after the SQL ones: version 5 is the compact
    /// layout, version 6 the ranged layout with compressed payloads, version 7
    /// adds signatures, version 8 the summaries' model tokens, version 9 the live runs.
    static func codeMigration(to version: Int) -> ((SQLiteConnection) throws -> Void)? {
        switch version {
        case 5: { connection in try CompactLayout.migrate(connection) }
        case 6: { connection in try RangedLayout.migrate(connection) }
        case 7: { connection in try connection.execute(signatures) }
        case 8: { connection in try connection.execute(summaryTokens) }
        case 9: { connection in try connection.execute(liveTables) }
        default: nil
        }
    }

    /// The page size of a store this library creates (an existing file keeps its own).
    public static let pageSize = 8192

    /// The schema version this library writes.
    public static let current = 9

    /// 7: Ed25519 signatures over an episode's row and head hash, outside the
    /// chain (signing does not change a trace), any number per episode.
    static let signatures = """
        CREATE TABLE signatures (
            episode INTEGER NOT NULL,
            public_key TEXT NOT NULL,
            signature TEXT NOT NULL,
            UNIQUE (episode, public_key)
        );
        """

    /// 8: the model tokens an episode's replies recorded, summed (NULL when
    /// none carried a count, as for every episode stored before).
    static let summaryTokens = """
        ALTER TABLE summaries ADD COLUMN tokens INTEGER;
        """

    /// 9: the episodes being recorded, as they are recorded (``LiveFeed``): a row per run and the
    /// trace events written so far, outside the traces (neither append-only nor hashed; an episode's
    /// events are dropped here once it is stored, where they are the truth).
    static let liveTables = """
        CREATE TABLE live_runs (
            id INTEGER PRIMARY KEY,
            fixture TEXT NOT NULL,
            seed TEXT NOT NULL,
            agent TEXT NOT NULL,
            label TEXT,
            source TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            step INTEGER NOT NULL DEFAULT 0,
            minute INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'running',
            episode_id TEXT,
            already_stored INTEGER,
            error TEXT
        );
        CREATE TABLE live_events (
            run INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            step INTEGER NOT NULL,
            sim_minute INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            PRIMARY KEY (run, seq)
        ) WITHOUT ROWID;
        """

    /// Brings a store from `from` to ``current``, inside the caller's transaction.
    static func migrate(_ connection: SQLiteConnection, from: Int) throws {
        for version in (from + 1)...max(from + 1, current) where version <= current {
            if version <= migrations.count {
                try connection.execute(migrations[version - 1])
            } else if let step = codeMigration(to: version) {
                try step(connection)
            }
        }
    }
}

/// Schema 5, the compact layout: episodes get an integer key that the event
/// and summary rows use; an event row keeps its hash as 32 bytes and drops
/// what the trace derives (`prev_hash`: the previous row's hash; `rng_state`:
/// the episode's seed and the row's minute). Reading rebuilds both, so the
/// hash chain and every single-byte check are as before.
enum CompactLayout {
    static let tables = """
        CREATE TABLE episodes (
            id INTEGER PRIMARY KEY,
            episode_id TEXT NOT NULL UNIQUE,
            fixture TEXT NOT NULL,
            tier INTEGER,
            variant TEXT,
            seed TEXT NOT NULL,
            agent TEXT NOT NULL,
            label TEXT,
            library_version TEXT NOT NULL,
            created_at TEXT NOT NULL,
            parent_id TEXT,
            fork_step INTEGER,
            event_count INTEGER NOT NULL,
            head_hash TEXT NOT NULL,
            finished INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX episodes_fixture ON episodes (fixture);
        CREATE INDEX episodes_parent ON episodes (parent_id);
        CREATE INDEX episodes_head ON episodes (head_hash);
        CREATE TABLE events (
            episode INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            step INTEGER NOT NULL,
            sim_minute INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            hash BLOB NOT NULL,
            UNIQUE (episode, seq)
        );
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'trace events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'trace events are append-only'); END;
        CREATE TABLE summaries (
            episode INTEGER PRIMARY KEY,
            outcome TEXT NOT NULL,
            harm_level TEXT NOT NULL,
            composite REAL NOT NULL,
            steps INTEGER NOT NULL,
            end_minute INTEGER NOT NULL
        );
        """

    /// Copies a schema-4 store into the compact layout, refusing (so the
    /// transaction rolls back and the file is untouched) any event whose
    /// `prev_hash` or `rng_state` the layout could not give back.
    static func migrate(_ db: SQLiteConnection) throws {
        try db.execute(
            """
            ALTER TABLE episodes RENAME TO old_episodes;
            ALTER TABLE events RENAME TO old_events;
            ALTER TABLE summaries RENAME TO old_summaries;
            DROP TRIGGER IF EXISTS events_no_update;
            DROP TRIGGER IF EXISTS events_no_delete;
            DROP INDEX IF EXISTS episodes_fixture;
            DROP INDEX IF EXISTS episodes_parent;
            DROP INDEX IF EXISTS episodes_head;
            """)
        try db.execute(tables)
        try db.execute(
            """
            INSERT INTO episodes (episode_id, fixture, tier, variant, seed, agent, label, library_version, created_at,
                                  parent_id, fork_step, event_count, head_hash, finished)
            SELECT episode_id, fixture, tier, variant, seed, agent, label, library_version, created_at,
                   parent_id, fork_step, event_count, head_hash, finished
            FROM old_episodes ORDER BY rowid;
            INSERT INTO summaries (episode, outcome, harm_level, composite, steps, end_minute)
            SELECT e.id, s.outcome, s.harm_level, s.composite, s.steps, s.end_minute
            FROM old_summaries s JOIN episodes e ON e.episode_id = s.episode_id;
            """)
        let rows = try db.prepare(
            """
            SELECT e.id, e.episode_id, e.seed, o.seq, o.step, o.sim_minute, o.kind, o.payload, o.rng_state, o.prev_hash, o.hash
            FROM old_events o JOIN episodes e ON e.episode_id = o.episode_id
            ORDER BY e.id, o.seq
            """)
        let insert = try db.prepare("INSERT INTO events (episode, seq, step, sim_minute, kind, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")
        var current = -1
        var previous = TraceHash.genesis
        while try rows.step() {
            let episode = rows.int(0)
            let id = rows.text(1) ?? ""
            let seed = rows.text(2) ?? ""
            if episode != current { (current, previous) = (episode, TraceHash.genesis) }
            let seq = rows.int(3)
            let minute = rows.int(5)
            let rng = rows.text(8) ?? ""
            let prev = rows.text(9) ?? ""
            let hash = rows.text(10) ?? ""
            guard rng == "seed=\(seed) minute=\(minute)", prev == previous, let bytes = HashBytes.bytes(hex: hash) else {
                throw StoreError.unmigratable(episode: id, seq: seq)
            }
            try insert.run([
                .int(episode), .int(seq), .int(rows.int(4)), .int(minute), .text(rows.text(6) ?? ""),
                .text(rows.text(7) ?? ""), .blob(bytes),
            ])
            previous = hash
        }
        try db.execute("DROP TABLE old_events; DROP TABLE old_summaries; DROP TABLE old_episodes;")
    }
}

/// SHA-256 hashes as stored: 32 bytes for 64 lowercase hex digits.
enum HashBytes {
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        var i = 0
        while i < 64 {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let table = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(table[Int(byte >> 4)])
            out.append(table[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
