import Foundation
import MedGym
import TraceStore

/// Forks every step of an episode with every candidate action and scores
/// each arm (score only: no trace is built), like-for-like: at each step the
/// recorded action and every candidate are followed by the same continuation.
///
/// Per step: the best and the worst candidate and the recorded action's
/// regret against the best. A candidate contraindicated in that state (an
/// answer-key harm item that applies, an unsafe disposition, a catalog
/// contraindication that holds) is scored and listed but never the best.
/// The critical steps are those whose regret is at least
/// ``criticalShare`` of the largest regret and at least ``criticalMinimum``
/// points.
public struct Sweeper {
    public let forker: Forker

    /// A step is critical when its regret reaches this share of the episode's largest regret…
    public static let criticalShare = 0.9
    /// …and at least this many composite points.
    public static let criticalMinimum = 5.0

    public init(forker: Forker) { self.forker = forker }

    /// Whether a step can be critical in an episode whose recorded arm scores `recorded` at every step
    /// (continuation `original`): not when `ceiling` (``Scorer/compositeCeiling``, the most any arm can
    /// score) is less than ``criticalMinimum`` above it, allowing for the regret's rounding. Then no
    /// alternative anywhere beats the recorded action by a critical margin, and no arm need be played
    /// to know it.
    public static func canBeCritical(recorded: Double, ceiling: Double?) -> Bool {
        guard let ceiling else { return true }
        return ceiling - recorded + 0.005 >= criticalMinimum
    }

    /// Sweeps `episodeID`. `jobs` > 1 scores steps on that many threads;
    /// the result is identical to one job.
    ///
    /// `wholeOnlyWhereCritical`: a step that is not critical lists only the
    /// candidates that are not contraindicated there (what its regret is made
    /// of), so those that are are never played; critical steps are whole.
    /// Regrets and critical steps are the same as a whole sweep's: what a
    /// corpus needs, at about two thirds of the forks.
    public func sweep(
        _ episodeID: String, candidates: SweepCandidates, continuation: ForkContinuation,
        jobs: Int = 1, wholeOnlyWhereCritical: Bool = false
    ) throws -> Sweep {
        let steps = try forker.steps(episodeID)
        try forker.prepareAllSteps(episodeID)
        // Fork points are rebuilt here, one thread, one read of the store.
        let points = try steps.map { try forker.forkPoint(episodeID, at: $0) }
        guard let first = points.first else {
            throw ForkError.stepOutOfRange(episode: episodeID, step: 1, valid: "none: the episode has no steps")
        }
        let texts = try candidates.texts(fixture: first.fixture, catalog: forker.resolver.catalog)
        for text in texts { do { _ = try forker.resolver.resolve(text) } catch { throw ForkError.unknownAction(error) } }

        let player = forker.player
        var rows = try OrderedWork.map(points.count, width: jobs) { index in
            try Self.sweepStep(
                points[index], texts: texts, continuation: continuation, player: player, playContraindicated: !wholeOnlyWhereCritical)
        }.map { try $0.get() }
        let largest = rows.map(\.regret).max() ?? 0
        for i in rows.indices {
            rows[i].critical = rows[i].regret >= Self.criticalMinimum && rows[i].regret >= Self.criticalShare * largest
            if wholeOnlyWhereCritical, rows[i].critical {
                rows[i] = try Self.sweepStep(points[i], texts: texts, continuation: continuation, player: player)
                rows[i].critical = true
            }
        }
        return Sweep(
            episodeID: episodeID, fixture: first.fixture.id, seed: first.seed, continuation: continuation,
            candidates: texts, steps: rows, critical: rows.filter(\.critical).map(\.step))
    }

    /// One step of `episodeID` swept with `candidates`: the recorded action's
    /// composite beside the best and the worst candidate's (what a reward
    /// places a malformed completion below).
    public func sweepStep(
        _ episodeID: String, at step: Int, candidates: SweepCandidates, continuation: ForkContinuation
    ) throws -> SweepStep {
        let point = try forker.forkPoint(episodeID, at: step)
        let texts = try candidates.texts(fixture: point.fixture, catalog: forker.resolver.catalog)
        return try Self.sweepStep(point, texts: texts, continuation: continuation, player: forker.player)
    }

