import Foundation
import MedGym

/// Records every fixture × agent × seed combination, each episode in its own
/// transaction, and summarises each fixture × agent group.
///
/// With `jobs` > 1, episodes are played concurrently a bounded chunk at a
/// time while one writer stores them in plan order, so the store and the
/// summaries are the same for any number of jobs. An episode already stored
/// (same trace) is counted, not written again: re-running a batch after a
/// crash finishes it.
public struct BatchRecorder {
    public var fixtures: [Fixture]
    public var seeds: ClosedRange<UInt64>
    public var agents: [AgentSpec]
    public var label: String?
    public var invalidActions: InvalidActionPolicy
    /// Episodes played at once (at least 1).
    public var jobs: Int
    /// Which episodes are published to a live feed as they are played (none by default).
    public var watch: BatchWatch = .none

    public init(
        fixtures: [Fixture], seeds: ClosedRange<UInt64>, agents: [AgentSpec], label: String? = nil,
        invalidActions: InvalidActionPolicy = .fail, jobs: Int = 1
    ) {
        self.fixtures = fixtures
        self.seeds = seeds
        self.agents = agents
        self.label = label
        self.invalidActions = invalidActions
        self.jobs = max(1, jobs)
    }

    /// How many episodes the batch plans.
    public var episodeCount: Int { fixtures.count * agents.count * seeds.count }

    /// Plays and records (into `store`, unless nil) every combination,
    /// telling `progress` after each stored episode.
    public func run(
        into store: (any EpisodeStore)?, createdAt: @escaping @Sendable () -> String,
        progress: (BatchProgress) -> Void = { _ in }
    ) throws -> BatchReport {
        let recorders = try fixtures.map { try EpisodeRecorder(fixture: $0, invalidActions: invalidActions) }
        var plan: [(fixture: Int, agent: Int, seed: UInt64)] = []
        for f in fixtures.indices { for a in agents.indices { for seed in seeds { plan.append((f, a, seed)) } } }
        var groups = fixtures.flatMap { fixture in
            agents.map { _ in
                BatchGroup(fixture: fixture.id, agent: "", composites: [], outcomes: [], specialty: fixture.specialty, tier: fixture.tier)
            }
        }
        var report = BatchReport(groups: [], inserted: 0, alreadyStored: 0)
        let chunk = jobs == 1 ? 1 : jobs * 4
        var start = 0
        while start < plan.count {
            let slice = Array(plan[start..<min(start + chunk, plan.count)])
            let (agents, label) = (self.agents, self.label)
            // Threads of their own, not as wide as the cores: cmd: and openai: agents mostly wait on another process.
            let watch = self.watch
            let played = OrderedWork.map(slice.count, width: jobs) { i -> (RecordedEpisode, LiveRun?) in
                let job = slice[i]
                let spec = agents[job.agent]
                var agent = spec.makeAgent(fixture: recorders[job.fixture].fixture, seed: job.seed)
                var recorder = recorders[job.fixture]
                switch spec {
                case .command, .openAI: recorder.invalidActions = .reject(limit: 5)  // models write free text
                default: break
                }
                let live = watch.feed(for: spec)?.begin(fixture: recorder.fixture.id, seed: job.seed, agent: agent.id, label: label)
                do {
                    let recorded = try recorder.play(seed: job.seed, agent: &agent, label: label, createdAt: createdAt(), live: live).recorded
                    return (recorded, live)
                } catch {
                    live?.failed("\(error)")
                    throw error
                }
            }
            for (i, job) in slice.enumerated() {
                let (recorded, live) = try played[i].get()
                switch try store?.save(recorded) {
                case .alreadyStored(let existing):
                    report.alreadyStored += 1
                    live?.stored(episodeID: existing, alreadyStored: true)
                case .inserted:
                    report.inserted += 1
                    live?.stored(episodeID: recorded.header.episodeID, alreadyStored: false)
                case nil: report.inserted += 1
                }
                let g = job.fixture * self.agents.count + job.agent
                groups[g].agent = recorded.header.agent
                groups[g].composites.append(recorded.score.composite)
                groups[g].outcomes.append(recorded.score.outcome)
                progress(
                    BatchProgress(
                        done: start + i + 1, total: plan.count, inserted: report.inserted,
                        alreadyStored: report.alreadyStored))
            }
            start += slice.count
        }
        report.groups = groups
        return report
    }
}

