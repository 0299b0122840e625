import Foundation
import MedGym
import TraceStore

/// Re-runs a stored episode from step N with another action: the same
/// patient with the same luck (the environment after step N−1 is rebuilt by
/// re-executing the recorded turns, checked event for event against the
/// trace, and randomness is keyed by seed and minute), then
/// continues as asked, and scores the counterfactual against the original.
public struct Forker {
    public let store: any EpisodeStore
    public let resolver: ActionResolver
    /// Fixtures by name, each loaded and digested once: the store's own (its checks load the same
    /// ones) under the shipped resolver, a cache of its own under another.
    let fixtures: FixtureCache
    let loaded = LoadedEpisodeCache()

    /// A forker with the shipped catalog, sharing the store's fixtures.
    public init(store: any EpisodeStore) {
        self.store = store
        self.resolver = .shipped
        self.fixtures = store.fixtures
    }

    public init(store: any EpisodeStore, resolver: ActionResolver) {
        self.store = store
        self.resolver = resolver
        self.fixtures = FixtureCache()
    }

    /// The continuation a fork uses when none is asked for, and why: a
    /// built-in agent (expert, anchoring, protocol) is re-run from the new state, since
    /// it can react to what the alternative changes (an anchored agent that
    /// is shown a confirming result acts on it); any other agent's recorded
    /// actions are replayed (`original`), since re-running it may call a
    /// model or a process.
    public static func defaultContinuation(forAgent agent: String) -> (continuation: ForkContinuation, why: String) {
        if agent == "expert" || agent == "anchoring" || agent == "protocol" {
            return (
                .agent,
                "default for the built-in \(agent) agent: it is re-run from the new state, so it reacts to what the alternative changes (--continue original replays its recorded actions instead)"
            )
        }
        return (.original, "default for a recorded '\(agent)' agent: its later actions are replayed as recorded (--continue agent re-runs it)")
    }

    /// Forks `episodeID` at `step` with `action`: two arms that differ only
    /// in the action at step N, each followed by the same continuation.
    public func fork(
        _ episodeID: String, at step: Int, action text: String,
        continuation: ForkContinuation = .original
    ) throws -> Fork {
        let context = try forkPoint(episodeID, at: step)
        let alternate: CatalogAction
        do { alternate = try resolver.resolve(text) } catch { throw ForkError.unknownAction(error) }
        let (header, events, fixture, restored, prompt) = (context.header, context.events, context.fixture, context.restored, context.prompt)
        let originalText = context.original.text
        let originalAction = context.originalAction
        let actual = context.recordedScore
        let counterfactualArm = try runArm(text, action: alternate, continuation: continuation, context: context)
        // The recorded arm: under `original` it is the recorded episode itself;
        // otherwise the recorded action followed by the same continuation.
        let recordedScore: ScoreCard
        if continuation == .original {
            recordedScore = actual
        } else if let originalText, let recordedAction = try? resolver.resolve(originalText) {
            recordedScore = try runArm(originalText, action: recordedAction, continuation: continuation, context: context).score
        } else {
            recordedScore = try runArm(nil, action: nil, continuation: continuation, context: context).score
        }
        let env = Environment(fixture: fixture, resolver: resolver, restoring: restored)
        let contraindications =
            [(text, env.contraindication(of: alternate))]
            + [(originalText ?? "", originalAction.flatMap { resolver.catalog[$0] }.flatMap { env.contraindication(of: $0) })]
        let pair = PreferencePair.make(
            episodeID: episodeID, fixture: fixture.id, seed: context.seed, step: step, prompt: prompt, continuation: continuation,
            alternate: (text, alternate.id, counterfactualArm.score.composite, contraindications[0].1),
            recorded: (originalText ?? "(no action)", originalAction, recordedScore.composite, contraindications[1].1))
        let counterfactual = counterfactualArm.score
        return Fork(
            parentID: episodeID, parent: header, step: step, minute: prompt.minute, fixture: fixture.id, seed: context.seed,
            continuation: continuation, recordedText: originalText, recordedAction: originalAction,
            alternateText: text, alternateAction: alternate.id, actual: recordedScore, counterfactual: counterfactual,
            deltas: ScoreDimension.allCases.map { d in
                DimensionDelta(dimension: d, actual: recordedScore.points(d), counterfactual: counterfactual.points(d))
            },
            pair: pair, events: counterfactualArm.events, finalState: counterfactualArm.finalState,
            reproducesOriginal: counterfactualArm.events == events, truthName: fixture.truth.name,
            outcomeLabels: [fixture.answerKey.outcome.caught, fixture.answerKey.outcome.missed])
    }

    /// The two arms of a fork, scored only.
    public struct ScoredArms: Sendable {
        public var recorded: ScoreCard
        public var counterfactual: ScoreCard
        /// Counterfactual minus recorded composite, as ``Fork/deltaComposite``.
        public var deltaComposite: Double { round2(counterfactual.composite - recorded.composite) }
    }

    /// The two arms' scores of ``fork(_:at:action:continuation:)``, without their traces (what a
    /// report that prints only the Δ and the outcome needs): the recorded arm and the alternate.
    public func scoreFork(
        _ episodeID: String, at step: Int, action text: String, continuation: ForkContinuation = .original
    ) throws -> ScoredArms {
        let context = try forkPoint(episodeID, at: step)
        let counterfactual = try player.scoreArm(text, continuation: continuation, context: context)
        // As in `fork`: the recorded text, or no action when it no longer resolves.
        let recordedText = context.original.text.flatMap { (try? resolver.resolve($0)) == nil ? nil : $0 }
        let recorded = try player.scoreArm(recordedText, continuation: continuation, context: context)
        return ScoredArms(recorded: recorded, counterfactual: counterfactual)
    }

