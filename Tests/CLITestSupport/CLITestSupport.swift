import Foundation

/// Runs MedGym's built executables (`medgym`, `replay`) as child processes,
/// for tests that exercise the real command line.
public enum CLI {
    /// The repository root (where Package.swift and traces/ live).
    public static let packageRoot: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir
    }()

    /// The committed demo event log.
    public static var demoLog: URL { packageRoot.appendingPathComponent("traces/ep_0fa72a32ec1d.jsonl") }

    /// A built executable: the test bundle sits in the build products folder beside them.
    public static func binary(_ name: String) -> URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent(name)
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `name args` to completion. `MEDGYM_STORE` is cleared unless `env` sets it.
    public static func run(_ name: String, _ args: [String], env: [String: String] = [:], cwd: URL? = nil) throws -> Output {
        let process = try start(name, args, env: env, cwd: cwd, capture: true)
        // Both pipes are drained at once: a child that fills one while the other is read would hang.
        let errors = ErrorDrain((process.standardError as! Pipe).fileHandleForReading)
        let o = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        let e = errors.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    /// Starts `name args` without waiting.
    public static func start(
        _ name: String, _ args: [String], env: [String: String] = [:], cwd: URL? = nil,
        capture: Bool = false
    ) throws -> Process {
        let process = Process()
        process.executableURL = binary(name)
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["MEDGYM_STORE"] = nil
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        if let cwd { process.currentDirectoryURL = cwd }
        if capture {
            process.standardOutput = Pipe()
            process.standardError = Pipe()
        } else {
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
        }
        try withNoSignalsBlocked { try process.run() }
        return process
    }

    /// Runs `body` (which starts a process) with no signal blocked in this
    /// thread. Foundation's `Process` passes the starting thread's signal mask
    /// on, and the threads tests run on block nearly every signal: a child
    /// started from one could not be stopped with SIGTERM or interrupted with SIGINT.
    public static func withNoSignalsBlocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }
}

/// A fresh temporary folder, removed by ``remove()``.
public struct TempDir: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("medgym-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A folder holding `Package.swift` and a copy of the committed
    /// `traces/*.jsonl`, as a fresh clone has.
    public static func withShippedTraces() throws -> TempDir {
        let dir = try TempDir()
        try FileManager.default.copyItem(
            at: CLI.packageRoot.appendingPathComponent("Package.swift"),
            to: dir.url.appendingPathComponent("Package.swift"))
        let traces = dir.url.appendingPathComponent("traces")
        try FileManager.default.createDirectory(at: traces, withIntermediateDirectories: true)
        let source = CLI.packageRoot.appendingPathComponent("traces")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasSuffix(".jsonl") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: traces.appendingPathComponent(name))
        }
        return dir
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Reads a pipe to its end on a thread of its own.
final class ErrorDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
