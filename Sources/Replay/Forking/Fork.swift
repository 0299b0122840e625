import Foundation
import MedGym
import TraceStore

/// A counterfactual: the original and the forked run side by side.
public struct Fork: Sendable, Hashable {
    public var parentID: String
    public var parent: EpisodeHeader
    public var step: Int
    /// Simulated minute of the fork point.
    public var minute: Int
    public var fixture: String
    public var seed: UInt64
    public var continuation: ForkContinuation
    public var recordedText: String?
    public var recordedAction: String?
    public var alternateText: String
    public var alternateAction: String
    /// The recorded action's arm: the recorded episode under `original`, otherwise the recorded action followed by the continuation.
    public var actual: ScoreCard
    public var counterfactual: ScoreCard
    public var deltas: [DimensionDelta]
    /// The preference pair from the two like-for-like arms, or why none.
    public var pair: PairOutcome
    /// The whole counterfactual trace: the original's events before step N, then the fork's.
    public var events: [TraceEvent]
    /// The counterfactual arm's final state.
    public var finalState: EpisodeState
    /// True when the counterfactual trace is identical to the original (same action, same continuation).
    public var reproducesOriginal: Bool
    /// The fixture's hidden diagnosis, in words (for outcome labels).
    public var truthName: String
    /// The fixture's caught and missed labels.
    public var outcomeLabels: [String]

    public var deltaComposite: Double { round2(counterfactual.composite - actual.composite) }

    /// The fork as an episode of its own, linked to its parent, ready to
    /// save.
    public func recorded(createdAt: String) -> RecordedEpisode {
        let agent = "fork:\(continuation.rawValue)"
        let id = EpisodeID.derive(
            headHash: events.last?.hash ?? "", agent: agent, label: parent.label,
            parentID: parentID, forkStep: step)
        let header = EpisodeHeader(
            episodeID: id, fixture: fixture, tier: parent.tier, variant: parent.variant, seed: seed,
            agent: agent, label: parent.label, createdAt: createdAt, parentID: parentID, forkStep: step)
        return RecordedEpisode(header: header, events: events, score: counterfactual, finalState: finalState)
    }
}

/// One dimension, before and after.
public struct DimensionDelta: Sendable, Hashable, Codable {
    public var dimension: ScoreDimension
    public var actual: Double
    public var counterfactual: Double
    public var delta: Double

    public init(dimension: ScoreDimension, actual: Double, counterfactual: Double) {
        self.dimension = dimension
        self.actual = actual
        self.counterfactual = counterfactual
        self.delta = round2(counterfactual - actual)
    }
}
