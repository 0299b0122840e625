import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import PostgresStore
import TraceStore

/// `medgym worker --store postgres://…`: drains the store's work queue.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Lease jobs from a PostgreSQL store's queue (medgym batch --enqueue), play them and store their episodes there.",
        discussion: """
            Example: medgym worker --store postgres://medgym@db.example/medgym --jobs 4 --exit-when-empty
            Start any number, on any number of machines: each lease is one job (FOR UPDATE SKIP LOCKED), kept by a
            heartbeat; a worker killed mid-episode loses nothing (its lease expires and another worker plays the job).
            """)

    @Option(help: "The PostgreSQL store: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or $MEDGYM_STORE).")
    var store: String?

    @Option(help: "Jobs played at once, each on a thread and connection of its own.")
    var jobs: Int = 1

    @Flag(name: .customLong("exit-when-empty"), help: "Stop when no job is left to lease (else wait for more).")
    var exitWhenEmpty = false

    @Option(help: "Seconds a lease lasts without a heartbeat (one comes every third of it).")
    var lease: Int = 30

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
        guard (3...3600).contains(lease) else { throw ValidationError("--lease \(lease) is out of range; use 3…3600 seconds") }
    }

    func run() throws {
        defer { AgentProcessGroups.endAll() }
        do {
            let location = try QueueOptions.location(store)
            let host = ProcessInfo.processInfo.hostName
            let workers = (0..<jobs).map {
                QueueWorker(location: location, name: "\(host):\(getpid()):\($0 + 1)", leaseSeconds: lease, exitWhenEmpty: exitWhenEmpty)
            }
            let tallies = OrderedWork.map(workers.count, width: workers.count) { i in try workers[i].run { warn("failed: \($0)") } }
            let total = try tallies.reduce(QueueWorker.Tally()) { try $0 + $1.get() }
            print("\(total.stored) stored, \(total.alreadyStored) already stored, \(total.failed) failed in \(location.redacted)")
        } catch {
            throw fail(error)
        }
    }
}

/// `medgym queue status --store postgres://…`.
struct Queue: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "The work queue of a PostgreSQL store.", subcommands: [QueueStatusCommand.self])
}

struct QueueStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Pending, leased, done and failed jobs, the rate of the last minute, the ETA, and failed jobs' errors.")

    @Option(help: "The PostgreSQL store: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or $MEDGYM_STORE).")
    var store: String?

    func run() throws {
        do {
            let location = try QueueOptions.location(store)
            let s = try WorkQueue(location: location).status()
            let eta = s.eta.map { String(format: "ETA %.0f s", $0) } ?? "ETA unknown (nothing done in the last minute)"
            print("\(s.pending) pending, \(s.leased) leased, \(s.done) done, \(s.failed) failed · \(s.donePerMinute) done in the last minute · \(eta)")
            for failure in s.failures { print("failed: \(failure)") }
        } catch {
            throw fail(error)
        }
    }
}

enum QueueOptions {
    /// The queue's store: `--store`, else $MEDGYM_STORE; it must be a PostgreSQL one.
    static func location(_ option: String?) throws -> PostgresLocation {
        let text = option ?? ProcessInfo.processInfo.environment["MEDGYM_STORE"] ?? ""
        guard PostgresLocation.isPostgres(text) else {
            throw ValidationError("the work queue lives in a PostgreSQL store: give --store postgres://USER@HOST/DATABASE")
        }
        return try PostgresLocation(parsing: text)
    }
}
