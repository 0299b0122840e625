import Foundation
import MedGym
import TraceStore

/// The model spread: stored episodes grouped by agent and model label, each
/// group's mean composite with a 95 % bootstrap interval, per-dimension
/// means, outcome and harm rates, and pass^k over seeds.
///
/// - The interval resamples the group's episodes 2,000 times with a seeded
///   stream (the seed is fixed and the group's name picks the stream), so it
///   is the same in every process.
/// - A trial succeeds when its outcome is the fixture's `caught_*` label (the
///   diagnosis confirmed and sent for its treatment). pass^k is tau-bench's:
///   per fixture, C(c, k) / C(n, k) for c successes in n seeds, averaged
///   over fixtures; a fixture with fewer than k seeds is left out of pass^k.
/// - Forks are not counted (they are not runs of an agent).
public struct Leaderboard: Sendable, Hashable, Encodable {
    public var rows: [Row]
    public var fixtures: [String]
    public var passK: [Int]
    /// Matching episodes not counted, and why (broken, unverified, untrusted).
    public var leftOut: [LeftOut]

    /// One agent (and model label).
    public struct Row: Sendable, Hashable, Encodable {
        public var name: String
        public var agent: String
        public var label: String?
        public var episodes: Int
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
    }

    /// A dimension's mean points.
    public struct DimensionMean: Sendable, Hashable, Encodable {
        public var dimension: ScoreDimension
        public var mean: Double
    }

    static let resamples = 2_000
    static let seed: UInt64 = 20_261_125

    /// Builds the board from every finished, non-fork episode whose fixture
    /// matches `fixtures` (glob patterns; empty: all).
    public static func build(
        store: TraceStore, fixtures patterns: [String], passK: [Int] = [1, 3, 5],
        trust: TrustedKeys? = nil
    ) throws -> Leaderboard {
        let selection = try EpisodeSelection.checked(store, fixtures: patterns, trust: trust)
        let listings = selection.runs.map(\.listing)
        var groups: [String: [(listing: EpisodeListing, score: ScoreCard)]] = [:]
        for run in selection.runs {
            groups[name(run.header), default: []].append((run.listing, run.score))
        }
        let caught = try caughtLabels(Set(listings.map(\.header.fixture)))
        let rows = try groups.keys.sorted().map { key in
            try row(key, groups[key]!, caught: caught, passK: passK)
        }
        return Leaderboard(rows: rows, fixtures: Set(listings.map(\.header.fixture)).sorted(), passK: passK, leftOut: selection.leftOut)
    }

    static func name(_ header: EpisodeHeader) -> String {
        header.label.map { "\(header.agent) · \($0)" } ?? header.agent
    }

    static func caughtLabels(_ fixtures: Set<String>) throws -> [String: String] {
        var labels: [String: String] = [:]
        for id in fixtures.sorted() {
            labels[id] = (try? FixtureLoader.fixture(named: id))?.answerKey.outcome.caught
        }
        return labels
    }

    static func row(
        _ name: String, _ runs: [(listing: EpisodeListing, score: ScoreCard)], caught: [String: String],
        passK: [Int]
    ) throws -> Row {
        let composites = runs.map(\.score.composite)
        let n = Double(runs.count)
        let mean = composites.reduce(0, +) / n
        var stream = RandomStream(seed: seed ^ SeededRandom.fnv1a(name), purpose: "leaderboard.bootstrap")
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in runs { sum += composites[stream.next(below: runs.count)] }
            means.append(sum / n)
        }
        means.sort()
        let interval = [round2(means[Int(Double(resamples) * 0.025)]), round2(means[Int(Double(resamples) * 0.975) - 1])]
        let success = runs.map { $0.score.outcome == caught[$0.listing.header.fixture] }
        // pass^k per fixture over its seeds, then averaged.
        var byFixture: [String: (n: Int, c: Int)] = [:]
        for (run, ok) in zip(runs, success) {
            let key = run.listing.header.fixture
            byFixture[key, default: (0, 0)].n += 1
            if ok { byFixture[key, default: (0, 0)].c += 1 }
        }
        let pass: [Double?] = passK.map { k in
            let eligible = byFixture.keys.sorted().compactMap { byFixture[$0] }.filter { $0.n >= k }
            guard !eligible.isEmpty else { return nil }
            return round2(eligible.map { choose($0.c, k) / choose($0.n, k) }.reduce(0, +) / Double(eligible.count) * 100) / 100
        }
        let first = runs[0].listing.header
        return Row(
            name: name, agent: first.agent, label: first.label, episodes: runs.count, meanComposite: round2(mean),
            interval: interval,
            dimensions: ScoreDimension.allCases.map { d in
                DimensionMean(dimension: d, mean: round2(runs.map { $0.score.points(d) }.reduce(0, +) / n))
            },
            caughtRate: rate(success), deathRate: rate(runs.map { $0.score.outcome == "death" || $0.score.fate?.status.rawValue.hasPrefix("died") == true }),
            edDeathRate: rate(runs.map { $0.score.outcome == "death" || $0.score.fate?.status == .diedInED }),
            laterDeathRate: rate(runs.map { $0.score.outcome != "death" && $0.score.fate?.status == .diedAfterED }),
            severeHarmRate: rate(runs.map { $0.score.harmLevel == .high || $0.score.harmLevel == .critical }),
            passK: pass, isReference: first.agent == "expert")
    }

    static func rate(_ flags: [Bool]) -> Double { round2(Double(flags.filter { $0 }.count) / Double(max(flags.count, 1))) }

    /// C(n, k) as a double.
    static func choose(_ n: Int, _ k: Int) -> Double {
        guard k >= 0, k <= n else { return 0 }
        var result = 1.0
        for i in 0..<k { result = result * Double(n - i) / Double(i + 1) }
        return result
    }
}
