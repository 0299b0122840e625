import MedGym
import TraceStore

/// What every arm of one fork shares: the episode, the turn replaced,
/// the state just before it (rebuilt by checked re-execution, kept with
/// the loaded episode) and the observation the agent had then.
public struct ForkPoint: Sendable {
    var episodeID: String
    var header: EpisodeHeader
    var events: [TraceEvent]
    var exchanges: [TraceExchange]
    var original: TraceExchange
    var fixture: Fixture
    var restored: EpisodeState
    var prefix: [TraceEvent]
    var prompt: Observation
    var seed: UInt64
    var recordedScore: ScoreCard

    /// The catalog id the recorded turn resolved to (nil: no action).
    var originalAction: String? { if case .action(_, _, _, let id, _, _) = original { id } else { nil } }
    /// The fork step.
    public var step: Int { original.step }
    /// The simulated minute of the fork point.
    public var minute: Int { prompt.minute }
}
