/// A stored episode as a sync lists it: its id and the digest of its trace.
public struct EpisodeHead: Sendable, Hashable {
    public var id: String
    public var headHash: String
    public var eventCount: Int

    public init(id: String, headHash: String, eventCount: Int) {
        (self.id, self.headHash, self.eventCount) = (id, headHash, eventCount)
    }
}

extension TraceStore {
    /// Every stored episode's id, head hash and event count, in the order stored.
    public func heads() throws(StoreError) -> [EpisodeHead] {
        do {
            let rows = try statement("SELECT episode_id, head_hash, event_count FROM episodes WHERE finished = 1 ORDER BY id")
            defer { rows.reset() }
            var heads: [EpisodeHead] = []
            while try rows.step() { heads.append(EpisodeHead(id: rows.text(0) ?? "", headHash: rows.text(1) ?? "", eventCount: rows.int(2))) }
            return heads
        } catch {
            throw Self.wrap(error, path: path)
        }
    }
}

extension RecordedEpisode {
    /// Why the episode cannot be stored in a store at `path`, checked before anything is written (by
    /// every store): an id that is not one, a broken hash chain (unless this process built it), or
    /// a row whose `rng_state` does not follow from the seed and minute (no layout keeps it).
    public func storabilityProblem(path: String) -> StoreError? {
        let id = header.episodeID
        guard EpisodeID.isValid(id) else {
            return .corruptRow(path: path, episode: id, detail: "not an episode id (ep_ and 12 hex digits); nothing was written")
        }
        if !chainBuiltHere, let broken = TraceComparison.firstBrokenLink(events) {
            return .corruptRow(path: path, episode: id, detail: "refusing to store a broken trace: \(broken.problem)")
        }
        let seed = header.seed
        if let odd = events.first(where: { $0.rngState != TraceBuilder.rngState(seed: seed, minute: $0.simMinute) }) {
            return .corruptRow(
                path: path, episode: id,
                detail: "event \(odd.seq)'s rng_state '\(odd.rngState)' is not seed=\(seed) minute=\(odd.simMinute); nothing was written")
        }
        return nil
    }
}
