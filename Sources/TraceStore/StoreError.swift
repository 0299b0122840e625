/// Why the trace store refused an operation. Every message names the file or
/// episode involved and what to do about it.
public enum StoreError: Error, CustomStringConvertible, Sendable, Hashable {
    case missingStore(path: String)
    case notSQLite(path: String)
    case notAStore(path: String)
    case newerSchema(path: String, found: Int, supported: Int)
    case unknownEpisode(id: String, path: String, suggestions: [String])
    case conflictingEpisode(id: String, path: String)
    case duplicateContent(id: String, existing: String, path: String)
    case brokenTrace(id: String, path: String, problem: String)
    /// The episode's row says something its hash chain does not.
    case rowMismatch(id: String, path: String, problem: String)
    case badStorePath(path: String, problem: String)
    case unmigratable(episode: String, seq: Int)
    case noPackageRoot(directory: String)
    case corruptRow(path: String, episode: String, detail: String)
    case badLog(file: String, line: Int, problem: String)
    case sqlite(SQLiteError)
    /// A store held by a database server (PostgreSQL) failed: the server named (never its password)
    /// and what it said.
    case server(location: String, problem: String)

    /// What is wrong with the episode, without the advice (for a report's left-out list).
    public var problem: String {
        switch self {
        case .brokenTrace(_, _, let problem): "its hash chain fails: \(problem)"
        case .rowMismatch(_, _, let problem): "its row does not match its trace: \(problem)"
        case .corruptRow(_, _, let detail): "a corrupt row: \(detail)"
        default: description
        }
    }

    public var description: String {
        switch self {
        case .missingStore(let path):
            "no trace store at \(path); import a trace log into it with 'replay import --store \(path) FILE.jsonl', record one with 'medgym run --store \(path)', or pass another --store"
        case .notSQLite(let path):
            "\(path) is not an SQLite database, so not a MedGym trace store; pass another --store (the file was not changed)"
        case .notAStore(let path):
            "\(path) is an SQLite database without MedGym's medgym_schema table; pass another --store (the file was not changed)"
        case .newerSchema(let path, let found, let supported):
            "\(path) has trace-store schema version \(found), newer than this MedGym supports (\(supported)); upgrade MedGym or pass another --store (the file was not changed)"
        case .unknownEpisode(let id, let path, let suggestions):
            "unknown episode '\(id)' in \(path)"
                + (suggestions.isEmpty ? "; run 'replay list' to see the stored episodes" : "; did you mean: \(suggestions.joined(separator: ", "))?")
        case .conflictingEpisode(let id, let path):
            "episode \(id) is already in \(path) with different events; choose another --episode-id (nothing was written)"
        case .duplicateContent(let id, let existing, let path):
            "this trace is already stored in \(path) as \(existing); one run is stored once, so \(id) was not written (omit --episode-id to be told the existing id)"
        case .unmigratable(let episode, let seq):
            "cannot move this store to the compact layout (schema 5): event \(seq) of \(episode) has a prev_hash or rng_state that does not follow from the trace, or a malformed hash; the store was not changed (run replay verify with the MedGym that wrote it, and export the episode)"
        case .badStorePath(let path, let problem):
            "store path '\(path)': \(problem)"
        case .noPackageRoot(let directory):
            "no default trace store: neither \(directory) nor any folder above it holds Package.swift and traces/ (a MedGym checkout); pass --store PATH or set MEDGYM_STORE"
        case .brokenTrace(let id, let path, let problem):
            "episode \(id) in \(path) fails its hash chain: \(problem); it is not served (run 'replay verify \(id)')"
        case .rowMismatch(let id, let path, let problem):
            "episode \(id) in \(path): its row does not match its trace (\(problem)); it is not served (run 'replay verify \(id)' to see every check)"
        case .corruptRow(let path, let episode, let detail):
            "\(path): episode \(episode): \(detail)"
        case .badLog(let file, let line, let problem):
            "\(file):\(line): \(problem)"
        case .sqlite(let error):
            error.description
        case .server(let location, let problem):
            "\(location): \(problem)"
        }
    }
}