/// Which of a batch's episodes are published to a ``LiveFeed`` as they are played.
public enum BatchWatch: Sendable {
    case none
    /// Only the episodes of `cmd:` and `openai:` agents: their turns take seconds, so writing each
    /// as it comes costs nothing that shows.
    case models(LiveFeed)
    /// Every episode (a built-in agent's turns take microseconds: writing them costs the batch time).
    case all(LiveFeed)

    func feed(for spec: AgentSpec) -> LiveFeed? {
        switch (self, spec) {
        case (.all(let feed), _), (.models(let feed), .command), (.models(let feed), .openAI): feed
        default: nil
        }
    }
}

/// The episodes of one fixture × agent in a batch.
public struct BatchGroup: Sendable, Hashable, Codable {
    public var fixture: String
    public var agent: String
    /// Composite of each episode, in seed order.
    public var composites: [Double]
    /// Outcome label of each episode, in seed order.
    public var outcomes: [String]
    /// The fixture's specialty and tier (what a batch's summary groups by).
    public var specialty: String = ""
    public var tier: Int = 0

    public var meanComposite: Double {
        composites.isEmpty ? 0 : (composites.reduce(0, +) / Double(composites.count) * 100).rounded() / 100
    }

    /// How often each outcome occurred, in order of first occurrence.
    public var outcomeCounts: [(outcome: String, count: Int)] {
        var counts: [(outcome: String, count: Int)] = []
        for outcome in outcomes {
            if let i = counts.firstIndex(where: { $0.outcome == outcome }) { counts[i].count += 1 } else { counts.append((outcome, 1)) }
        }
        return counts
    }

    /// One line: `fixture × agent: N episodes, mean composite +X, outcome n, …`.
    public var summary: String {
        let outcomes = outcomeCounts.map { "\($0.outcome) \($0.count)" }.joined(separator: ", ")
        return "\(fixture) × \(agent): \(composites.count) episodes, mean composite \(EpisodeFormatter.signed(meanComposite)), \(outcomes)"
    }
}

/// The episodes of one specialty × tier band (1–20, 21–40, …) × agent in a batch: what
/// `medgym batch` prints when it played many scenarios.
public struct BatchBand: Sendable, Hashable {
    public var specialty: String
    public var tiers: ClosedRange<Int>
    public var agent: String
    public var fixtures: Int
    public var episodes: BatchGroup

    /// The band of twenty tiers a tier falls in.
    public static func band(of tier: Int) -> ClosedRange<Int> {
        let low = (max(tier, 1) - 1) / 20 * 20 + 1
        return low...(low + 19)
    }

    /// One line: `specialty · tiers 21–40 × agent: N fixtures, M episodes, mean composite +X, outcome n, …`.
    public var summary: String {
        let outcomes = episodes.outcomeCounts.map { "\($0.outcome) \($0.count)" }.joined(separator: ", ")
        return "\(specialty) · tiers \(tiers.lowerBound)–\(tiers.upperBound) × \(agent): \(fixtures) fixtures, \(episodes.composites.count) episodes, "
            + "mean composite \(EpisodeFormatter.signed(episodes.meanComposite)), \(outcomes)"
    }
}

/// Where a batch is: episodes done of the total, and how many were new.
public struct BatchProgress: Sendable, Hashable {
    public var done: Int
    public var total: Int
    public var inserted: Int
    public var alreadyStored: Int
}

/// What a batch did: a summary per fixture × agent, and how many episodes
/// were written and how many were already stored.
public struct BatchReport: Sendable, Hashable {
    public var groups: [BatchGroup]
    public var inserted: Int
    public var alreadyStored: Int

    /// The groups pooled by specialty × tier band × agent: specialties in name order, bands in
    /// tier order, agents in the batch's order.
    public var bands: [BatchBand] {
        var out: [BatchBand] = []
        var agents: [String] = []
        for group in groups where !agents.contains(group.agent) { agents.append(group.agent) }
        for specialty in Array(Set(groups.map(\.specialty))).sorted() {
            for band in Array(Set(groups.filter { $0.specialty == specialty }.map { BatchBand.band(of: $0.tier).lowerBound })).sorted() {
                for agent in agents {
                    let members = groups.filter { $0.specialty == specialty && $0.agent == agent && BatchBand.band(of: $0.tier).lowerBound == band }
                    guard !members.isEmpty else { continue }
                    let pooled = BatchGroup(
                        fixture: "", agent: agent, composites: members.flatMap(\.composites), outcomes: members.flatMap(\.outcomes),
                        specialty: specialty, tier: band)
                    out.append(
                        BatchBand(specialty: specialty, tiers: BatchBand.band(of: band), agent: agent, fixtures: members.count, episodes: pooled))
                }
            }
        }
        return out
    }
}
