import ArgumentParser
import CommandLineSupport
import Foundation
import TraceStore

/// `replay sync --from A --to B`: moves episodes between two stores, SQLite files or PostgreSQL
/// databases, in either direction.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Move episodes between two stores (SQLite files or postgres:// databases), each chain checked, idempotently.",
        discussion: """
            Example: replay sync --from traces/medgym.sqlite --to postgres://medgym@db.example/medgym
            Every episode the target lacks is checked where it is read (its hash chain, and a re-execution for the current
            simulation) and stored in its own transaction; one the target holds is not moved again. Run it again after a
            kill to finish. A postgres:// password may come from PGPASSWORD instead of the URL.
            """)

    @Option(help: "The store to read: a SQLite file or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE.")
    var from: String

    @Option(help: "The store to write (created if missing): a SQLite file or a postgres:// database.")
    var to: String

    @Option(help: "Episodes read and re-executed at once, each thread on a connection of its own (one writer stores them in order).")
    var jobs: Int = 1

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…64") }
    }

    func run() throws {
        do {
            let source = try Self.open(from, create: false, readOnly: true)
            let target = try Self.open(to, create: true, readOnly: false)
            var meter = SyncMeter()
            let report = try EpisodeSync(from: source, to: target).run(jobs: jobs) { meter.update($0, $1) }
            print("\(report.moved) moved, \(report.present) already in \(target.path)")
        } catch {
            throw fail(error)
        }
    }

    static func open(_ text: String, create: Bool, readOnly: Bool) throws -> any EpisodeStore {
        try StoreLocation(option: text).openStore(create: create, readOnly: readOnly).store
    }
}

/// Progress on stderr, a line every tenth of the episodes.
struct SyncMeter {
    var shown = -1

    mutating func update(_ done: Int, _ total: Int) {
        let tenth = max(1, total / 10)
        guard total >= 20, done % tenth == 0, done != shown else { return }
        shown = done
        FileHandle.standardError.write(Data("\(done)/\(total) episodes\n".utf8))
    }
}
