import Foundation
import MedGym

/// Checks an episode's row against its events, as ``TraceStore/checkedEpisode(_:)`` does, once both
/// are read: the chain links and ends where the row says, the row agrees with the trace, and the trace
/// ends with its score event. No store access, so any thread may check what one thread read.
public struct EpisodeChecker: Sendable {
    /// The store the row and events came from (for errors).
    let path: String
    let fixtures: FixtureCache

    /// The episode, checked; a broken chain or a row that disagrees with its trace throws.
    public func check(_ listing: EpisodeListing, events: [TraceEvent]) throws(StoreError) -> CheckedEpisode {
        let id = listing.header.episodeID
        if let broken = TraceComparison.firstBrokenLink(events) {
            throw .brokenTrace(id: id, path: path, problem: broken.problem)
        }
        guard events.count == listing.eventCount, (events.last?.hash ?? "") == listing.headHash else {
            throw .brokenTrace(
                id: id, path: path,
                problem:
                    "the episode row records \(listing.eventCount) events ending \(listing.headHash.prefix(12))…, the events table has \(events.count) ending \((events.last?.hash ?? "").prefix(12))…"
            )
        }
        let start: TraceStart
        do { start = try TraceStart(events) } catch { throw .brokenTrace(id: id, path: path, problem: error.message) }
        let score = events.last.flatMap(ScoreHeadline.read)
        let problems = RowCheck.disagreements(
            listing, start: start, events: events, score: score,
            fixtureTier: fixtureTier(start))
        guard problems.isEmpty, score != nil, let last = events.last else {
            throw .rowMismatch(id: id, path: path, problem: problems.joined(separator: "; "))
        }
        return CheckedEpisode(listing: listing, events: events, start: start, scoreEvent: last, storePath: path)
    }

    /// The tier of the fixture a trace names, when the shipped fixture is the
    /// one it was recorded against; nil (unknown) otherwise.
    private func fixtureTier(_ start: TraceStart) -> Int?? {
        guard let (fixture, digest) = try? fixtures.fixture(named: start.fixture, resolver: .shipped),
            digest == start.fixtureDigest
        else { return nil }
        return .some(fixture.tier)
    }
}
