import Foundation

/// Where the store is: `--store PATH`, else `MEDGYM_STORE`, else
/// `traces/medgym.sqlite`. Opening the default store first imports any log in
/// `traces/*.jsonl` whose episode it lacks.
public struct StoreLocation: Sendable, Hashable {
    public static let defaultPath = "traces/medgym.sqlite"
    public static let environmentVariable = "MEDGYM_STORE"

    public let path: String
    /// True when neither `--store` nor `MEDGYM_STORE` chose the path.
    public let isDefault: Bool

    public init(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let option, !option.isEmpty {
            path = option
            isDefault = false
        } else if let env = environment[Self.environmentVariable], !env.isEmpty {
            path = env
            isDefault = false
        } else {
            path = Self.defaultPath
            isDefault = true
        }
    }

    /// One log the automatic import looked at.
    public struct AutoImport: Sendable {
        public var file: String
        public var outcome: Result<String, StoreErrorDescription>
    }

    /// Opens the store. `create: false` refuses a missing non-default store.
    /// For the default store, logs in `traces/` whose episode is missing are
    /// imported; what happened to each is returned for the caller to report.
    public func open(create: Bool) throws -> (store: TraceStore, imports: [AutoImport]) {
        let store = try TraceStore(path: path, create: create || isDefault)
        guard isDefault else { return (store, []) }
        var imports: [AutoImport] = []
        let directory = (path as NSString).deletingLastPathComponent
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted()
        for name in names {
            let file = directory.isEmpty ? name : "\(directory)/\(name)"
            do {
                guard let id = try Self.episodeID(inLog: file), try !store.contains(id) else { continue }
                try TraceImporter(store: store).importLog(atPath: file)
                imports.append(AutoImport(file: file, outcome: .success(id)))
            } catch {
                imports.append(AutoImport(file: file, outcome: .failure(StoreErrorDescription(message: "\(error)"))))
            }
        }
        return (store, imports)
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
