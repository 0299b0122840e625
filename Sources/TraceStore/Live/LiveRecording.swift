import MedGym

/// The runner's observer for a run that is watched: the trace builder, each turn's new events
/// published to the run's ``LiveRun`` as soon as the turn is played. The trace is the builder's,
/// byte for byte: watching changes nothing that is recorded.
public struct LiveRecording: EpisodeObserver {
    public private(set) var builder: TraceBuilder
    public let run: LiveRun
    private var published = 0

    /// Publishes what `builder` holds already (the start and the first observation).
    public init(builder: TraceBuilder, run: LiveRun) {
        self.builder = builder
        self.run = run
        publishNew()
    }

    public mutating func stepped(_ step: EpisodeStep, state: EpisodeState) {
        builder.stepped(step, state: state)
        publishNew()
    }

    public mutating func rejected(_ rejection: RejectedAction) {
        builder.rejected(rejection)
        publishNew()
    }

    public mutating func agentFailed(_ failure: AgentFailure, step: Int, minute: Int) {
        builder.agentFailed(failure, step: step, minute: minute)
        publishNew()
    }

    private mutating func publishNew() {
        let events = builder.events
        guard events.count > published else { return }
        run.publish(events[published...])
        published = events.count
    }
}