    /// On-policy samples: the recorded agent re-run `count` times from the
    /// fork point (draws 0…count−1; draw 0 is the agent as recorded), each
    /// draw continuing both arms — the recorded action and the alternate —
    /// so each Δ is like-for-like. This is the GRPO group: several
    /// completions from one state, scored by one rule, with the same patient luck.
    public func samples(_ episodeID: String, at step: Int, action text: String, count: Int) throws -> ForkSamples {
        let context = try forkPoint(episodeID, at: step)
        do { _ = try resolver.resolve(text) } catch { throw ForkError.unknownAction(error) }
        var draws: [ForkSamples.Draw] = []
        for sample in 0..<count {
            let recorded = try player.scoreArm(context.original.text, continuation: .agent, context: context, sample: sample)
            let alternate = try player.scoreArm(text, continuation: .agent, context: context, sample: sample)
            draws.append(
                ForkSamples.Draw(
                    sample: sample, recorded: recorded.composite, counterfactual: alternate.composite,
                    recordedOutcome: recorded.outcome, counterfactualOutcome: alternate.outcome))
        }
        return ForkSamples(draws: draws)
    }

    /// The episode as stored, read once and kept for later forks while its
    /// row names the same head: events whose chain holds and ends at the
    /// row's head hash, its turns, fixture (unchanged since recording) and score.
    func load(_ episodeID: String) throws -> LoadedEpisode {
        let listing = try store.listing(episodeID)
        if let known = loaded.episode(episodeID, headHash: listing.headHash, eventCount: listing.eventCount) { return known }
        let events = try store.checkedEvents(episodeID).events
        let start = try TraceStart(events)
        let fixture = try ReplayFixture.load(start, episode: episodeID, resolver: resolver, cache: fixtures)
        guard let score = try events.last(where: { $0.kind == .score })?.decodedPayload().score else {
            throw TraceFormatError.noScoreEvent(episode: episodeID)
        }
        let episode = LoadedEpisode(
            header: listing.header, headHash: listing.headHash, events: events,
            exchanges: TraceExchange.all(in: events), start: start, fixture: fixture, score: score)
        loaded.store(episode)
        return episode
    }

    /// The fork point at `step` of a stored episode: loaded once per
    /// episode, its state rebuilt once per step.
    public func forkPoint(_ episodeID: String, at step: Int) throws -> ForkPoint {
        var episode = try load(episodeID)
        let turns = episode.exchanges.filter(\.isStep)
        guard let original = turns.first(where: { $0.step == step }) else {
            let range = turns.last.map { "1…\($0.step)" } ?? "none: the episode has no steps"
            throw ForkError.stepOutOfRange(episode: episodeID, step: step, valid: range)
        }
        let restored: EpisodeState
        if let known = episode.restored[original.seq] {
            restored = known
        } else {
            let recorder = try EpisodeRecorder(fixture: episode.fixture, resolver: resolver, fixtureDigest: episode.start.fixtureDigest)
            restored = try recorder.restore(episode.events, before: original.seq).state
            episode.restored[original.seq] = restored
            loaded.store(episode)
        }
        let prefix = Array(episode.events[..<original.seq])
        guard let promptEvent = prefix.last(where: { $0.kind == .observation }),
            let prompt = try promptEvent.decodedPayload().observation
        else {
            throw TraceFormatError.noObservation(episode: episodeID, step: step)
        }
        return ForkPoint(
            episodeID: episodeID, header: episode.header, events: episode.events, exchanges: episode.exchanges,
            original: original, fixture: episode.fixture, restored: restored, prefix: prefix, prompt: prompt,
            seed: episode.start.seed, recordedScore: episode.score)
    }

    /// Plays arms from fork points in memory.
    public var player: ArmPlayer { ArmPlayer(resolver: resolver) }

    /// Rebuilds, in one checked re-execution, the state before every turn of
    /// an episode (a sweep's fork points), and keeps them with the loaded episode.
    public func prepareAllSteps(_ episodeID: String) throws {
        _ = try preparedEpisode(episodeID)
    }

    /// The episode with the state before every turn and after the last, rebuilt once.
    func preparedEpisode(_ episodeID: String) throws -> LoadedEpisode {
        var episode = try load(episodeID)
        if episode.end != nil { return episode }
        let recorder = try EpisodeRecorder(fixture: episode.fixture, resolver: resolver, fixtureDigest: episode.start.fixtureDigest)
        let replayed = try recorder.restoreAllAndEnd(episode.events)
        for (seq, env) in replayed.before { episode.restored[seq] = env.state }
        episode.end = replayed.end.state
        loaded.store(episode)
        return episode
    }

    /// The turns of a stored episode that can be forked, in order.
    public func steps(_ episodeID: String) throws -> [Int] {
        try load(episodeID).exchanges.filter(\.isStep).map(\.step)
    }

    /// One arm: the action at step N (nil: no action), then the continuation,
    /// with its whole trace.
    func runArm(
        _ text: String?, action: CatalogAction?, continuation: ForkContinuation,
        context: ForkPoint
    ) throws -> (score: ScoreCard, events: [TraceEvent], finalState: EpisodeState) {
        var builder = TraceBuilder(continuing: context.prefix, seed: context.seed)
        let episode = try player.playArm(text, action: action, continuation: continuation, context: context, observer: &builder)
        let events = try builder.finish(score: episode.score, state: episode.finalState)
        return (episode.score, events, episode.finalState)
    }

    /// Stores a fork as its own episode, linked to its parent. Returns what
    /// was stored.
    @discardableResult
    public func save(_ fork: Fork, createdAt: String) throws -> RecordedEpisode {
        let recorded = fork.recorded(createdAt: createdAt)
        try store.save(recorded)
        return recorded
    }
}
