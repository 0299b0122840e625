import Foundation
import MedGym

/// Moves episodes from one store to another (SQLite or PostgreSQL, either way): each chain checked
/// where it is read and, for the current simulation, re-executed before it is written, so what
/// lands verifies; signatures go with their episodes. Idempotent: an episode the target holds
/// (same id, same head hash) is not moved again, so a sync killed part way is finished by running
/// it again (each episode is stored in its own transaction).
public struct EpisodeSync {
    public var source: any EpisodeStore
    public var target: any EpisodeStore
    public var resolver: ActionResolver = .shipped

    public init(from source: any EpisodeStore, to target: any EpisodeStore) {
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
            let (listing, events) = try source.checkedEvents(head.id)
            var episode = try TraceImporter.rebuild(header: listing.header, events: events, resolver: resolver, file: "sync from \(source.path)")
            episode.signatures = try source.signatures(head.id)
            switch try target.save(episode) {
            case .inserted: report.moved += 1
            case .alreadyStored: report.present += 1
            }
        }
        return report
    }
}
