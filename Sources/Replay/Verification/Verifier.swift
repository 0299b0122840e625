import Foundation
import MedGym
import TraceStore

/// Proves a stored episode: its hash chain is intact, re-executing its
/// recorded actions in a fresh environment reproduces every event, and its
/// header and summary match that fold of the events.
public struct Verifier {
    public let store: any EpisodeStore
    public let resolver: ActionResolver
    /// Pass an episode of another simulation version on its chain alone
    /// (otherwise it fails: its score was not computed here).
    public var acceptChainOnly = false
    /// When set, an episode passes only with a valid signature by one of these keys.
    public var trust: TrustedKeys?
    let fixtures = FixtureCache()

    public init(store: any EpisodeStore, resolver: ActionResolver = .shipped, acceptChainOnly: Bool = false, trust: TrustedKeys? = nil) {
        self.store = store
        self.resolver = resolver
        self.acceptChainOnly = acceptChainOnly
        self.trust = trust
    }

    /// Verifies one episode. An unknown id throws; every failed check,
    /// including rows that no longer decode, is a problem in the report.
    public func verify(_ id: String) throws(StoreError) -> Verification {
        let listing = try store.listing(id)
        return Self.check(gather(listing), settings: settings)
    }

    /// Verifies every episode row (finished or not: a row marked unfinished
    /// is itself a problem), in store order: rows are read on
    /// this thread a chunk at a time, and each chunk is re-executed and
    /// checked on `jobs` threads. The reports are the same for any `jobs`.
    public func verifyAll(jobs: Int = 1) throws(StoreError) -> [Verification] {
        let listings = try store.list(includeUnfinished: true)
        var reports: [Verification] = []
        reports.reserveCapacity(listings.count)
        let chunk = max(1, jobs) * 32
        var start = 0
        while start < listings.count {
            let rows = listings[start..<min(start + chunk, listings.count)].map(gather)
            let settings = self.settings
            reports += OrderedWork.map(rows.count, width: jobs) { Self.check(rows[$0], settings: settings) }.compactMap { try? $0.get() }
            start += rows.count
        }
        return reports
    }

    /// What every episode's check needs, shareable across threads.
    struct Settings: Sendable {
        var resolver: ActionResolver
        var fixtures: FixtureCache
        var acceptChainOnly: Bool
        var trust: TrustedKeys?
    }

    var settings: Settings { Settings(resolver: resolver, fixtures: fixtures, acceptChainOnly: acceptChainOnly, trust: trust) }

    /// The store-wide check that goes with ``verifyAll(jobs:)``: event rows
    /// outside every episode's range (added beside the trace, so no
    /// episode's own check sees them). Nil when there are none.
    public func strayRows() throws(StoreError) -> Verification? {
        let stray = try store.strayEventRows()
        let orphans = try store.orphanRows()
        var problems: [String] = []
        if stray > 0 { problems.append("\(stray) event row\(stray == 1 ? "" : "s") in no episode's range (rows added beside the recorded traces)") }
        if orphans.summaries > 0 { problems.append("\(orphans.summaries) summary row\(orphans.summaries == 1 ? "" : "s") for no stored episode") }
        if orphans.signatures > 0 { problems.append("\(orphans.signatures) signature row\(orphans.signatures == 1 ? "" : "s") for no stored episode") }
        guard !problems.isEmpty else { return nil }
        return Verification(episodeID: "store", eventCount: stray, problems: problems, notes: [])
    }

    /// What the store holds for one episode, read once.
    struct Gathered: Sendable {
        var listing: EpisodeListing
        var events: Result<[TraceEvent], StoreError>
        var signatures: [EpisodeSignature]
        /// A saved fork's parent: its events, when they read.
        var parentEvents: Result<[TraceEvent], StoreError>?
        /// A saved fork made again from its parent: what differs, or why it could not be made.
        var refork: (problem: String?, note: String?)?
    }

    func gather(_ listing: EpisodeListing) -> Gathered {
        let id = listing.header.episodeID
        let events = Result { () throws(StoreError) in try store.events(id) }
        return Gathered(
            listing: listing, events: events,
            signatures: (try? store.signatures(id)) ?? [],
            parentEvents: listing.header.parentID.map { parent in Result { () throws(StoreError) in try store.events(parent) } },
            refork: (try? events.get()).flatMap { refork(listing.header, events: $0) })
    }

