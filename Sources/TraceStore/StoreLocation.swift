import Foundation

/// Where the store is: `--store PATH`, else `MEDGYM_STORE`, else the default
/// `traces/medgym.sqlite` of the MedGym checkout the command runs in (the
/// nearest folder, from the current one up, holding `Package.swift` and
/// `traces/`). Opening the default store first imports any log in
/// `traces/*.jsonl` whose episode it lacks.
///
/// A path SQLite would treat specially (`:memory:`, an empty name, a
/// `file:` URI) is refused: a trace store is a file that outlives the command.
public struct StoreLocation: Sendable, Hashable {
    public static let defaultRelativePath = "traces/medgym.sqlite"
    public static let environmentVariable = "MEDGYM_STORE"

    public let path: String
    /// True when neither `--store` nor `MEDGYM_STORE` chose the path.
    public let isDefault: Bool

    public init(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(StoreError) {
        if let chosen = option ?? environment[Self.environmentVariable].flatMap({ $0.isEmpty ? nil : $0 }) {
            try Self.check(chosen)
            path = chosen
            isDefault = false
        } else {
            guard let root = Self.packageRoot(from: currentDirectory) else {
                throw .noPackageRoot(directory: currentDirectory)
            }
            path = (root as NSString).appendingPathComponent(Self.defaultRelativePath)
            isDefault = true
        }
    }

    /// Refuses names that would not be a lasting store file.
    static func check(_ path: String) throws(StoreError) {
        if path.isEmpty || path == ":memory:" {
            throw .badStorePath(path: path, problem: "an in-memory database would lose every episode when the command ends; name a file")
        }
        // (a postgres:// location is a PostgreSQL store: see `openStore` in CommandLineSupport)
        if StoreServers.scheme(of: path) != nil { return }
        if path.hasPrefix("file:") {
            throw .badStorePath(path: path, problem: "SQLite URIs are not accepted; give the file's path (reading commands already open it read-only)")
        }
        if path.hasSuffix("/") {
            throw .badStorePath(path: path, problem: "names a folder; give a file inside it, such as \(path)medgym.sqlite")
        }
    }

    /// The nearest folder from `directory` up that holds `Package.swift` and a `traces` folder.
    static func packageRoot(from directory: String) -> String? {
        let manager = FileManager.default
        var current = (directory as NSString).standardizingPath
        while true {
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: (current as NSString).appendingPathComponent("Package.swift")),
                manager.fileExists(atPath: (current as NSString).appendingPathComponent("traces"), isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                return current
            }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current || parent.isEmpty { return nil }
            current = parent
        }
    }

    /// One log the automatic import looked at.
    public struct AutoImport: Sendable {
        public var file: String
        public var outcome: Result<String, StoreErrorDescription>
    }

    /// Opens the store. `create: false` refuses a missing non-default store;
    /// `readOnly` opens it for reading only. The default store is created and
    /// given the logs in `traces/` whose episode it lacks (opened for writing
    /// only when there is something to import); what happened to each log is
    /// returned for the caller to report.
    public func open(create: Bool, readOnly: Bool = false) throws -> (store: TraceStore, imports: [AutoImport]) {
        guard isDefault else {
            if !readOnly && !create && !FileManager.default.fileExists(atPath: path) { throw StoreError.missingStore(path: path) }
            return (try TraceStore(path: path, create: create && !readOnly, readOnly: readOnly), [])
        }
        let directory = (path as NSString).deletingLastPathComponent
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
        if readOnly, FileManager.default.fileExists(atPath: path) {
            let reader = try TraceStore(path: path, readOnly: true)
            let missing = try logs.contains { file in
                guard let id = try? Self.episodeID(inLog: file) else { return false }
                return try !reader.contains(id)
            }
            if !missing { return (reader, []) }
        }
        let store = try TraceStore(path: path, create: true)
        var imports: [AutoImport] = []
        for file in logs {
            do {
                guard let id = try Self.episodeID(inLog: file), try !store.contains(id) else { continue }
                try TraceImporter(store: store).importLog(atPath: file)
                imports.append(AutoImport(file: Self.shown(file), outcome: .success(id)))
            } catch {
                imports.append(AutoImport(file: Self.shown(file), outcome: .failure(StoreErrorDescription(message: "\(error)"))))
            }
        }
        return (store, imports)
    }

    /// A log as the user knows it: `traces/NAME`.
    static func shown(_ file: String) -> String {
        ((defaultRelativePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent((file as NSString).lastPathComponent)
    }

    /// The episode id in a log's header line, read without parsing the rest.
    static func episodeID(inLog file: String) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? handle.close() }
        var data = Data()
        while !data.contains(UInt8(ascii: "\n")), let chunk = try handle.read(upToCount: 4096), !chunk.isEmpty {
            data.append(chunk)
        }
        guard let line = data.split(separator: UInt8(ascii: "\n")).first else { return nil }
        let (header, _) = try TraceLog.decode(String(decoding: line, as: UTF8.self) + "\n", file: file, headerOnly: true)
        return header.episodeID
    }
}

extension StoreLocation.AutoImport: CustomStringConvertible {
    /// One line for the user: what was imported, or why a log was skipped.
    public var description: String {
        switch outcome {
        case .success(let id): "imported \(file) (\(id)) into the default store"
        case .failure(let error): "skipped \(file): \(error)"
        }
    }
}

/// An error carried as its message.
public struct StoreErrorDescription: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
