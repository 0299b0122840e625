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
        if let broken = TraceComparison.firstBrokenLink(events) {
            throw .brokenTrace(id: listing.header.episodeID, path: path, problem: broken.problem)
        }
        let start = try checkRow(listing, events: events, count: events.count, score: events.last.flatMap(ScoreHeadline.read))
        return CheckedEpisode(listing: listing, events: events, start: start, scoreEvent: events[events.count - 1], storePath: path)
    }

    /// The episode's row, checked against its outline as ``check(_:events:)`` checks it against its
    /// events: the trace has the events the row says, starts with a hash-checked `episode_started`,
    /// ends with a hash-checked score event linked to the one before it, and every row field agrees
    /// with them (the summary's steps, end minute and tokens with the replies). The links between
    /// the other events are not re-hashed: `replay verify`, and every command that serves one
    /// episode, check the whole chain.
    public func check(_ listing: EpisodeListing, outline: TraceOutline) throws(StoreError) -> CheckedOutline {
        let events = outline.events
        let id = listing.header.episodeID
        if outline.count != listing.eventCount || events.first?.seq != 0 || events.last?.seq != outline.count - 1 {
            throw .brokenTrace(
                id: id, path: path,
                problem: "the episode row records \(listing.eventCount) events, the events table holds \(outline.count) rows in its range")
        }
        for (index, event) in [(0, events[0]), (outline.count - 1, events[events.count - 1])] {
            if let broken = TraceComparison.brokenLink(
                event, at: index, previous: index == 0 ? TraceHash.genesis : event.prevHash, rehash: true)
            {
                throw .brokenTrace(id: id, path: path, problem: broken.problem)
            }
        }
        // The score card is decoded once, without its items: the headline checked here is the card served.
        let card = events.last.flatMap { $0.kind == .score ? try? ItemlessScore.card($0.payload) : nil }
        let start = try checkRow(listing, events: events, count: outline.count, score: card.map(ScoreHeadline.init))
        guard let card else {
            throw .rowMismatch(id: id, path: path, problem: "score: the trace does not end with a readable score event")
        }
        return CheckedOutline(
            listing: listing, start: start, scoreWithoutItems: card, eventCount: outline.count, actionEvents: events.filter { $0.kind == .actionReceived })
    }

    /// Checks what a row says against the trace (chain already checked): it ends where the row says, its
    /// start and score event agree with the row, and it ends with that score event.
    private func checkRow(_ listing: EpisodeListing, events: [TraceEvent], count: Int, score: ScoreHeadline?) throws(StoreError) -> TraceStart {
        let id = listing.header.episodeID
        guard count == listing.eventCount, (events.last?.hash ?? "") == listing.headHash else {
            throw .brokenTrace(
                id: id, path: path,
                problem:
                    "the episode row records \(listing.eventCount) events ending \(listing.headHash.prefix(12))…, the events table has \(count) ending \((events.last?.hash ?? "").prefix(12))…"
            )
        }
        let start: TraceStart
        do { start = try TraceStart(events) } catch { throw .brokenTrace(id: id, path: path, problem: error.message) }
        let problems = RowCheck.disagreements(
            listing, start: start, events: events, score: score,
            fixtureTier: fixtureTier(start))
        guard problems.isEmpty, score != nil, !events.isEmpty else {
            throw .rowMismatch(id: id, path: path, problem: problems.joined(separator: "; "))
        }
        return start
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
