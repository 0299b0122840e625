/// One episode's turns: what an agent said, resolved, applied, and when the
/// episode ends. Every path that plays an agent feeds this one type (the
/// runner, `medgym serve --stdio` and `--mcp` through ``EpisodeRunner`` or the
/// env server, and re-execution of a recorded trace), so a re-executed trace
/// matches its recording because there is one loop, not three kept in step.
///
/// The rules of a turn:
/// - an action text is applied; text that names no catalog action is
///   rejected (the environment does not change) or, under
///   ``InvalidActionPolicy/fail``, ends the run with ``EpisodeRunError``;
/// - after `limit` rejected texts in a row the agent is stopped (an
///   `agent_error` `rejected`), and after more than
///   ``EpisodeRunner/consecutiveFailureLimit`` bad turns in a row, or one fatal
///   failure, too;
/// - a stopped agent (or one that says `stop`) leaves the patient to the
///   clock: the episode runs to its time limit.
public struct EpisodeSession: Sendable {
    /// What an agent can submit on its turn.
    public enum Input: Sendable, Hashable {
        /// Action text, with the agent's raw output when it gave more than the
        /// text and the tokens its reply used when its endpoint reported them.
        case text(String, raw: String? = nil, tokens: Int? = nil)
        /// The agent failed to answer (a timeout, a crash, a client gone).
        case failure(AgentFailure)
        /// The agent stops acting: the patient is left to the clock.
        case stop
    }

    /// What a turn did.
    public enum TurnOutcome: Sendable, Hashable {
        /// The action was applied.
        case applied(EpisodeStep)
        /// The text named no catalog action; nothing changed (`stopped`: that was one too many).
        case rejected(RejectedAction, stopped: Bool)
        /// The failure was recorded (`stopped`: the agent is stopped now).
        case failed(AgentFailure, stopped: Bool)
        /// The clock ran to the time limit (nil when the episode had already ended).
        case ranOut(EpisodeStep?)
    }

    public private(set) var env: Environment
    public let invalidActions: InvalidActionPolicy
    /// What the agent last saw.
    public private(set) var observation: Observation
    public private(set) var steps: [EpisodeStep] = []
    public private(set) var rejections: [RejectedAction] = []
    public private(set) var failures: [FailedTurn] = []
    /// True once the agent is stopped: its next turn can only be ``Input/stop``.
    public private(set) var stopped = false
    /// Bad turns in a row (failures and rejected texts).
    private var consecutive = 0
    /// Why the last turn was not taken, when it was not and the agent may answer again.
    public private(set) var refusal: TurnRefusal?

    public init(from env: Environment, observation: Observation, invalidActions: InvalidActionPolicy) {
        self.env = env
        self.observation = observation
        self.invalidActions = invalidActions
    }

    /// Whether the episode goes on.
    public var isRunning: Bool { env.state.isRunning }

    /// Plays one turn, telling `observer` what it recorded.
    public mutating func submit(_ input: Input, observer: inout some EpisodeObserver) throws(EpisodeRunError) -> TurnOutcome {
        refusal = nil
        switch input {
        case .failure(let failure):
            record(failure, observer: &observer)
            if failure.kind == .abandoned { env.state.abandoned = failure.detail }
            consecutive += 1
            // Two tests, not one `||`: Swift 6.3's SILGen crashes on the short-circuit here.
            if failure.fatal { stopped = true }
            if consecutive > EpisodeRunner.consecutiveFailureLimit { stopped = true }
            if !stopped { refusal = TurnRefusal(step: env.state.step + 1, reason: failure.detail, suggestions: [], remaining: remaining) }
            return .failed(failure, stopped: stopped)
        case .stop:
            return .ranOut(runOut(observer: &observer))
        case .text(let text, let raw, let tokens):
            do {
                let result = try env.step(text)
                consecutive = 0
                var step = EpisodeStep(step: env.state.step, text: text, result: result)
                step.raw = RawReply.clipped(raw)
                step.tokens = tokens
                steps.append(step)
                observer.stepped(step, state: env.state)
                observation = result.observation
                return .applied(step)
            } catch .unknownAction(let error) {
                var rejection = RejectedAction(step: env.state.step + 1, minute: env.state.minute, text: error.text, error: error)
                rejection.raw = RawReply.clipped(raw)
                rejection.tokens = tokens
                guard case .reject(let limit) = invalidActions else {
                    throw EpisodeRunError(step: rejection.step, underlying: error)
                }
                if consecutive >= limit {
                    // An agent that keeps writing what names no action is stopped, not the run.
                    let failure = AgentFailure(
                        kind: .rejected, detail: "\(limit) action texts in a row named no catalog action; the last: \(error.text)", fatal: true)
                    record(failure, observer: &observer)
                    stopped = true
                    return .rejected(rejection, stopped: true)
                }
                consecutive += 1
                rejections.append(rejection)
                observer.rejected(rejection)
                refusal = TurnRefusal(rejection, catalog: env.resolver.catalog, remaining: remaining)
                return .rejected(rejection, stopped: false)
            } catch {
                // The episode is over: nothing to apply; the caller sees it is no longer running.
                return .ranOut(nil)
            }
        }
    }

    /// Unusable replies in a row still allowed before the agent is stopped.
    private var remaining: Int {
        let limit: Int
        if case .reject(let rejections) = invalidActions {
            limit = min(rejections, EpisodeRunner.consecutiveFailureLimit)
        } else {
            limit = EpisodeRunner.consecutiveFailureLimit
        }
        return limit - consecutive
    }

    /// The episode as played so far, scored (call once it is over, or to end it where it stands).
    /// `scoreDetails` false leaves the card's texts empty (points, outcome and harm are the same).
    public func episode(
        fixture: Fixture, catalog: ActionCatalog, agentID: String, initialObservation: Observation, scoreDetails: Bool = true
    ) -> Episode {
        var scorer = Scorer(fixture: fixture, catalog: catalog)
        scorer.details = scoreDetails
        let score = scorer.score(env.state)
        return Episode(
            fixtureID: fixture.id, seed: env.state.seed, agentID: agentID, initialObservation: initialObservation,
            steps: steps, rejections: rejections, agentFailures: failures, finalState: env.state, score: score)
    }

    private mutating func record(_ failure: AgentFailure, observer: inout some EpisodeObserver) {
        let turn = FailedTurn(step: env.state.step + 1, minute: env.state.minute, failure: failure)
        observer.agentFailed(failure, step: turn.step, minute: turn.minute)
        failures.append(turn)
    }

    private mutating func runOut(observer: inout some EpisodeObserver) -> EpisodeStep? {
        guard let rest = env.runToTimeLimit() else { return nil }
        observation = rest.observation
        let step = EpisodeStep(step: env.state.step + 1, text: nil, result: rest)
        steps.append(step)
        observer.stepped(step, state: env.state)
        return step
    }
}
