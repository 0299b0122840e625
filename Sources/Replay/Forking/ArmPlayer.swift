import Foundation
import MedGym
import TraceStore

/// Plays the arms of forks from fork points held in memory: the action at
/// step N, then the continuation, on the restored patient. It touches no
/// store, so a sweep's workers share one.
public struct ArmPlayer: Sendable {
    public let resolver: ActionResolver

    public init(resolver: ActionResolver) { self.resolver = resolver }

    /// One arm's score only: no trace, no JSON, no SQL (the sweep's path). The card's points, outcome
    /// and harm are the full card's; its texts are left empty (``EpisodeRunner/scoreDetails``), except
    /// for the recorded arm under `original`, which is the recorded card.
    public func scoreArm(_ text: String?, continuation: ForkContinuation, context: ForkPoint, sample: Int = 0) throws -> ScoreCard {
        let action: CatalogAction?
        if let text {
            do { action = try resolver.resolve(text) } catch { throw ForkError.unknownAction(error) }
        } else {
            action = nil
        }
        if continuation == .original, text == context.original.text { return context.recordedScore }
        // The recorded action under another text ("cta_chest" for "CTA chest"), the recorded turns after it:
        // the same encounter (the score never reads how an action was worded), so the recorded score.
        if continuation == .original, let action, action.id == context.originalAction { return context.recordedScore }
        var observer = NoObserver()
        return try playArm(
            text, action: action, continuation: continuation, context: context, sample: sample, scoreDetails: false, observer: &observer
        ).score
    }

    func playArm(
        _ text: String?, action: CatalogAction?, continuation: ForkContinuation, context: ForkPoint, sample: Int = 0,
        scoreDetails: Bool = true, observer: inout some EpisodeObserver
    ) throws -> Episode {
        let follower = try continuationAgent(continuation, action: action, context: context, sample: sample)
        var agent = LeadAgent(id: "fork:\(continuation.rawValue)", lead: text, follower: follower)
        let env = Environment(fixture: context.fixture, resolver: resolver, restoring: context.restored)
        var runner = EpisodeRunner(fixture: context.fixture, resolver: resolver, invalidActions: .reject(limit: Int.max))
        runner.scoreDetails = scoreDetails
        return try runner.run(from: env, observation: context.prompt, agent: &agent, observer: &observer)
    }

    /// Who acts after the action at step N.
    func continuationAgent(
        _ continuation: ForkContinuation, action: CatalogAction?, context: ForkPoint,
        sample: Int = 0
    ) throws -> any Agent {
        let catalog = resolver.catalog
        switch continuation {
        case .none:
            return ExchangeAgent(id: "none", texts: [])
        case .original:
            var later = context.exchanges.filter { $0.seq > context.original.seq }
            let replacedID: String? = if case .action(_, _, _, let id, _, _) = context.original { id } else { nil }
            if let action, replacedID != action.id, action.repeatable != true {
                // The alternate action was already taken: the agent does not repeat it.
                later.removeAll { if case .action(_, _, _, let id, _, _) = $0 { id == action.id } else { false } }
            }
            if later.isEmpty, let replacedID, catalog[replacedID]?.kind == .disposition, action?.kind != .disposition {
                later = [context.original]  // then its disposition
            }
            var replies: [ExchangeAgent.Reply] = []
            for exchange in later {
                replies.append(exchange.reply)
                if case .none = exchange { break }
            }
            return ExchangeAgent(id: "original", replies: replies)
        case .expert:
            let done = context.restored.actions.map(\.actionID) + (action.map { [$0.id] } ?? [])
            return ExpertAgent(fixture: context.fixture, resolver: resolver, skipping: done)
        case .agent:
            return try replayedAgent(context, sample: sample)
        }
    }

    /// The recorded agent rebuilt and shown everything it saw before step N
    /// (its answers discarded), including its own decision at step N: from
    /// there it acts on the new state.
    func replayedAgent(_ context: ForkPoint, sample: Int = 0) throws -> any Agent {
        let spec: AgentSpec
        do {
            // A model agent is asked at the endpoint, with the settings, its trace recorded.
            let endpoint = try context.events.first?.decodedPayload().provenance?.endpoint
            spec = try AgentSpec.parse(context.header.agent, endpoint: endpoint) { path in try String(contentsOfFile: path, encoding: .utf8) }
        } catch {
            throw ForkError.agentNotReplayable(agent: context.header.agent, reason: "\(error)")
        }
        var agent = spec.makeAgent(fixture: context.fixture, seed: context.header.seed, sample: sample)
        let observations = context.events.filter { $0.kind == .observation }
        for exchange in context.exchanges where exchange.seq <= context.original.seq {
            guard let seen = observations.last(where: { $0.seq < exchange.seq }),
                let observation = try seen.decodedPayload().observation
            else { continue }
            try agent.resume(observation, answered: exchange.text, raw: exchange.raw)
        }
        return agent
    }
}
