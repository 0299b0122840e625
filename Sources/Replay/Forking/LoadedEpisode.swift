import Foundation
import MedGym
import TraceStore

/// A stored episode read once for forking: its events (chain checked and
/// matching the episode row's head hash), turns, fixture, recorded score,
/// and the states rebuilt so far by checked re-execution, by step.
struct LoadedEpisode {
    var header: EpisodeHeader
    var headHash: String
    var events: [TraceEvent]
    var exchanges: [TraceExchange]
    var start: TraceStart
    var fixture: Fixture
    var score: ScoreCard
    /// State just before each turn's event seq, rebuilt on first use (looked up, never iterated).
    var restored: [Int: EpisodeState] = [:]
    /// The state after the last turn, once every step was rebuilt (``Forker/prepareAllSteps(_:)``).
    var end: EpisodeState?
}

/// The last few episodes a ``Forker`` loaded, so a sweep's forks of one
/// episode read, check and re-execute it once. An entry is reused only while
/// the episode row still names the same head hash and event count.
final class LoadedEpisodeCache: @unchecked Sendable {
    private var entries: [(id: String, episode: LoadedEpisode)] = []
    private let capacity: Int
    private let lock = NSLock()

    init(capacity: Int = 8) { self.capacity = capacity }

    func episode(_ id: String, headHash: String, eventCount: Int) -> LoadedEpisode? {
        lock.lock()
        defer { lock.unlock() }
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
        let entry = entries.remove(at: index)
        guard entry.episode.headHash == headHash, entry.episode.events.count == eventCount else { return nil }
        entries.append(entry)
        return entry.episode
    }

    func store(_ episode: LoadedEpisode) {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.id == episode.header.episodeID }
        entries.append((episode.header.episodeID, episode))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }
}
