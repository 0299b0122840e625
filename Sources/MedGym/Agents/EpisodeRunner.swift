/// Runs an agent against a fixture from reset to the end of the episode and
/// scores it.
public struct EpisodeRunner: Sendable {
    public let fixture: Fixture
    public let resolver: ActionResolver

    public init(fixture: Fixture, resolver: ActionResolver = .shipped) {
        self.fixture = fixture
        self.resolver = resolver
    }

    /// Plays the episode. An action text that names no catalog action stops
    /// the run with ``EpisodeRunError`` (step number, text, suggestions).
    /// An agent that stops acting before a disposition leaves the patient to
    /// the time limit.
    public func run(seed: UInt64, agent: inout some Agent) throws -> Episode {
        var env = Environment(fixture: fixture, resolver: resolver, seed: seed)
        let first = env.initialObservation
        var observation = first
        var steps: [EpisodeStep] = []
        while env.state.isRunning {
            guard let text = try agent.act(on: observation) else {
                if let rest = env.runToTimeLimit() {
                    steps.append(EpisodeStep(step: env.state.step, text: nil, result: rest))
                }
                break
            }
            do {
                let result = try env.step(text)
                steps.append(EpisodeStep(step: env.state.step, text: text, result: result))
                observation = result.observation
            } catch let StepError.unknownAction(error) {
                throw EpisodeRunError(step: env.state.step + 1, underlying: error)
            }
        }
        let score = Scorer(fixture: fixture, catalog: resolver.catalog).score(env.state)
        return Episode(fixtureID: fixture.id, seed: seed, agentID: agent.id, initialObservation: first,
                       steps: steps, finalState: env.state, score: score)
    }
}

/// One recorded episode: what the agent saw and did, and its score.
public struct Episode: Sendable, Hashable, Codable {
    public var fixtureID: String
    public var seed: UInt64
    public var agentID: String
    public var initialObservation: Observation
    public var steps: [EpisodeStep]
    public var finalState: EpisodeState
    public var score: ScoreCard
}

/// One step of an episode. `text` is nil for the clock running out with no action.
public struct EpisodeStep: Sendable, Hashable, Codable {
    public var step: Int
    public var text: String?
    public var result: StepResult
}

/// An agent's action text named no catalog action.
public struct EpisodeRunError: Error, CustomStringConvertible, Equatable {
    public let step: Int
    public let underlying: ActionResolutionError
    public var description: String { "step \(step): \(underlying.description)" }
}
