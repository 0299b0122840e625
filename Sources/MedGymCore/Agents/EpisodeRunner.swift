/// Runs an agent against a fixture from reset (or from a restored state) to
/// the end of the episode and scores it.
public struct EpisodeRunner: Sendable {
    public let fixture: Fixture
    public let resolver: ActionResolver
    /// What to do when the agent writes text that names no catalog action.
    public var invalidActions: InvalidActionPolicy
    /// Whether the score card carries its texts (descriptions, details, the outcome in words); without
    /// them its points, outcome and harm are the same, for callers that read only those (a sweep's arms).
    public var scoreDetails = true

    /// Bad replies in a row (failures and rejected texts) after which an agent is treated as stopped.
    public static let consecutiveFailureLimit = 5

    public init(fixture: Fixture, resolver: ActionResolver, invalidActions: InvalidActionPolicy = .fail) {
        self.fixture = fixture
        self.resolver = resolver
        self.invalidActions = invalidActions
    }

    /// Plays the episode from reset.
    public func run(seed: UInt64, agent: inout some Agent) throws -> Episode {
        var observer = NoObserver()
        return try run(seed: seed, agent: &agent, observer: &observer)
    }

    /// Plays the episode from reset, telling `observer` about every exchange.
    public func run(seed: UInt64, agent: inout some Agent, observer: inout some EpisodeObserver) throws -> Episode {
        let env = Environment(fixture: fixture, resolver: resolver, seed: seed)
        return try run(from: env, observation: env.initialObservation, agent: &agent, observer: &observer)
    }

    /// Plays on from an environment already in progress (a fork point), whose
    /// agent last saw `observation`.
    ///
    /// An agent that stops acting (`nil`) before a disposition leaves the
    /// patient to the time limit. Unknown action text either stops the run
    /// with ``EpisodeRunError`` (``InvalidActionPolicy/fail``) or is
    /// rejected, reported to the observer, and the agent asked again.
    public func run<A: Agent, O: EpisodeObserver>(
        from start: Environment, observation: Observation, agent: inout A,
        observer: inout O
    ) throws -> Episode {
        // The turns themselves are the session's (one loop for every path); this only asks the agent.
        var session = EpisodeSession(from: start, observation: observation, invalidActions: invalidActions)
        while session.isRunning {
            let input: EpisodeSession.Input
            if session.stopped {
                input = .stop
            } else {
                switch try agent.reply(to: session.observation) {
                case .success(let text?): input = .text(text, raw: agent.rawReply, tokens: agent.replyTokens)
                case .success(nil): input = .stop
                case .failure(let failure): input = .failure(failure)
                }
            }
            if case .ranOut = try session.submit(input, observer: &observer) { break }
            if let refusal = session.refusal { agent.refused(refusal) }
        }
        let episode = session.episode(
            fixture: fixture, catalog: resolver.catalog, agentID: agent.id, initialObservation: observation, scoreDetails: scoreDetails)
        agent.finish(score: episode.score)
        return episode
    }
}

/// What the runner does with action text that names no catalog action.
public enum InvalidActionPolicy: Sendable, Hashable {
    /// Stop the run with ``EpisodeRunError`` (scripts: a typo is a bug).
    case fail
    /// Record an `action_rejected` exchange and ask the agent again, up to
    /// `limit` times in a row before failing.
    case reject(limit: Int)
}

/// Told about each exchange as the runner plays it: the trace recorder's hook.
public protocol EpisodeObserver {
    /// An action was applied (or, with `text == nil`, the clock ran out);
    /// `state` is the environment after it.
    mutating func stepped(_ step: EpisodeStep, state: EpisodeState)
    /// Action text was rejected; the environment did not change.
    mutating func rejected(_ rejection: RejectedAction)
    /// The agent failed to answer (see ``AgentFailure``); the environment did not change.
    mutating func agentFailed(_ failure: AgentFailure, step: Int, minute: Int)
}

extension EpisodeObserver {
    public mutating func agentFailed(_ failure: AgentFailure, step: Int, minute: Int) {}
}

/// An observer that ignores everything.
public struct NoObserver: EpisodeObserver {
    public init() {}
    public mutating func stepped(_ step: EpisodeStep, state: EpisodeState) {}
    public mutating func rejected(_ rejection: RejectedAction) {}
}

/// One recorded episode: what the agent saw and did, and its score.
public struct Episode: Sendable, Hashable, Codable {
    public var fixtureID: String
    public var seed: UInt64
    public var agentID: String
    /// The observation the agent saw before its first action in this run.
    public var initialObservation: Observation
    public var steps: [EpisodeStep]
    /// Action texts that named no catalog action (with ``InvalidActionPolicy/reject(limit:)``).
    public var rejections: [RejectedAction]
    /// Times the agent failed to answer, in order.
    public var agentFailures: [FailedTurn] = []
    public var finalState: EpisodeState
    public var score: ScoreCard
    /// Its id in the trace store, once recorded (content-derived: the same run has the same id in any store).
    public var episodeID: String? = nil
}

/// One step of an episode. `text` is nil for the clock running out with no action.
public struct EpisodeStep: Sendable, Hashable, Codable {
    public var step: Int
    public var text: String?
    /// The agent's raw output for this action, when it gave more than the text (``Agent/rawReply``).
    public var raw: String?
    /// The tokens the model's reply used, when its endpoint reported them (``Agent/replyTokens``).
    public var tokens: Int?
    public var result: StepResult

    public init(step: Int, text: String?, result: StepResult) {
        self.step = step
        self.text = text
        self.result = result
    }
}

/// A turn where the agent failed to answer, at the step it was asked for.
public struct FailedTurn: Sendable, Hashable, Codable {
    public var step: Int
    public var minute: Int
    public var failure: AgentFailure
}

/// Action text the environment could not resolve, at the step it was meant for.
public struct RejectedAction: Sendable, Hashable, Codable {
    public var step: Int
    public var minute: Int
    public var text: String
    /// The agent's raw output, when it gave more than the text (``Agent/rawReply``).
    public var raw: String?
    /// The tokens the model's reply used, when its endpoint reported them (``Agent/replyTokens``).
    public var tokens: Int?
    public var error: ActionResolutionError

    public init(step: Int, minute: Int, text: String, error: ActionResolutionError) {
        self.step = step
        self.minute = minute
        self.text = text
        self.error = error
    }
}

/// An agent's action text named no catalog action.
public struct EpisodeRunError: Error, CustomStringConvertible, Equatable {
    public let step: Int
    public let underlying: ActionResolutionError
    public var description: String { "step \(step): \(underlying.description)" }
}
