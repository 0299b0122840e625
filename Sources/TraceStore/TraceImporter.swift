import Foundation
import MedGym

/// Brings event logs into a store: checks each log's hash chain, re-executes
/// it to rebuild the projections (summary), and refuses a log that
/// does not re-execute exactly.
public struct TraceImporter {
    public let store: any EpisodeStore
    public let resolver: ActionResolver

    public init(store: any EpisodeStore, resolver: ActionResolver = .shipped) {
        self.store = store
        self.resolver = resolver
    }

    /// What happened to one log.
    public enum Outcome: Sendable, Hashable {
        case imported(String)
        case alreadyStored(String)
    }

    /// Imports the log at `path`.
    @discardableResult
    public func importLog(atPath path: String) throws -> Outcome {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw StoreError.badLog(file: path, line: 0, problem: "cannot read: \(error.localizedDescription)")
        }
        return try importLog(text, file: path)
    }

    /// Imports log text; `file` names it in errors.
    @discardableResult
    public func importLog(_ text: String, file: String) throws -> Outcome {
        let (header, events) = try TraceLog.decode(text, file: file)
        var recorded = try Self.rebuild(header: header, events: events, resolver: resolver, file: file)
        recorded.signatures = TraceLog.signatures(in: text)
        if let bad = recorded.signatures.first(where: { !$0.isValid(header: header, headHash: recorded.headHash, eventCount: events.count) }) {
            throw StoreError.badLog(
                file: file, line: 1,
                problem:
                    "episode \(header.episodeID): the signature by key \(bad.publicKey.prefix(12))… does not match the header and head hash (the log was altered after signing); nothing was imported"
            )
        }
        switch try store.save(recorded) {
        case .inserted: return .imported(header.episodeID)
        case .alreadyStored(let existing): return .alreadyStored(existing)
        }
    }

    /// Re-executes a trace and returns it with rebuilt projections, or throws
    /// naming the first event that does not reproduce.
    public static func rebuild(
        header: EpisodeHeader, events: [TraceEvent], resolver: ActionResolver = .shipped,
        file: String
    ) throws -> RecordedEpisode {
        let start = try TraceStart(events)
        guard start.fixture == header.fixture, start.seed == header.seed else {
            throw StoreError.badLog(
                file: file, line: 1,
                problem: "the header says fixture \(header.fixture) seed \(header.seed), but episode_started says \(start.fixture) seed \(start.seed)")
        }
        if let disagreement = start.provenance?.disagreements(with: header).first {
            throw StoreError.badLog(
                file: file, line: 1, problem: "episode \(header.episodeID): \(disagreement); the header must say what the hashed trace says")
        }
        if !start.isCurrentSimulation {
            // Another patient model: keep the chain and the recorded score; no re-execution.
            if let broken = TraceComparison.firstBrokenLink(events) {
                throw StoreError.badLog(file: file, line: broken.seq + 2, problem: "episode \(header.episodeID): \(broken.problem)")
            }
            guard let score = try? events.last(where: { $0.kind == .score })?.decodedPayload().score else {
                throw StoreError.badLog(file: file, line: events.count + 1, problem: "episode \(header.episodeID) has no readable score event")
            }
            return RecordedEpisode(header: header, events: events, score: score, finalState: nil)
        }
        let fixture = try ReplayFixture.load(start, episode: header.episodeID, resolver: resolver)
        let replayed = try EpisodeRecorder(fixture: fixture, resolver: resolver, fixtureDigest: start.fixtureDigest).reexecute(events, header: header)
        if let difference = TraceComparison.firstDifference(recorded: events, replayed: replayed.events) {
            throw StoreError.badLog(
                file: file, line: difference.seq + 2,
                problem: "episode \(header.episodeID) does not re-execute: \(difference)")
        }
        return replayed
    }
}

/// Finds the fixture a trace was recorded against and checks it is unchanged.
public enum ReplayFixture {
    public static func load(
        _ start: TraceStart, episode: String, resolver: ActionResolver = .shipped,
        cache: FixtureCache? = nil
    ) throws -> Fixture {
        guard start.isCurrentSimulation else {
            throw SimulationVersionError(episode: episode, recorded: start.simulation)
        }
        let (fixture, digest) =
            try cache?.fixture(named: start.fixture, resolver: resolver)
            ?? FixtureCache.loadWithDigest(start.fixture, resolver: resolver)
        guard digest == start.fixtureDigest else {
            throw FixtureChangedError(episode: episode, fixture: start.fixture, recorded: start.fixtureDigest, current: digest)
        }
        return fixture
    }
}

/// Fixtures already loaded, validated and digested, by name: forking or
/// verifying many episodes of one fixture loads it once.
public final class FixtureCache: @unchecked Sendable {
    private var loaded: [String: (Fixture, String)] = [:]
    private let lock = NSLock()

    public init() {}

    public func fixture(named name: String, resolver: ActionResolver) throws -> (Fixture, String) {
        lock.lock()
        defer { lock.unlock() }
        if let hit = loaded[name] { return hit }
        let entry = try Self.loadWithDigest(name, resolver: resolver)
        loaded[name] = entry
        return entry
    }

    static func loadWithDigest(_ name: String, resolver: ActionResolver) throws -> (Fixture, String) {
        let fixture = try FixtureLoader.fixture(named: name, resolver: resolver)
        return (fixture, try TraceHash.digest(of: fixture))
    }
}

/// The fixture a trace names has changed since the trace was recorded.
public struct FixtureChangedError: Error, CustomStringConvertible, Sendable, Hashable {
    public let episode: String
    public let fixture: String
    public let recorded: String
    public let current: String
    public var description: String {
        "episode \(episode) was recorded against fixture \(fixture) with digest \(recorded.prefix(12))…, but the fixture now has digest \(current.prefix(12))…; re-record the episode or check out the fixture it was recorded with"
    }
}

/// A trace recorded by another simulation version: its patient behaved
/// differently, so re-executing, forking or re-scoring it here would give
/// numbers from a different patient.
public struct SimulationVersionError: Error, CustomStringConvertible, Sendable, Hashable {
    public let episode: String
    public let recorded: Int
    public init(episode: String, recorded: Int) {
        self.episode = episode
        self.recorded = recorded
    }
    public var description: String {
        "episode \(episode) was recorded by simulation version \(recorded); this MedGym \(MedGymVersion.current) runs simulation \(MedGymVersion.simulation). Re-execution, forks and scores need that version (MedGym \(MedGymVersion.release(ofSimulation: recorded))); its hash chain can still be checked with replay verify"
    }
}