    /// A saved fork is made again from its parent, with the action its trace
    /// took at the fork step and the continuation its row names: the trace
    /// must be the same, event for event. (A recorded run re-labelled as a
    /// fork of a look-alike run fails here.) Runs on the reading thread: it
    /// needs the store.
    func refork(_ header: EpisodeHeader, events: [TraceEvent]) -> (problem: String?, note: String?)? {
        guard let parent = header.parentID, let step = header.forkStep, header.agent.hasPrefix("fork:") else { return nil }
        guard let continuation = ForkContinuation(rawValue: String(header.agent.dropFirst("fork:".count))) else {
            return ("fork: the row names continuation '\(header.agent)', which MedGym does not make", nil)
        }
        guard let taken = events.first(where: { $0.kind == .actionReceived && $0.step == step }),
            let payload = try? taken.decodedPayload(), let action = payload.text ?? payload.action
        else {
            return ("fork: its trace takes no action at its fork step \(step)", nil)
        }
        let fork: Fork
        do {
            fork = try Forker(store: store, resolver: resolver).fork(parent, at: step, action: action, continuation: continuation)
        } catch let error as ForkError {
            if case .agentNotReplayable = error { return (nil, "fork: not made again (\(error))") }
            return ("fork: it cannot be made again from \(parent): \(error)", nil)
        } catch {
            return ("fork: it cannot be made again from \(parent): \(error)", nil)
        }
        guard fork.events.last?.hash == events.last?.hash else {
            let difference = TraceComparison.firstContentDifference(recorded: events, replayed: fork.events)
            return (
                "fork: forking \(parent) at step \(step) with '\(action)' and continuation \(continuation.rawValue) gives another trace (\(difference.map { "\($0)" } ?? "its hashes differ")); it is not that fork",
                nil
            )
        }
        return (nil, nil)
    }

    static func check(_ gathered: Gathered, settings: Settings) -> Verification {
        let listing = gathered.listing
        var report = Verification(episodeID: listing.header.episodeID, eventCount: listing.eventCount, problems: [], notes: [])
        do {
            try check(gathered, settings: settings, into: &report)
        } catch {
            report.problems.append("\(error)")
        }
        return report
    }

    /// The built-in agents, which are deterministic: verify re-runs them.
    static let builtInAgents = ["expert", "anchoring", "protocol", "random"]

    private static func check(_ gathered: Gathered, settings: Settings, into report: inout Verification) throws {
        let listing = gathered.listing
        let id = listing.header.episodeID
        let events = try gathered.events.get()
        report.eventCount = events.count
        if let broken = TraceComparison.firstBrokenLink(events) {
            report.problems.append("chain: \(broken.problem)")
        }
        if listing.eventCount != events.count || listing.headHash != (events.last?.hash ?? "") {
            report.problems.append(
                "header: the episode row records \(listing.eventCount) events ending \(listing.headHash.prefix(12))…, the events table has \(events.count)")
        }
        checkSignatures(gathered, trust: settings.trust, into: &report)
        checkFork(gathered, events: events, into: &report)
        if let refork = gathered.refork {
            if let problem = refork.problem { report.problems.append(problem) }
            if let note = refork.note { report.notes.append(note) }
        }
        let start: TraceStart
        do { start = try TraceStart(events) } catch {
            report.problems.append("re-execution: \(error)")
            return
        }
        let tier: Int?? = (try? settings.fixtures.fixture(named: start.fixture, resolver: settings.resolver))
            .flatMap { $0.1 == start.fixtureDigest ? .some($0.0.tier) : nil }
        // The row against the chain; `score`: the trace's score card, when already known to be its last event.
        func checkRow(score known: ScoreCard? = nil) {
            let score = known.map(ScoreHeadline.init) ?? events.last.flatMap(ScoreHeadline.read)
            report.problems += RowCheck.disagreements(listing, start: start, events: events, score: score, fixtureTier: tier)
                .map { "row: \($0)" }
        }
        if start.provenance == nil {
            report.notes.append("trace format 1: its agent and label are outside the hash chain and cannot be verified; re-record it to cover them")
        }
        if !start.isCurrentSimulation {
            checkRow()
            let why = SimulationVersionError(episode: id, recorded: start.simulation)
            if settings.acceptChainOnly {
                report.notes.append("chain checked; not re-executed (accepted by --accept-chain-only): \(why)")
            } else {
                report.problems.append(
                    "unverified: chain checked, but not re-executed, so its score is only as recorded: \(why). Pass --accept-chain-only to accept a chain check alone"
                )
            }
            return
        }
        let replayed: RecordedEpisode
        var comparedAlready = false
        do {
            let fixture = try ReplayFixture.load(start, episode: id, resolver: settings.resolver, cache: settings.fixtures)
            let recorder = try EpisodeRecorder(fixture: fixture, resolver: settings.resolver, fixtureDigest: start.fixtureDigest)
            if let rerun = try rerunBuiltIn(start, header: listing.header, recorder: recorder, events: events, into: &report) {
                replayed = rerun
                comparedAlready = true
            } else {
                replayed = try recorder.reexecute(events, header: listing.header, hashing: false)
            }
        } catch {
            checkRow()
            report.problems.append("re-execution: \(error)")
            return
        }
        // Content, field by field; the stored hashes were checked as a chain above.
        let difference = comparedAlready ? nil : TraceComparison.firstContentDifference(recorded: events, replayed: replayed.events)
        if let difference { report.problems.append("re-execution: \(difference)") }
        // Identical content means the trace ends with the score card just computed: no need to decode it.
        checkRow(score: difference == nil ? replayed.score : nil)
        let rescored = replayed.score
        let final = replayed.extent
        let expected = EpisodeSummary(
            outcome: rescored.outcome, harmLevel: rescored.harmLevel.rawValue, composite: rescored.composite,
            steps: final.steps, endMinute: final.minute, tokens: ReplyTokens.total(in: replayed.events))
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
        let storedTokens = stored?.tokens ?? nil
        if storedTokens != expected.tokens {
            differing.append(
                "tokens (stored \(storedTokens.map(String.init) ?? "none"), re-executed \(expected.tokens.map(String.init) ?? "none"))")
        }
        // The score card itself is the trace's score event, compared with the rest of the trace above.
        if !differing.isEmpty {
            report.problems.append("summary: the stored summary differs from re-scoring the events in " + differing.joined(separator: ", "))
        }
    }

