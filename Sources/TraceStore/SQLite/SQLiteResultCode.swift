import CSQLite

/// SQLite's primary result codes that the store acts on, by name (sqlite.org/rescode.html).
public enum SQLiteResultCode {
    /// SQLITE_BUSY and SQLITE_LOCKED: another connection holds the lock; try again.
    public static let locked: Set<Int32> = [SQLITE_BUSY, SQLITE_LOCKED]
    /// SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH: the file or its folder cannot be written.
    public static let permissionDenied: Set<Int32> = [SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH]
    /// SQLITE_NOTADB: the file is not an SQLite database.
    public static let notADatabase = SQLITE_NOTADB
}