    /// `playContraindicated` false leaves out the candidates contraindicated at the step (they are never its best).
    static func sweepStep(
        _ point: ForkPoint, texts: [String], continuation: ForkContinuation,
        player: ArmPlayer, playContraindicated: Bool = true
    ) throws -> SweepStep {
        let recorded = try player.scoreArm(point.original.text, continuation: continuation, context: point)
        let env = Environment(fixture: point.fixture, resolver: player.resolver, restoring: point.restored)
        var alternatives: [SweepAlternative] = []
        for text in texts {
            let action = try player.resolver.resolve(text)
            let contraindication = env.contraindication(of: action)
            if contraindication != nil, !playContraindicated { continue }
            let score = try player.scoreArm(text, continuation: continuation, context: point)
            alternatives.append(
                SweepAlternative(
                    text: text, action: action.id, composite: score.composite, delta: round2(score.composite - recorded.composite),
                    contraindication: contraindication, score: score))
        }
        let allowed = alternatives.filter { $0.contraindication == nil }
        let best = allowed.max { $0.composite < $1.composite }  // first of equals wins: candidate order
        let worst = alternatives.min { $0.composite < $1.composite }
        let regret = max(0, round2((best?.composite ?? recorded.composite) - recorded.composite))
        let deltas =
            best.map { best in
                ScoreDimension.allCases.map { DimensionDelta(dimension: $0, actual: recorded.points($0), counterfactual: best.score.points($0)) }
            } ?? []
        return SweepStep(
            step: point.step, minute: point.minute, recordedText: point.original.text,
            recordedAction: point.originalAction, recordedComposite: recorded.composite,
            recordedOutcome: recorded.outcome, recordedHarmLevel: recorded.harmLevel, best: best, worst: worst, regret: regret, critical: false,
            bestDeltas: deltas,
            alternatives: alternatives)
    }
}

/// Which actions a sweep tries at every step.
public enum SweepCandidates: Sendable, Hashable {
    /// Every action the fixture's answer key scores (items, harms, dispositions).
    case key
    /// Every catalog action.
    case catalog
    /// These texts.
    case list([String])

    /// Parses `key`, `catalog` or a comma-separated list of action texts.
    public static func parse(_ text: String) -> SweepCandidates {
        switch text {
        case "key": .key
        case "catalog": .catalog
        default: .list(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
    }

    func texts(fixture: Fixture, catalog: ActionCatalog) throws -> [String] {
        switch self {
        case .catalog:
            return catalog.actions.map(\.id)
        case .list(let texts):
            guard !texts.isEmpty else { throw ForkError.unknownAction(ActionResolutionError(text: "", suggestions: [])) }
            return texts
        case .key:
            let key = fixture.answerKey
            var ids: [String] = []
            // The catalog's actions that are dangerous for this truth's conditions (the one safety rule's
            // harm, no longer listed per fixture): the tempting wrong moves a sweep must never rank first.
            let conditions = fixture.truth.conditions ?? []
            let dangerous = catalog.actions.filter { action in
                (action.risk?.dangers ?? []).contains { $0.when.contains { $0.condition.map(conditions.contains) ?? false } }
            }.map(\.id)
            let named =
                key.items.flatMap(\.actions) + key.harmful.flatMap(\.actions) + dangerous + key.disposition.accepted
                + key.disposition.partial.flatMap(\.actions) + key.disposition.harmful.flatMap(\.actions)
            for id in named where !ids.contains(id) && catalog.contains(id) { ids.append(id) }
            return ids
        }
    }
}

/// A whole sweep: every step, its best and worst alternatives, the regret.
public struct Sweep: Sendable, Hashable, Encodable {
    public var episodeID: String
    public var fixture: String
    public var seed: UInt64
    public var continuation: ForkContinuation
    /// The candidate texts tried at every step, in order.
    public var candidates: [String]
    public var steps: [SweepStep]
    /// Steps marked critical (see ``Sweeper``).
    public var critical: [Int]
}

/// One step of a sweep.
public struct SweepStep: Sendable, Hashable, Encodable {
    public var step: Int
    public var minute: Int
    public var recordedText: String?
    public var recordedAction: String?
    /// The recorded action followed by the continuation.
    public var recordedComposite: Double
    /// The recorded arm's outcome and harm under the continuation.
    public var recordedOutcome: String
    public var recordedHarmLevel: HarmLevel
    /// The best candidate that is not contraindicated here.
    public var best: SweepAlternative?
    public var worst: SweepAlternative?
    /// Best composite minus the recorded one (0 when nothing beats it).
    public var regret: Double
    public var critical: Bool
    /// Per dimension: the recorded arm against the best candidate.
    public var bestDeltas: [DimensionDelta]
    public var alternatives: [SweepAlternative]
}

/// One candidate at one step.
public struct SweepAlternative: Sendable, Hashable, Encodable {
    public var text: String
    public var action: String
    public var composite: Double
    /// Composite minus the recorded action's.
    public var delta: Double
    /// Why this action is contraindicated in this state, if it is.
    public var contraindication: String?
    public var outcome: String
    public var harmLevel: HarmLevel
    /// The whole score card (in memory; the JSON carries composite, outcome
    /// and harm level, and the best alternative's per-dimension Δ).
    public var score: ScoreCard

    enum CodingKeys: String, CodingKey { case text, action, composite, delta, contraindication, outcome, harmLevel }

    public init(text: String, action: String, composite: Double, delta: Double, contraindication: String?, score: ScoreCard) {
        self.text = text
        self.action = action
        self.composite = composite
        self.delta = delta
        self.contraindication = contraindication
        self.outcome = score.outcome
        self.harmLevel = score.harmLevel
        self.score = score
    }
}
