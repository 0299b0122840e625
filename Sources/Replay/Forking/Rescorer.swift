import Foundation
import MedGym
import TraceStore

/// Re-scores a stored episode: re-executes its recorded actions against the
/// fixture as it is now and scores the result with the current answer key.
/// Scoring is a pure function of trajectory and key, so an unchanged fixture
/// gives exactly the recorded score.
public struct Rescorer {
    public let store: any EpisodeStore
    public let resolver: ActionResolver

    public init(store: any EpisodeStore, resolver: ActionResolver = .shipped) {
        self.store = store
        self.resolver = resolver
    }

    public func rescore(_ id: String) throws -> Rescored {
        let checked = try store.checkedEpisode(id)
        let (header, events) = (checked.header, checked.events)
        let start = try TraceStart(events)
        guard start.isCurrentSimulation else { throw SimulationVersionError(episode: id, recorded: start.simulation) }
        let fixture = try FixtureLoader.fixture(named: start.fixture, resolver: resolver)
        let recorder = try EpisodeRecorder(fixture: fixture, resolver: resolver)
        let replayed = try recorder.reexecute(events, header: header)
        let recorded = try events.last(where: { $0.kind == .score })?.decodedPayload().score
        return Rescored(
            episodeID: id, fixture: fixture.id, seed: start.seed, score: replayed.score, recorded: recorded,
            fixtureChanged: recorder.fixtureDigest != start.fixtureDigest)
    }
}

/// A fresh score for a stored episode, beside the one it was recorded with.
public struct Rescored: Sendable, Hashable, Codable {
    public var episodeID: String
    public var fixture: String
    public var seed: UInt64
    public var score: ScoreCard
    public var recorded: ScoreCard?
    /// The fixture (physiology or answer key) differs from the one recorded against.
    public var fixtureChanged: Bool
    public var matchesRecorded: Bool { recorded == score }
}
