import Foundation
import MedGym
import TraceStore

/// A store episodes can be moved out of and into, whichever its backend: the part of the store
/// interface `replay sync` needs.
public protocol EpisodeArchive: AnyObject {
    /// The store, as messages name it (a path, or a PostgreSQL location without its password).
    var name: String { get }
    /// Every stored episode's id, head hash and event count, in the order stored.
    func heads() throws -> [EpisodeHead]
    /// An episode's header and events, its hash chain checked against its row, and its signatures.
    func checkedForSync(_ id: String) throws -> (header: EpisodeHeader, events: [TraceEvent], signatures: [EpisodeSignature])
    /// Stores an episode (see ``TraceStore/save(_:sameContent:)``).
    func store(_ episode: RecordedEpisode) throws -> TraceStore.SaveOutcome
}

extension TraceStore: EpisodeArchive {
    public var name: String { path }

    public func checkedForSync(_ id: String) throws -> (header: EpisodeHeader, events: [TraceEvent], signatures: [EpisodeSignature]) {
        let (listing, events) = try checkedEvents(id)
        return (listing.header, events, try signatures(id))
    }

    public func store(_ episode: RecordedEpisode) throws -> TraceStore.SaveOutcome { try save(episode) }
}

extension PostgresTraceStore: EpisodeArchive {
    public var name: String { location.redacted }

    public func checkedForSync(_ id: String) throws -> (header: EpisodeHeader, events: [TraceEvent], signatures: [EpisodeSignature]) {
        let (header, events) = try checkedEvents(id)
        return (header, events, try signatures(id))
    }

    public func store(_ episode: RecordedEpisode) throws -> TraceStore.SaveOutcome { try save(episode) }
}

/// Moves episodes from one store to another (SQLite or PostgreSQL, either way): each chain checked
/// where it is read and, for the current simulation, re-executed before it is written, so what
/// lands verifies; signatures go with their episodes. Idempotent: an episode the target holds
/// (same id, same head hash) is not moved again, so a sync killed part way is finished by running
/// it again (each episode is stored in its own transaction).
public struct EpisodeSync {
    public var source: any EpisodeArchive
    public var target: any EpisodeArchive
    public var resolver: ActionResolver = .shipped

    public init(from source: any EpisodeArchive, to target: any EpisodeArchive) {
        self.source = source
        self.target = target
    }

    /// What a sync did.
    public struct Report: Sendable, Hashable {
        public var moved = 0
        /// Already in the target (this id and trace, or the same trace under another id).
        public var present = 0
    }

    /// Moves every episode the target lacks, telling `progress` (done, total) after each.
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        // A lookup of what the target holds (never iterated into output).
        var held: [String: String] = [:]
        for head in try target.heads() { held[head.id] = head.headHash }
        let heads = try source.heads()
        var report = Report()
        for (index, head) in heads.enumerated() {
            defer { progress(index + 1, heads.count) }
            if held[head.id] == head.headHash {
                report.present += 1
                continue
            }
            let (header, events, signatures) = try source.checkedForSync(head.id)
            var episode = try TraceImporter.rebuild(header: header, events: events, resolver: resolver, file: "sync from \(source.name)")
            episode.signatures = signatures
            switch try target.store(episode) {
            case .inserted: report.moved += 1
            case .alreadyStored: report.present += 1
            }
        }
        return report
    }
}
