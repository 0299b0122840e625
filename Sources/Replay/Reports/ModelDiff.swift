import Foundation
import MedGym
import TraceStore

/// Two model versions compared on the same patients: episodes of the
/// baseline and the candidate paired by fixture and seed (same patient, same
/// luck), the mean change per dimension and in the composite with paired
/// bootstrap 95 % intervals (seeded, so the same store gives the same
/// numbers), outcome and harm transitions with regressions first, and for
/// each regression the first step where the two trajectories part and what
/// the baseline's action there would have given the candidate.
public struct ModelDiff: Sendable, Hashable, Encodable {
    public var baseline: String
    public var candidate: String
    public var fixtures: [String]
    public var pairs: Int
    public var composite: Change
    public var dimensions: [DimensionChange]
    /// Caught → missed, or harm rising to high or worse: the candidate loses a patient the baseline saved.
    public var regressions: [Transition]
    public var improvements: [Transition]
    /// Pairs whose outcome and harm level are the same.
    public var unchanged: Int
    public var unpairedBaseline: [String]
    public var unpairedCandidate: [String]
    /// "better", "worse" or "no detectable difference" (the composite interval against 0).
    public var verdict: Verdict
    public var level: Double
    /// Every pair's composite change (candidate − baseline), in fixture and seed order: the spread.
    public var spread: [PairDelta]
    /// Episodes of either side not counted, and why (broken, unverified, untrusted).
    public var leftOut: [LeftOut]

    /// The composite's paired interval against 0.
    public enum Verdict: String, Sendable, Hashable, Encodable, CaseIterable {
        case better
        case worse
        case noDetectableDifference = "no detectable difference"
    }

    public struct PairDelta: Sendable, Hashable, Encodable {
        public var fixture: String
        public var seed: UInt64
        public var delta: Double
    }

    /// A mean paired change with its interval.
    public struct Change: Sendable, Hashable, Encodable {
        public var mean: Double
        public var interval: [Double]
    }

    public struct DimensionChange: Sendable, Hashable, Encodable {
        public var dimension: ScoreDimension
        public var change: Change
    }

    /// One pair whose outcome or harm changed.
    public struct Transition: Sendable, Hashable, Encodable {
        public var fixture: String
        public var seed: UInt64
        public var baselineEpisode: String
        public var candidateEpisode: String
        public var baselineOutcome: String
        public var candidateOutcome: String
        public var baselineHarm: HarmLevel
        public var candidateHarm: HarmLevel
        public var delta: Double
        public var divergence: Divergence?
        /// For a regression: where the candidate's episode closed with a red flag open (its post-mortem's premature closure).
        public var decisive: Decisive?
    }

    /// Where the candidate's episode went wrong, as its post-mortem says, and the open red flag's first action's value there.
    public struct Decisive: Sendable, Hashable, Encodable {
        public var step: Int
        public var kind: Postmortem.DecisionKind
        public var recordedText: String?
        public var alternative: String
        /// The alternative's Δ with the recorded agent carrying on (continuation original).
        public var delta: Double?
    }

    /// Where two trajectories part (step-aligned, by resolved action) and the baseline's action forked into the candidate there.
    public struct Divergence: Sendable, Hashable, Encodable {
        public var step: Int
        public var baselineAction: String?
        public var candidateAction: String?
        /// The candidate's episode forked at `step` with the baseline's action (continuation original).
        public var forkDelta: Double?
        public var forkOutcome: String?
    }

    /// Resamples for the bootstrap; the stream's seed is fixed so reports are reproducible.
    static let resamples = 2000
    static let seed: UInt64 = 0x6d65_6467_796d_6466

