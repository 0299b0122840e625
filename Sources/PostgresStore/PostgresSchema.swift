/// The PostgreSQL store's tables, as numbered migrations (each a list of statements, run in one
/// transaction under an advisory lock, so several workers opening a new database at once migrate it
/// once). The same event model as the SQLite store's (``StoreSchema``): a row per episode, its events
/// with their hashes, a summary, signatures; events are append-only (triggers refuse UPDATE, DELETE
/// and TRUNCATE, and a role given only INSERT and SELECT cannot change them either, see docs/store.md).
enum PostgresSchema {
    static let current = 4

    /// The advisory lock key migrations take (any number no other tool of the database uses).
    static let migrationLock = 7_248_131_901

    static let migrations: [[String]] = [
        [
            "CREATE TABLE medgym_schema (version INTEGER NOT NULL, library_version TEXT NOT NULL)",
            """
            CREATE TABLE episodes (
                id BIGSERIAL PRIMARY KEY,
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
                head_hash TEXT NOT NULL
            )
            """,
            "CREATE INDEX episodes_fixture ON episodes (fixture)",
            "CREATE INDEX episodes_parent ON episodes (parent_id)",
            "CREATE INDEX episodes_head ON episodes (head_hash)",
            """
            CREATE TABLE events (
                episode BIGINT NOT NULL REFERENCES episodes (id),
                seq INTEGER NOT NULL,
                step INTEGER NOT NULL,
                sim_minute INTEGER NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                hash BYTEA NOT NULL,
                PRIMARY KEY (episode, seq)
            )
            """,
            """
            CREATE TABLE summaries (
                episode BIGINT PRIMARY KEY REFERENCES episodes (id),
                outcome TEXT NOT NULL,
                harm_level TEXT NOT NULL,
                composite DOUBLE PRECISION NOT NULL,
                steps INTEGER NOT NULL,
                end_minute INTEGER NOT NULL,
                tokens BIGINT
            )
            """,
            """
            CREATE TABLE signatures (
                episode BIGINT NOT NULL REFERENCES episodes (id),
                public_key TEXT NOT NULL,
                signature TEXT NOT NULL,
                UNIQUE (episode, public_key)
            )
            """,
            """
            CREATE FUNCTION medgym_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'trace events are append-only';
            END
            $$
            """,
            "CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION medgym_append_only()",
            "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION medgym_append_only()",
        ],
        // 2: the work queue (``WorkQueue``): a job per fixture × seed × agent × label, leased by workers.
        [
            """
            CREATE TABLE jobs (
                id BIGSERIAL PRIMARY KEY,
                fixture TEXT NOT NULL,
                seed TEXT NOT NULL,
                agent TEXT NOT NULL,
                label TEXT NOT NULL DEFAULT '',
                settings TEXT NOT NULL DEFAULT '{}',
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'leased', 'done', 'failed')),
                worker TEXT,
                lease_until TIMESTAMPTZ,
                attempts INTEGER NOT NULL DEFAULT 0,
                episode_id TEXT,
                error TEXT,
                enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                finished_at TIMESTAMPTZ,
                UNIQUE (fixture, seed, agent, label)
            )
            """,
            "CREATE INDEX jobs_open ON jobs (id) WHERE state IN ('pending', 'leased')",
            "CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state = 'done'",
        ],
        // 3: one run is stored once: the content (head hash and event count) is a unique key, so two
        // workers storing the same trace under two ids at once store it once.
        [
            "DROP INDEX episodes_head",
            "CREATE UNIQUE INDEX episodes_content ON episodes (head_hash, event_count)",
        ],
        // 4: the live tables (``LiveFeed``): runs being recorded and their events so far, outside the traces.
        [
            """
            CREATE TABLE live_runs (
                id BIGSERIAL PRIMARY KEY,
                fixture TEXT NOT NULL,
                seed TEXT NOT NULL,
                agent TEXT NOT NULL,
                label TEXT,
                source TEXT NOT NULL,
                host TEXT NOT NULL,
                pid BIGINT NOT NULL,
                started_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                step INTEGER NOT NULL DEFAULT 0,
                minute INTEGER NOT NULL DEFAULT 0,
                state TEXT NOT NULL DEFAULT 'running',
                episode_id TEXT,
                already_stored BOOLEAN,
                error TEXT
            )
            """,
            """
            CREATE TABLE live_events (
                run BIGINT NOT NULL,
                seq INTEGER NOT NULL,
                step INTEGER NOT NULL,
                sim_minute INTEGER NOT NULL,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                PRIMARY KEY (run, seq)
            )
            """,
        ],
    ]
}
