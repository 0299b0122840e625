import Foundation
import MedGym
import TraceStore

/// The model spread: stored episodes grouped by agent and model label,
/// ranked per fixture, and overall only where the comparison is fair.
///
/// - Per fixture: each group's mean composite with a 95 % bootstrap
///   interval, per-dimension means, outcome and harm rates, pass^k over
///   seeds, ranked by mean composite.
/// - Overall: only over the fixtures every listed group covers (an agent run
///   only on an easy fixture is not ranked against one run on all three),
///   each group's figures the mean of its per-fixture figures (each fixture
///   weighs the same, however many seeds it has); none when the groups share
///   no fixture. The fixtures left out of it, and who lacks them, are named.
/// - The interval resamples each fixture's episodes 2,000 times with a
///   seeded stream (the seed is fixed and the group's name picks the
///   stream), so it is the same in every process.
/// - A trial succeeds when its outcome is the fixture's `caught_*` label (the
///   diagnosis confirmed and sent for its treatment). pass^k is tau-bench's:
///   per fixture, C(c, k) / C(n, k) for c successes in n seeds, averaged
///   over fixtures; a fixture with fewer than k seeds is left out of pass^k.
/// - Deaths in the ED and deaths after it (the post-ED course, by 30 days)
///   are counted apart.
/// - Forks are not counted (they are not runs of an agent), nor abandoned,
///   broken, unverified or (with a trust list) unsigned episodes.
public struct Leaderboard: Sendable, Hashable, Encodable {
    /// The overall ranking, over ``overallFixtures`` only (empty when the groups share no fixture).
    public var rows: [Row]
    /// The fixtures every group covers: what the overall ranking is over.
    public var overallFixtures: [String]
    /// Fixtures some group lacks, each with the groups that lack it.
    public var notCovered: [Gap]
    /// Every fixture with counted episodes, each ranked on its own.
    public var perFixture: [FixtureRanking]
    public var fixtures: [String]
    /// What ``perFixture`` ranks by: each fixture (the default), archetype, specialty or tier band.
    public var grouping: Grouping = .fixture
    public var passK: [Int]
    /// Matching episodes not counted, and why (broken, unverified, untrusted, abandoned).
    public var leftOut: [LeftOut]

    /// What the per-group rankings are by.
    public enum Grouping: String, Sendable, Hashable, Encodable, CaseIterable {
        /// Each fixture or scenario on its own.
        case fixture
        /// A scenario's archetype (a curated fixture or a file is its own).
        case archetype
        /// The fixture's specialty.
        case specialty
        /// Tier bands of twenty (1–20, 21–40, …).
        case tier
    }

    /// One fixture's ranking (or one archetype's, specialty's or tier band's, by ``grouping``).
    public struct FixtureRanking: Sendable, Hashable, Encodable {
        /// The fixture, archetype, specialty or tier band (`tiers 21–40`).
        public var fixture: String
        public var rows: [Row]
    }

    /// A fixture the overall ranking leaves out, and the groups without episodes on it.
    public struct Gap: Sendable, Hashable, Encodable {
        public var fixture: String
        public var missing: [String]
    }

    /// How a group's episodes were run: the endpoint and the declared settings.
    public struct RunSettings: Sendable, Hashable, Encodable {
        public var endpoint: EndpointSettings?
        public var settings: [String: String]?
    }

    /// One agent (and model label) on one fixture, or overall.
    public struct Row: Sendable, Hashable, Encodable {
        /// 1 for the best mean composite.
        public var rank: Int
        public var name: String
        public var agent: String
        public var label: String?
        public var episodes: Int
        /// The fixtures these figures are over.
        public var fixtures: [String]
        public var meanComposite: Double
        public var interval: [Double]
        public var dimensions: [DimensionMean]
        public var caughtRate: Double
        /// Share dying in the ED or after it (the post-ED course's draw).
        public var deathRate: Double
        /// Share dying in the ED.
        public var edDeathRate: Double
        /// Share surviving the ED and dying by the post-ED horizon (30 days).
        public var laterDeathRate: Double
        /// Share of episodes with harm level high or critical.
        public var severeHarmRate: Double
        /// pass^k for each k of ``Leaderboard/passK`` (nil when no fixture has k seeds).
        public var passK: [Double?]
        public var isReference: Bool
        /// Mean agent steps per episode.
        public var meanSteps: Double
        /// Model tokens over the episodes whose replies recorded a count (null when none did).
        @ExplicitNull public var tokens: Int?
        /// ``tokens`` per such episode (null when none).
        @ExplicitNull public var meanTokens: Double?
        /// How many of its episodes recorded a token count.
        public var episodesWithTokens: Int
        /// When the first and the last of its episodes were recorded.
        public var firstRun: String
        public var lastRun: String
        /// Each distinct way its episodes were run (endpoint, declared settings), in first-seen order.
        public var settings: [RunSettings]
    }

