import Foundation
import MedGym
import TraceStore

/// Proves a stored episode: its hash chain is intact, re-executing its
/// recorded actions in a fresh environment reproduces every event, and its
/// projections (snapshots, summary) match that fold of the events.
public struct Verifier {
    public let store: TraceStore
    public let resolver: ActionResolver
    let fixtures = FixtureCache()

    public init(store: TraceStore, resolver: ActionResolver = .shipped) {
        self.store = store
        self.resolver = resolver
    }

    /// Verifies one episode. An unknown id throws; a failed check is a
    /// report with `passed == false` naming the first bad event.
    public func verify(_ id: String) throws -> Verification {
        let listing = try store.listing(id)
        let events = try store.events(id)
        var report = Verification(episodeID: id, eventCount: events.count, problems: [])
        if let broken = TraceComparison.firstBrokenLink(events) {
            report.problems.append("chain: \(broken.problem)")
        }
        if listing.eventCount != events.count || listing.headHash != (events.last?.hash ?? "") {
            report.problems.append("header: the episode row records \(listing.eventCount) events ending \(listing.headHash.prefix(12))…, the events table has \(events.count)")
        }
        let replayed: RecordedEpisode
        do {
            let start = try TraceStart(events)
            let fixture = try ReplayFixture.load(start, episode: id, catalog: resolver.catalog, cache: fixtures)
            replayed = try EpisodeRecorder(fixture: fixture, resolver: resolver).reexecute(events, header: listing.header)
        } catch {
            report.problems.append("re-execution: \(error)")
            return report
        }
        if let difference = TraceComparison.firstDifference(recorded: events, replayed: replayed.events) {
            report.problems.append("re-execution: \(difference)")
        }
        let stored = try store.snapshots(id)
        if stored.count != replayed.snapshots.count {
            report.problems.append("snapshots: \(stored.count) stored, the events fold into \(replayed.snapshots.count)")
        }
        for (cached, folded) in zip(stored, try SnapshotCodec.rows(replayed.snapshots)) {
            if cached.step != folded.step || cached.json != folded.json || cached.stateHash != folded.stateHash
                || cached.stateHash != TraceHash.sha256(Data(cached.json.utf8)) {
                report.problems.append("snapshots: the cached state after step \(cached.step) differs from the fold of the events")
                break
            }
        }
        if try store.storedScore(id) != replayed.score {
            report.problems.append("summary: the stored score differs from re-scoring the events")
        }
        return report
    }
}

/// The result of verifying one episode.
public struct Verification: Sendable, Hashable, Codable {
    public var episodeID: String
    public var eventCount: Int
    /// Every failed check, first bad event first; empty when verified.
    public var problems: [String]
    public var passed: Bool { problems.isEmpty }
}