    /// For a recorded run whose chain names a built-in agent: plays that
    /// agent again from reset on the recorded seed (it is deterministic) and
    /// returns its trace, with a problem when it is not the recorded one
    /// (a trace re-attributed to a built-in agent, even with every hash
    /// recomputed, fails here). Nil for other agents and for forks.
    static func rerunBuiltIn(
        _ start: TraceStart, header: EpisodeHeader, recorder: EpisodeRecorder, events: [TraceEvent],
        into report: inout Verification
    ) throws -> RecordedEpisode? {
        guard header.parentID == nil, let provenance = start.provenance, builtInAgents.contains(provenance.agent),
            let spec = try? AgentSpec.parse(provenance.agent, readFile: { _ in "" })
        else { return nil }
        var agent = spec.makeAgent(fixture: recorder.fixture, seed: start.seed)
        let rerun = try recorder.rerun(start, agent: &agent, header: header)
        if let difference = TraceComparison.firstContentDifference(recorded: events, replayed: rerun.events) {
            report.problems.append(
                "agent: the trace says the built-in '\(provenance.agent)' agent played it, but re-running that agent on seed \(start.seed) gives another trace (\(difference)); the trace was not recorded by it"
            )
            return nil
        }
        return rerun
    }

    /// Stored signatures must each be valid; with `trust`, one must be by a trusted key.
    static func checkSignatures(_ gathered: Gathered, trust: TrustedKeys?, into report: inout Verification) {
        let listing = gathered.listing
        for signature in gathered.signatures where !signature.isValid(header: listing.header, headHash: listing.headHash, eventCount: listing.eventCount) {
            report.problems.append(
                "signature: the one by key \(signature.publicKey.prefix(12))… does not match the row and head hash (the row or the signature was changed after signing)"
            )
        }
        if let trust,
            let refusal = trust.refusal(
                gathered.signatures, header: listing.header, headHash: listing.headHash,
                eventCount: listing.eventCount)
        {
            report.problems.append("trust: \(refusal); --trust passes only episodes a trusted key signed")
        } else if trust != nil {
            report.notes.append("signed by a trusted key")
        }
    }

    /// A saved fork begins with its parent's events before the fork step, hash for hash.
    static func checkFork(_ gathered: Gathered, events: [TraceEvent], into report: inout Verification) {
        let h = gathered.listing.header
        guard let parent = h.parentID, let step = h.forkStep, let parentEvents = gathered.parentEvents else { return }
        guard let parentEvents = try? parentEvents.get(), !parentEvents.isEmpty else {
            report.problems.append("fork: its parent \(parent) is not in the store (or does not read)")
            return
        }
        let shared = parentEvents.prefix { $0.step < step }.count
        guard shared > 0, shared <= events.count, events[shared - 1].hash == parentEvents[shared - 1].hash else {
            report.problems.append(
                "fork: its trace does not begin with \(parent)'s events before step \(step), so it is not a fork of \(parent) at step \(step)")
            return
        }
    }
}

/// The result of verifying one episode.
public struct Verification: Sendable, Hashable, Codable {
    public var episodeID: String
    public var eventCount: Int
    /// Every failed check, first bad event first; empty when verified.
    public var problems: [String]
    /// What was not checked, and why (a trace from another simulation version passed by --accept-chain-only).
    public var notes: [String] = []
    public var passed: Bool { problems.isEmpty }
}