    /// A dimension's mean points.
    public struct DimensionMean: Sendable, Hashable, Encodable {
        public var dimension: ScoreDimension
        public var mean: Double
    }

    static let resamples = 2_000
    static let seed: UInt64 = 20_261_125

    typealias Run = CheckedRun

    /// Builds the board from every counted, non-fork episode whose fixture
    /// matches `fixtures` (glob patterns; empty: all).
    public static func build(
        store: any EpisodeStore, fixtures patterns: [String], passK: [Int] = [1, 3, 5],
        trust: TrustedKeys? = nil, includeAbandoned: Bool = false, by grouping: Grouping = .fixture, jobs: Int = 1
    ) throws -> Leaderboard {
        let selection = try EpisodeSelection.checked(store, fixtures: patterns, trust: trust, includeAbandoned: includeAbandoned, jobs: jobs)
        var groups: [String: [Run]] = [:]
        for run in selection.runs { groups[name(run.header), default: []].append(run) }
        let fixtures = Set(selection.runs.map(\.header.fixture)).sorted()
        let names = groups.keys.sorted()
        let (caught, specialties) = fixtureFacts(Set(fixtures), cache: store.fixtures)
        let cell = { (header: EpisodeHeader) -> String in cellName(header, grouping, specialty: specialties[header.fixture]) }
        // Each run filed once under its cell and group (in store order within each).
        var byCell: [String: [String: [Run]]] = [:]
        for run in selection.runs { byCell[cell(run.header), default: [:]][name(run.header), default: []].append(run) }
        let cells = byCell.keys.sorted { cellOrder($0, $1) }
        let covered = fixtures.filter { fixture in names.allSatisfy { name in groups[name]!.contains { $0.header.fixture == fixture } } }
        let gaps = fixtures.filter { !covered.contains($0) }.map { fixture in
            Gap(fixture: fixture, missing: names.filter { name in !groups[name]!.contains { $0.header.fixture == fixture } })
        }
        // Every row's runs: the overall rows first (each as large as all its cells together), then each cell's.
        let overallRuns: [(name: String, runs: [Run])] =
            covered.isEmpty ? [] : names.map { name in (name, groups[name]!.filter { covered.contains($0.header.fixture) }) }
        let cellRuns: [[(name: String, runs: [Run])]] = cells.map { cell in
            names.compactMap { group in
                guard let runs = byCell[cell]?[group], !runs.isEmpty else { return nil }
                return (group, runs)
            }
        }
        // Rows (their bootstraps) on `jobs` threads: each row draws from its own stream, so any number gives the same board.
        let tasks = overallRuns + cellRuns.flatMap { $0 }
        let rows = try OrderedWork.map(tasks.count, width: jobs) { index in
            row(tasks[index].name, tasks[index].runs, caught: caught, passK: passK)
        }.map { try $0.get() }
        let overall = ranked(Array(rows[..<overallRuns.count]))
        var next = overallRuns.count
        var perFixture: [FixtureRanking] = []
        for (cell, runs) in zip(cells, cellRuns) {
            perFixture.append(FixtureRanking(fixture: cell, rows: ranked(Array(rows[next..<next + runs.count]))))
            next += runs.count
        }
        return Leaderboard(
            rows: overall, overallFixtures: covered, notCovered: gaps, perFixture: perFixture, fixtures: fixtures, grouping: grouping, passK: passK,
            leftOut: selection.leftOut)
    }

    /// The per-group ranking an episode counts in.
    static func cellName(_ header: EpisodeHeader, _ grouping: Grouping, specialty: String?) -> String {
        switch grouping {
        case .fixture: return header.fixture
        case .archetype: return ((try? ScenarioID(parsing: header.fixture)) ?? nil)?.archetype ?? header.fixture
        case .specialty: return specialty ?? "unknown specialty"
        case .tier:
            guard let tier = header.tier else { return "no tier" }
            let band = BatchBand.band(of: tier)
            return "tiers \(band.lowerBound)–\(band.upperBound)"
        }
    }

    /// Tier bands in tier order, everything else by name.
    static func cellOrder(_ a: String, _ b: String) -> Bool {
        func band(_ name: String) -> Int? {
            guard name.hasPrefix("tiers ") else { return nil }
            return Int(name.dropFirst(6).prefix { $0.isNumber })
        }
        if let x = band(a), let y = band(b) { return x < y }
        return a < b
    }

    /// Best mean composite first (ties: by name), ranks from 1.
    static func ranked(_ rows: [Row]) -> [Row] {
        var sorted = rows.sorted { ($0.meanComposite, $1.name) > ($1.meanComposite, $0.name) }
        for i in sorted.indices { sorted[i].rank = i + 1 }
        return sorted
    }

