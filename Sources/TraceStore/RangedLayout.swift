/// Schema 6, the ranged layout. An episode's events are the rows
/// `events.id` = `episodes.first_event` + `seq`, for `seq` in
/// 0..<`event_count`: one contiguous run of rowids written in the episode's
/// transaction, so reading an episode is one rowid range (O(log n)) and
/// writing needs no secondary index. Each row still names its `episode` and
/// `seq` (checked on read). Payloads follow the `sqlar` convention
/// (``PayloadCodec``): `size` bytes, zlib-compressed when that is shorter.
///
/// Reading an episode with plain SQL:
///
/// ```sql
/// SELECT v.seq, v.kind, sqlar_uncompress(v.payload, v.size)   -- the sqlite3 shell's function
/// FROM episodes e JOIN events v ON v.id BETWEEN e.first_event AND e.first_event + e.event_count - 1
/// WHERE e.episode_id = 'ep_0fa72a32ec1d' ORDER BY v.id;
/// ```
enum RangedLayout {
    static let events = """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            episode INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            step INTEGER NOT NULL,
            sim_minute INTEGER NOT NULL,
            kind TEXT NOT NULL,
            payload BLOB NOT NULL,
            size INTEGER NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'trace events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'trace events are append-only'); END;
        """

    static let insert = """
        INSERT INTO events (id, episode, seq, step, sim_minute, kind, payload, size, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The value bound for a payload: its compressed bytes, or its text.
    static func stored(_ payload: String, codec: PayloadCodec) -> SQLiteValue {
        codec.compress(payload).map(SQLiteValue.blob) ?? .text(payload)
    }

    /// Moves a schema-5 store's events into the ranged layout, episode by
    /// episode in key order, compressing payloads; inside the caller's
    /// transaction, so a failure leaves the file as it was.
    static func migrate(_ db: SQLiteConnection) throws {
        try db.execute(
            """
            ALTER TABLE events RENAME TO old_events;
            DROP TRIGGER IF EXISTS events_no_update;
            DROP TRIGGER IF EXISTS events_no_delete;
            ALTER TABLE episodes ADD COLUMN first_event INTEGER;
            """)
        try db.execute(events)
        let rows = try db.prepare(
            """
            SELECT o.episode, o.seq, o.step, o.sim_minute, o.kind, o.payload, o.hash, IFNULL(e.event_count, 0)
            FROM old_events o LEFT JOIN episodes e ON e.id = o.episode ORDER BY o.episode, o.seq
            """)
        let insert = try db.prepare(Self.insert)
        let firstEvent = try db.prepare("UPDATE episodes SET first_event = ? WHERE id = ?")
        let codec = PayloadCodec()
        var next = 1
        var first = 0
        var reserved = 0
        var episode = -1
        while try rows.step() {
            let key = rows.int(0)
            let seq = rows.int(1)
            if key != episode {
                (episode, first) = (key, max(next, reserved))
                reserved = first + rows.int(7)
                try firstEvent.run([.int(first), .int(key)])
            }
            // A missing row (a damaged schema-5 episode) stays a hole in its
            // range, so the episode reads as broken there, as it did before;
            // rows of no episode are kept, past every range.
            let id = first + seq
            next = id + 1
            let payload = rows.text(5) ?? ""
            try insert.run([
                .int(id), .int(key), .int(seq), .int(rows.int(2)), .int(rows.int(3)), .text(rows.text(4) ?? ""),
                stored(payload, codec: codec), .int(payload.utf8.count), .blob(rows.blob(6)),
            ])
        }
        try db.execute("DROP TABLE old_events;")
    }
}
