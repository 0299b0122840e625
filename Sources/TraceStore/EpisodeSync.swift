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

    /// Moves every episode the target lacks, telling `progress` (done, total) as it goes. With
    /// `jobs` > 1, episodes are read and re-executed on that many threads (each with a connection of
    /// its own to the source) while one writer stores them in the source's order.
    public func run(jobs: Int = 1, progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        // A lookup of what the target holds (never iterated into output).
        var held: [String: String] = [:]
        for head in try target.heads() { held[head.id] = head.headHash }
        let heads = try source.heads()
        let missing = heads.filter { held[$0.id] != $0.headHash }
        var report = Report()
        report.present = heads.count - missing.count
        var done = report.present
        if done > 0 { progress(done, heads.count) }
        let readers = jobs > 1 ? try source.connections(jobs) : [source]
        let (resolver, name) = (self.resolver, "sync from \(source.path)")
        let chunk = readers.count * 8
        for start in stride(from: 0, to: missing.count, by: chunk) {
            let slice = Array(missing[start..<min(start + chunk, missing.count)])
            let rebuilt = try OrderedWork.inShares(slice, workers: readers) { reader, head in
                let (listing, events) = try reader.checkedEvents(head.id)
                var episode = try TraceImporter.rebuild(header: listing.header, events: events, resolver: resolver, file: name)
                episode.signatures = try reader.signatures(head.id)
                return episode
            }
            for episode in rebuilt {
                switch try target.save(episode) {
                case .inserted: report.moved += 1
                case .alreadyStored: report.present += 1
                }
                done += 1
                progress(done, heads.count)
            }
        }
        return report
    }
}
