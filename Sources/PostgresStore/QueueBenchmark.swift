import Foundation
import MedGym
import Replay
import TraceStore

/// Measures the PostgreSQL store and its work queue against the SQLite store, on a server where the
/// benchmark's role may create databases (it makes one per measurement and drops it after):
///
/// - the queue: `episodes` expert jobs (over the shipped fixtures) enqueued, then drained by 1, 2
///   and 4 `medgym worker` processes (`--exit-when-empty`, one thread each); episodes per second
///   from the first worker's start to the last one's exit;
/// - the same plan recorded by `medgym batch --jobs 1` into a SQLite file, the reference rate;
/// - writes alone: the same recorded episodes saved one transaction each into PostgreSQL and into
///   SQLite, and the ratio of the two rates.
public struct QueueBenchmark {
    public let server: PostgresLocation
    /// The `medgym` executable the workers run.
    public let medgym: String
    public let episodes: Int
    public let workerCounts: [Int]

    public init(server: PostgresLocation, medgym: String, episodes: Int, workerCounts: [Int] = [1, 2, 4]) {
        (self.server, self.medgym, self.episodes, self.workerCounts) = (server, medgym, episodes, workerCounts)
    }

    typealias Figure = SimulationBenchmark.Figure

    public func run() throws -> [SimulationBenchmark.Figure] {
        let fixtures = try FixtureLoader.shipped()
        let seeds: ClosedRange<UInt64> = 1...UInt64(max(1, (episodes + fixtures.count - 1) / fixtures.count))
        // (every fixture × the seeds: `episodes` rounded up to a whole number of seeds)
        let plan = WorkQueue.Job.plan(fixtures: fixtures.map(\.id), agents: ["expert"], seeds: seeds, label: nil, settings: JobSettings())
        let where_ = "\(server.host):\(server.port)"
        var figures: [Figure] = []
        for count in workerCounts {
            let seconds = try withDatabase { location in
                try WorkQueue(location: location).enqueue(plan)
                return try drain(location, workers: count)
            }
            figures.append(
                Figure(
                    name: "postgres_workers_\(count)_episodes_per_second", value: Double(plan.count) / seconds, unit: "episodes/s",
                    detail:
                        "\(plan.count) expert jobs drained by \(count) medgym worker process\(count == 1 ? "" : "es") (one thread each), PostgreSQL at \(where_), one round"
                ))
        }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("medgym-queue-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("batch.sqlite").path
        let patterns = Array(Set(plan.map(\.fixture))).sorted().joined(separator: ",")
        let batch = try Self.launch([medgym, "batch", "--fixtures", patterns, "--seeds", "\(seeds.lowerBound)-\(seeds.upperBound)", "--store", file])
        let batchCount = try TraceStore(path: file, readOnly: true).heads().count
        let sqliteRate = Double(batchCount) / batch
        figures.append(
            Figure(
                name: "sqlite_batch_episodes_per_second", value: sqliteRate, unit: "episodes/s",
                detail: "medgym batch --jobs 1 of the same expert plan (\(batchCount) episodes) into a SQLite file, one round"))
        if let one = figures.first(where: { $0.name == "postgres_workers_1_episodes_per_second" }) {
            figures.append(
                Figure(
                    name: "postgres_worker_vs_sqlite_batch_ratio", value: one.value / sqliteRate, unit: "×",
                    detail: "one worker's rate over medgym batch --jobs 1 into SQLite: the lease, the save's round trips and the completion per episode"))
        }

        // Writes alone: the episodes recorded once, then saved into each store.
        let recorded = try TraceStore(path: file, readOnly: true)
        let episodes = try recorded.heads().map { head in
            let (listing, events) = try recorded.checkedEvents(head.id)
            return try TraceImporter.rebuild(header: listing.header, events: events, file: "bench")
        }
        let sqliteWrite = try ContinuousClock().measure {
            let target = try TraceStore(path: folder.appendingPathComponent("writes.sqlite").path)
            for episode in episodes { try target.save(episode) }
        }.seconds
        let postgresWrite = try withDatabase { location in
            let target = try PostgresTraceStore(location: location)
            return try ContinuousClock().measure { for episode in episodes { try target.save(episode) } }.seconds
        }
        let detail = "\(episodes.count) recorded expert episodes saved one transaction each (no simulation), one round"
        figures += [
            Figure(name: "sqlite_write_episodes_per_second", value: Double(episodes.count) / sqliteWrite, unit: "episodes/s", detail: detail),
            Figure(
                name: "postgres_write_episodes_per_second", value: Double(episodes.count) / postgresWrite, unit: "episodes/s",
                detail: detail + ", PostgreSQL at \(where_)"),
            Figure(
                name: "postgres_vs_sqlite_write_ratio", value: sqliteWrite / postgresWrite, unit: "×",
                detail: "PostgreSQL's write rate over SQLite's, the same episodes"),
        ]
        return figures
    }

    /// `body` on a new database of the server's, dropped after.
    func withDatabase<T>(_ body: (PostgresLocation) throws -> T) throws -> T {
        let admin = try PostgresSession(server)
        let name = "medgym_bench_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
        try admin.rows(.init(unsafeSQL: "CREATE DATABASE \(name)"))
        defer { _ = try? admin.rows(.init(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")) }
        var location = server
        location.database = name
        return try body(location)
    }

    /// Seconds for `workers` worker processes to drain the queue at `location`.
    func drain(_ location: PostgresLocation, workers: Int) throws -> Double {
        // (the password through PGPASSWORD, never on a command line)
        let url = "postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)"
        let started = ContinuousClock.now
        let processes = try (0..<workers).map { _ in
            try Self.start([medgym, "worker", "--store", url, "--jobs", "1", "--exit-when-empty"], password: location.password)
        }
        for process in processes {
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw BenchmarkError.commandFailed("medgym worker --store \(location.redacted)", status: process.terminationStatus)
            }
        }
        return (ContinuousClock.now - started).seconds
    }

    static func start(_ command: [String], password: String? = nil) throws -> Process {
        let process = Process()
        if let password { process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { $1 } }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a command to its end; seconds taken.
    static func launch(_ command: [String]) throws -> Double {
        let started = ContinuousClock.now
        let process = try start(command)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchmarkError.commandFailed(command.prefix(3).joined(separator: " "), status: process.terminationStatus)
        }
        return (ContinuousClock.now - started).seconds
    }
}
