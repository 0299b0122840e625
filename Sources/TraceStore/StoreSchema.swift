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

    /// The schema version this library writes.
    public static var current: Int { migrations.count }
}