    /// Builds the diff. `baseline` and `candidate` name a label, or an agent id when no episode has that label.
    public static func build(
        forker: Forker, baseline: String, candidate: String, fixtures patterns: [String],
        trust: TrustedKeys? = nil, includeAbandoned: Bool = false, jobs: Int = 1
    ) throws -> ModelDiff {
        let selection = try EpisodeSelection.checked(
            forker.store, fixtures: patterns, trust: trust, includeAbandoned: includeAbandoned, jobs: jobs)
        let listings = selection.runs.map(\.listing)
        var scores: [String: ScoreCard] = [:]
        for run in selection.runs { scores[run.header.episodeID] = run.score }
        func side(_ name: String) -> [EpisodeListing] {
            let labelled = listings.filter { $0.header.label == name }
            return labelled.isEmpty ? listings.filter { $0.header.agent == name && $0.header.label == nil } : labelled
        }
        let a = side(baseline)
        let b = side(candidate)
        guard !a.isEmpty else { throw DiffError.noEpisodes(name: baseline, known: Self.names(listings)) }
        guard !b.isEmpty else { throw DiffError.noEpisodes(name: candidate, known: Self.names(listings)) }
        func key(_ l: EpisodeListing) -> String { "\(l.header.fixture)#\(l.header.seed)" }
        var firstA: [String: EpisodeListing] = [:]
        var firstB: [String: EpisodeListing] = [:]
        for l in a where firstA[key(l)] == nil { firstA[key(l)] = l }
        for l in b where firstB[key(l)] == nil { firstB[key(l)] = l }
        // Fixture, then seed as a number (2 before 10).
        func ordered(_ keys: some Sequence<String>) -> [String] {
            keys.sorted { x, y in
                let (p, q) = (x.split(separator: "#"), y.split(separator: "#"))
                return (String(p[0]), UInt64(p[1]) ?? 0) < (String(q[0]), UInt64(q[1]) ?? 0)
            }
        }
        let pairedKeys = ordered(firstA.keys.filter { firstB[$0] != nil })
        guard !pairedKeys.isEmpty else { throw DiffError.noPairs(baseline: baseline, candidate: candidate) }

        var deltas: [[Double]] = []  // per pair: composite, then each dimension
        var regressions: [Transition] = []
        var improvements: [Transition] = []
        var unchanged = 0
        var spread: [PairDelta] = []
        var caughtLabels: [String: String] = [:]
        for pairKey in pairedKeys {
            let (la, lb) = (firstA[pairKey]!, firstB[pairKey]!)
            guard let sa = scores[la.header.episodeID], let sb = scores[lb.header.episodeID] else { continue }
            deltas.append([sb.composite - sa.composite] + ScoreDimension.allCases.map { sb.points($0) - sa.points($0) })
            spread.append(PairDelta(fixture: la.header.fixture, seed: la.header.seed, delta: round2(sb.composite - sa.composite)))
            if caughtLabels[la.header.fixture] == nil {
                caughtLabels[la.header.fixture] = try FixtureLoader.fixture(named: la.header.fixture).answerKey.outcome.caught
            }
            let caught = caughtLabels[la.header.fixture]
            let wasCaught = sa.outcome == caught
            let isCaught = sb.outcome == caught
            let severe = { (h: HarmLevel) in h >= .high }
            let transition = Transition(
                fixture: la.header.fixture, seed: la.header.seed, baselineEpisode: la.header.episodeID,
                candidateEpisode: lb.header.episodeID, baselineOutcome: sa.outcome, candidateOutcome: sb.outcome,
                baselineHarm: sa.harmLevel, candidateHarm: sb.harmLevel, delta: round2(sb.composite - sa.composite),
                divergence: nil)
            if (wasCaught && !isCaught) || (!severe(sa.harmLevel) && severe(sb.harmLevel)) || (sb.outcome == "death" && sa.outcome != "death") {
                regressions.append(transition)
            } else if sa.outcome != sb.outcome || sa.harmLevel != sb.harmLevel {
                improvements.append(transition)
            } else {
                unchanged += 1
            }
        }
        // Each regression: where the runs part and the decisive premature closure, each priced by a
        // score-only fork. Worker w takes a contiguous share on its own connection; the report is the
        // same for any `jobs`.
        let forkers = try forker.store.connections(min(jobs, regressions.count)).enumerated().map { w, store in
            w == 0 ? forker : Forker(store: store, resolver: forker.resolver)
        }
        regressions = try OrderedWork.inShares(regressions, workers: forkers) { worker, transition in
            var transition = transition
            transition.divergence = try divergence(forker: worker, baseline: transition.baselineEpisode, candidate: transition.candidateEpisode)
            if let c = try PostmortemBuilder(forker: worker).closure(transition.candidateEpisode) {
                transition.decisive = Decisive(
                    step: c.step, kind: .prematureClosure, recordedText: c.recordedText, alternative: c.alternative, delta: c.delta)
            }
            return transition
        }
        var stream = RandomStream(seed: seed ^ SeededRandom.fnv1a(baseline + "\u{0}" + candidate), purpose: "diff.bootstrap")
        let intervals = pairedBootstrap(deltas, stream: &stream)
        let composite = intervals[0]
        let verdict: Verdict = composite.interval[0] > 0 ? .better : composite.interval[1] < 0 ? .worse : .noDetectableDifference
        return ModelDiff(
            baseline: baseline, candidate: candidate, fixtures: Set(pairedKeys.map { $0.split(separator: "#")[0] }).sorted().map(String.init),
            pairs: deltas.count, composite: composite,
            dimensions: zip(ScoreDimension.allCases, intervals.dropFirst()).map { DimensionChange(dimension: $0, change: $1) },
            regressions: regressions, improvements: improvements, unchanged: unchanged,
            unpairedBaseline: ordered(firstA.keys.filter { firstB[$0] == nil }).map { firstA[$0]!.header.episodeID },
            unpairedCandidate: ordered(firstB.keys.filter { firstA[$0] == nil }).map { firstB[$0]!.header.episodeID },
            verdict: verdict, level: 0.95, spread: spread,
            leftOut: selection.leftOut.filter { [baseline, candidate].contains($0.label ?? $0.agent) || [baseline, candidate].contains($0.agent) })
    }