    static func name(_ header: EpisodeHeader) -> String {
        header.label.map { "\(header.agent) · \($0)" } ?? header.agent
    }

    /// Each fixture's `caught_*` label and specialty, the fixture read once.
    static func fixtureFacts(_ fixtures: Set<String>, cache: FixtureCache) -> (caught: [String: String], specialty: [String: String]) {
        var labels: [String: String] = [:]
        var specialties: [String: String] = [:]
        for id in fixtures.sorted() {
            let fixture = try? cache.fixture(named: id, resolver: .shipped).0
            labels[id] = fixture?.answerKey.outcome.caught
            specialties[id] = fixture?.specialty
        }
        return (labels, specialties)
    }

    /// A group's figures over its runs: each the mean over fixtures of the
    /// fixture's own figure (for one fixture, the plain mean).
    static func row(_ name: String, _ runs: [Run], caught: [String: String], passK: [Int]) -> Row {
        let fixtures = Set(runs.map(\.header.fixture)).sorted()
        // Each fixture's runs by position (the runs themselves are large: they are read in place, never copied).
        let byFixture = fixtures.map { fixture in runs.indices.filter { runs[$0].header.fixture == fixture } }
        func mean(_ value: (Run) -> Double) -> Double {
            byFixture.map { group in group.reduce(0.0) { $0 + value(runs[$1]) } / Double(group.count) }.reduce(0, +) / Double(byFixture.count)
        }
        func share(_ flag: (Run) -> Bool) -> Double { round2(mean { flag($0) ? 1 : 0 }) }
        // The bootstrap: each fixture's episodes resampled on their own, the fixture means averaged.
        var stream = RandomStream(seed: seed ^ SeededRandom.fnv1a(name), purpose: "leaderboard.bootstrap")
        let composites = byFixture.map { $0.map { runs[$0].score.composite } }
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var total = 0.0
            for values in composites {
                var sum = 0.0
                for _ in values { sum += values[stream.next(below: values.count)] }
                total += sum / Double(values.count)
            }
            means.append(total / Double(composites.count))
        }
        means.sort()
        let interval = [round2(means[Int(Double(resamples) * 0.025)]), round2(means[Int(Double(resamples) * 0.975) - 1])]
        func success(_ run: Run) -> Bool { run.score.outcome == caught[run.header.fixture] }
        let pass: [Double?] = passK.map { k in
            let eligible = byFixture.filter { $0.count >= k }
            guard !eligible.isEmpty else { return nil }
            let each = eligible.map { group in choose(group.filter { success(runs[$0]) }.count, k) / choose(group.count, k) }
            return round2(each.reduce(0, +) / Double(eligible.count) * 100) / 100
        }
        var settings: [RunSettings] = []
        for run in runs {
            let way = RunSettings(endpoint: run.provenance?.endpoint, settings: run.provenance?.settings)
            if !settings.contains(way) { settings.append(way) }
        }
        let counts = runs.compactMap { $0.listing.summary?.tokens }
        let tokens: Int? = counts.isEmpty ? nil : counts.reduce(0) { ReplyTokens.adding($1, to: $0) }
        let dates = runs.map(\.header.createdAt).sorted()
        let first = runs[0].header
        return Row(
            rank: 0, name: name, agent: first.agent, label: first.label, episodes: runs.count, fixtures: fixtures,
            meanComposite: round2(mean { $0.score.composite }), interval: interval,
            dimensions: ScoreDimension.allCases.map { d in DimensionMean(dimension: d, mean: round2(mean { $0.score.points(d) })) },
            caughtRate: share(success),
            deathRate: share { $0.score.outcome == "death" || $0.score.fate?.status.rawValue.hasPrefix("died") == true },
            edDeathRate: share { $0.score.outcome == "death" || $0.score.fate?.status == .diedInED },
            laterDeathRate: share { $0.score.outcome != "death" && $0.score.fate?.status == .diedAfterED },
            severeHarmRate: share { $0.score.harmLevel == .high || $0.score.harmLevel == .critical },
            passK: pass, isReference: first.agent == "expert",
            meanSteps: round2(mean { Double($0.listing.summary?.steps ?? 0) }),
            tokens: tokens, meanTokens: tokens.map { round2(Double($0) / Double(counts.count)) }, episodesWithTokens: counts.count,
            firstRun: dates.first ?? "", lastRun: dates.last ?? "", settings: settings)
    }

    /// C(n, k) as a double.
    static func choose(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return 0 }
        var result = 1.0
        for i in 0..<k { result = result * Double(n - i) / Double(i + 1) }
        return result
    }
}
