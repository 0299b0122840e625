import Foundation
import MedGym
import TraceStore

/// Proves a stored episode: its hash chain is intact, re-executing its
/// recorded actions in a fresh environment reproduces every event, and its
/// header and summary match that fold of the events.
public struct Verifier {
    public let store: TraceStore
    public let resolver: ActionResolver
    let fixtures = FixtureCache()

    public init(store: TraceStore, resolver: ActionResolver = .shipped) {
        self.store = store
        self.resolver = resolver
    }

    /// Verifies one episode. An unknown id throws; every failed check,
    /// including rows that no longer decode, is a problem in the report.
    public func verify(_ id: String) throws(StoreError) -> Verification {
        let listing = try store.listing(id)
        return Self.check(gather(listing), resolver: resolver, fixtures: fixtures)
    }

    /// Verifies every finished episode, in store order: rows are read on
    /// this thread a chunk at a time, and each chunk is re-executed and
    /// checked on `jobs` threads. The reports are the same for any `jobs`.
    public func verifyAll(jobs: Int = 1) throws(StoreError) -> [Verification] {
        let listings = try store.list()
        var reports: [Verification] = []
        reports.reserveCapacity(listings.count)
        let chunk = max(1, jobs) * 32
        var start = 0
        while start < listings.count {
            let rows = listings[start..<min(start + chunk, listings.count)].map(gather)
            let slots = ResultSlots<Verification>(count: rows.count)
            let (resolver, fixtures) = (self.resolver, self.fixtures)
            let work: @Sendable (Int) -> Void = { slots.set($0, .success(Self.check(rows[$0], resolver: resolver, fixtures: fixtures))) }
            if jobs <= 1 {
                for index in rows.indices { work(index) }
            } else {
                DispatchQueue.concurrentPerform(iterations: rows.count, execute: work)
            }
            reports += rows.indices.compactMap { try? slots.get($0).get() }
            start += rows.count
        }
        return reports
    }

    /// The store-wide check that goes with ``verifyAll(jobs:)``: event rows
    /// outside every episode's range (added beside the trace, so no
    /// episode's own check sees them). Nil when there are none.
    public func strayRows() throws(StoreError) -> Verification? {
        let stray = try store.strayEventRows()
        guard stray > 0 else { return nil }
        return Verification(episodeID: "store", eventCount: stray,
                            problems: ["\(stray) event row\(stray == 1 ? "" : "s") in no episode's range (rows added beside the recorded traces)"],
                            notes: [])
    }

    /// What the store holds for one episode, read once.
    struct Gathered: Sendable {
        var listing: EpisodeListing
        var events: Result<[TraceEvent], StoreError>
    }

    func gather(_ listing: EpisodeListing) -> Gathered {
        let id = listing.header.episodeID
        return Gathered(listing: listing, events: Result { () throws(StoreError) in try store.events(id) })
    }

    static func check(_ gathered: Gathered, resolver: ActionResolver, fixtures: FixtureCache) -> Verification {
        let listing = gathered.listing
        var report = Verification(episodeID: listing.header.episodeID, eventCount: listing.eventCount, problems: [], notes: [])
        do {
            try check(gathered, resolver: resolver, fixtures: fixtures, into: &report)
        } catch {
            report.problems.append("\(error)")
        }
        return report
    }

    private static func check(_ gathered: Gathered, resolver: ActionResolver, fixtures: FixtureCache,
                              into report: inout Verification) throws {
        let listing = gathered.listing
        let id = listing.header.episodeID
        let events = try gathered.events.get()
        report.eventCount = events.count
        if let broken = TraceComparison.firstBrokenLink(events) {
            report.problems.append("chain: \(broken.problem)")
        }
        if listing.eventCount != events.count || listing.headHash != (events.last?.hash ?? "") {
            report.problems.append("header: the episode row records \(listing.eventCount) events ending \(listing.headHash.prefix(12))…, the events table has \(events.count)")
        }
        let replayed: RecordedEpisode
        do {
            let start = try TraceStart(events)
            if start.fixture != listing.header.fixture || start.seed != listing.header.seed {
                report.problems.append("header: lists fixture \(listing.header.fixture) seed \(listing.header.seed), but episode_started says \(start.fixture) seed \(start.seed)")
            }
            if let provenance = start.provenance {
                report.problems += provenance.disagreements(with: listing.header).map { "provenance: \($0)" }
            } else {
                report.notes.append("trace format 1: its agent and label are outside the hash chain and cannot be verified; re-record it to cover them")
            }
            if !start.isCurrentSimulation {
                report.notes.append("chain checked; not re-executed: \(SimulationVersionError(episode: id, recorded: start.simulation))")
                return
            }
            let fixture = try ReplayFixture.load(start, episode: id, catalog: resolver.catalog, cache: fixtures)
            replayed = try EpisodeRecorder(fixture: fixture, resolver: resolver, fixtureDigest: start.fixtureDigest).reexecute(events, header: listing.header, hashing: false)
        } catch {
            report.problems.append("re-execution: \(error)")
            return
        }
        // Content, field by field; the stored hashes were checked as a chain above.
        if let difference = TraceComparison.firstContentDifference(recorded: events, replayed: replayed.events) {
            report.problems.append("re-execution: \(difference)")
        }
        let score = replayed.score, final = replayed.extent
        let expected = EpisodeSummary(outcome: score.outcome, harmLevel: score.harmLevel.rawValue, composite: score.composite,
                                      steps: final.steps, endMinute: final.minute)
        var differing: [String] = []
        let stored = listing.summary
        if stored?.outcome != expected.outcome { differing.append("outcome (stored \(stored?.outcome ?? "none"), re-scored \(expected.outcome))") }
        if stored?.harmLevel != expected.harmLevel { differing.append("harm_level (stored \(stored?.harmLevel ?? "none"), re-scored \(expected.harmLevel))") }
        if stored?.composite != expected.composite {
            differing.append("composite (stored \(stored.map { String($0.composite) } ?? "none"), re-scored \(expected.composite))")
        }
        if stored?.steps != expected.steps { differing.append("steps (stored \(stored.map { String($0.steps) } ?? "none"), re-scored \(expected.steps))") }
        if stored?.endMinute != expected.endMinute {
            differing.append("end_minute (stored \(stored.map { String($0.endMinute) } ?? "none"), re-scored \(expected.endMinute))")
        }
        // The score card itself is the trace's score event, compared with the rest of the trace above.
        if !differing.isEmpty {
            report.problems.append("summary: the stored summary differs from re-scoring the events in " + differing.joined(separator: ", "))
        }
    }
}

/// The result of verifying one episode.
public struct Verification: Sendable, Hashable, Codable {
    public var episodeID: String
    public var eventCount: Int
    /// Every failed check, first bad event first; empty when verified.
    public var problems: [String]
    /// What was not checked, and why (a trace from another simulation version).
    public var notes: [String] = []
    public var passed: Bool { problems.isEmpty }
}