    /// Means and percentile intervals of each column, resampling whole pairs.
    static func pairedBootstrap(_ rows: [[Double]], stream: inout RandomStream) -> [Change] {
        let columns = rows.first?.count ?? 0
        let n = rows.count
        var means = [[Double]](repeating: [], count: columns)
        for _ in 0..<resamples {
            var sums = [Double](repeating: 0, count: columns)
            for _ in 0..<n {
                let row = rows[stream.next(below: n)]
                for c in 0..<columns { sums[c] += row[c] }
            }
            for c in 0..<columns { means[c].append(sums[c] / Double(n)) }
        }
        return (0..<columns).map { c in
            let sorted = means[c].sorted()
            let mean = rows.map { $0[c] }.reduce(0, +) / Double(n)
            return Change(
                mean: round2(mean),
                interval: [
                    round2(sorted[Int(Double(resamples) * 0.025)]),
                    round2(sorted[Int(Double(resamples) * 0.975) - 1]),
                ])
        }
    }

    /// The first step where the two episodes' resolved actions differ, and the baseline's action forked into the candidate there.
    static func divergence(forker: Forker, baseline: String, candidate: String) throws -> Divergence? {
        // The candidate is loaded whole (it is forked); the baseline's actions are read from its outline,
        // checked as the selection checked it.
        var a: [Int: String] = [:]
        let listing = try forker.store.listing(baseline)
        for event in try forker.store.checker.check(listing, outline: forker.store.outline(baseline)).actionEvents {
            a[event.step] = try event.decodedPayload().action
        }
        var b: [Int: String] = [:]
        for case .action(let step, _, _, let action, _, _) in try forker.load(candidate).exchanges { b[step] = action }
        let last = max(a.keys.max() ?? 0, b.keys.max() ?? 0)
        guard let step = (1...max(1, last)).first(where: { a[$0] != b[$0] }) else { return nil }
        var divergence = Divergence(step: step, baselineAction: a[step], candidateAction: b[step], forkDelta: nil, forkOutcome: nil)
        if let action = a[step], b[step] != nil {
            let arms = try forker.scoreFork(candidate, at: step, action: action, continuation: .original)
            divergence.forkDelta = arms.deltaComposite
            divergence.forkOutcome = arms.counterfactual.outcome
        }
        return divergence
    }

    static func names(_ listings: [EpisodeListing]) -> [String] {
        Array(Set(listings.compactMap(\.header.label) + listings.map(\.header.agent))).sorted()
    }
}

/// Why a diff cannot be made.
public enum DiffError: Error, CustomStringConvertible, Sendable, Hashable {
    case noEpisodes(name: String, known: [String])
    case noPairs(baseline: String, candidate: String)

    public var description: String {
        switch self {
        case .noEpisodes(let name, let known):
            "no stored episodes with label or agent '\(name)'; known: \(known.prefix(12).joined(separator: ", "))"
        case .noPairs(let baseline, let candidate):
            "'\(baseline)' and '\(candidate)' share no fixture and seed; record both on the same seeds (medgym batch --seeds 1-20 --label …)"
        }
    }
}
