import Foundation
import MedGym
import TraceStore

/// One episode explained the way a reviewing clinician reads a chart: who
/// came in, what the monitor showed, what the agent did and learned when,
/// how the score breaks down (every point with its answer-key item and
/// source), where the care went wrong, what the alternative would have
/// earned under each continuation, and the expert's correction there.
///
/// The decisive step is premature closure: the first step whose action
/// closes the encounter (reassurance, an explanation of the plan, or a
/// disposition) while a red-flag item of the answer key is still undone. The
/// sweep's critical steps (largest regret) are listed beside it. A good
/// episode (nothing red-flag missed, no harm) says so and shows its
/// smallest-margin decision instead.
public struct Postmortem: Sendable, Hashable, Encodable {
    public var episodeID: String
    public var fixture: String
    public var seed: UInt64
    public var agent: String
    public var label: String?
    public var presentation: Presentation?
    public var outcome: String
    public var outcomeText: String?
    public var harmLevel: HarmLevel
    public var composite: Double
    /// "missed" when a red-flag item was left undone or the harm is high or worse; else "good".
    public var verdict: Verdict

    /// Whether care caught what mattered.
    public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
        /// No red flag missed, no serious harm.
        case good
        /// A red flag missed or serious harm done.
        case missed
    }
    public var vitals: [VitalsPoint]
    public var alerts: [TimedText]
    public var trajectory: [Turn]
    public var orders: [Order]
    public var dimensions: [DimensionScore]
    public var items: [ScoreItem]
    /// Answer-key items with no points or negative points (the ones this episode missed or lost).
    public var missed: [ScoreItem]
    /// The sweep's critical steps (continuation original, the answer key's actions as candidates).
    public var critical: [CriticalStep]
    /// Premature closure, or for a good episode the smallest-margin decision.
    public var decisive: Decision?

    /// The monitor at one observation.
    public struct VitalsPoint: Sendable, Hashable, Encodable {
        public var minute: Int
        public var step: Int
        public var vitals: ObservedVitals
    }

    /// Something that happened at a sim minute (an alert).
    public struct TimedText: Sendable, Hashable, Encodable {
        public var minute: Int
        public var text: String
    }

    /// One exchange: what the agent wrote, what it became, what came back.
    public struct Turn: Sendable, Hashable, Encodable {
        public var step: Int
        public var minute: Int
        /// The agent's text (nil when it stopped and the clock ran on).
        public var text: String?
        /// The catalog action, or nil for a rejected text or a failure.
        public var action: String?
        /// The answer, finding or acknowledgement; a rejection or failure message.
        public var response: String?
        public var kind: TurnKind
    }

    /// What a trajectory turn was (recorded in JSON as the raw value).
    public enum TurnKind: String, Sendable, Hashable, Encodable, CustomStringConvertible {
        case action
        /// The agent stopped and the clock ran on.
        case none
        case rejected
        case agentError = "agent_error"
        public var description: String { rawValue }
    }

    /// Why the post-mortem turns on a step (recorded in JSON as the raw value).
    public enum DecisionKind: String, Sendable, Hashable, Encodable, CustomStringConvertible {
        /// A closing action with a red flag still open.
        case prematureClosure = "premature closure"
        /// Good care: where an alternative came closest.
        case smallestMargin = "smallest margin"
        /// Missed care without a premature closure: the step with the largest regret.
        case largestRegret = "largest regret"
        public var description: String { rawValue }
    }

    /// An order and its result, with the turnaround.
    public struct Order: Sendable, Hashable, Encodable {
        public var action: String
        public var orderedAt: Int
        public var resultAt: Int?
        public var result: String?
        public var turnaround: Int? { resultAt.map { $0 - orderedAt } }

        enum CodingKeys: String, CodingKey { case action, orderedAt, resultAt, result, turnaround }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(action, forKey: .action)
            try c.encode(orderedAt, forKey: .orderedAt)
            try c.encodeIfPresent(resultAt, forKey: .resultAt)
            try c.encodeIfPresent(result, forKey: .result)
            try c.encodeIfPresent(turnaround, forKey: .turnaround)
        }
    }

    /// A step of the sweep with the largest regret.
    public struct CriticalStep: Sendable, Hashable, Encodable {
        public var step: Int
        public var minute: Int
        public var recordedText: String?
        public var best: String
        public var delta: Double
        public var outcome: String
    }

    /// The step the post-mortem turns on, the alternative there under each continuation, and the correction.
    public struct Decision: Sendable, Hashable, Encodable {
        public var step: Int
        public var minute: Int
        public var recordedText: String?
        public var recordedAction: String?
        public var kind: DecisionKind
        public var why: String
        /// Red-flag items still undone at this step.
        public var open: [ScoreItem]
        public var alternative: String
        public var counterfactuals: [Counterfactual]
        public var correction: Correction?
    }

    /// The alternative's value under one continuation.
    public struct Counterfactual: Sendable, Hashable, Encodable {
        public var continuation: ForkContinuation
        public var delta: Double
        public var recordedOutcome: String
        public var outcome: String
        public var deltas: [DimensionDelta]
    }

    /// What the expert does instead, and why, from the answer key.
    public struct Correction: Sendable, Hashable, Encodable {
        public var action: String
        public var name: String
        public var rationale: String
        public var source: Citation
    }
}

/// Builds a ``Postmortem`` from the store: the checked events, a sweep and three forks.
public struct PostmortemBuilder {
    public let forker: Forker

    public init(forker: Forker) { self.forker = forker }

    /// Catalog ids whose taking closes an encounter's diagnostic phase.
    static let closingActions: Set<String> = ["reassure", "explain_diagnosis"]

    /// `sweep`: the episode's sweep (answer-key candidates, continuation original) when the caller has it.
    /// `withCounterfactuals`: false skips the forks of the decisive step under each continuation (the corpus needs only the step).
    public func build(_ episodeID: String, jobs: Int = 1, sweep given: Sweep? = nil, withCounterfactuals: Bool = true) throws -> Postmortem {
        let store = forker.store
        let checked = try store.checkedEpisode(episodeID)
        let (listing, events, score) = (checked.listing, checked.events, try checked.score)
        let fixture = try FixtureLoader.fixture(named: listing.header.fixture)
        let catalog = forker.resolver.catalog
        var report = Postmortem(
            episodeID: episodeID, fixture: listing.header.fixture, seed: listing.header.seed, agent: listing.header.agent,
            label: listing.header.label, presentation: nil, outcome: score.outcome, outcomeText: score.outcomeText,
            harmLevel: score.harmLevel, composite: score.composite, verdict: .good, vitals: [], alerts: [], trajectory: [],
            orders: [], dimensions: score.dimensions, items: score.items,
            missed: score.items.filter { $0.points <= 0 && $0.dimension != .harm && $0.dimension != .cost }, critical: [], decisive: nil)
        let chart = Self.read(events)
        (report.presentation, report.vitals, report.alerts, report.trajectory, report.orders) =
            (chart.presentation, chart.vitals, chart.alerts, chart.trajectory, chart.orders)

        let redFlags = fixture.answerKey.items.filter { $0.dimension == .redFlag }
        report.verdict = Self.verdict(report.trajectory, redFlags: redFlags, harm: score.harmLevel)

        let sweep = try given ?? Sweeper(forker: forker).sweep(episodeID, candidates: .key, continuation: .original, jobs: jobs)
        report.critical = sweep.steps.filter(\.critical).compactMap { step in
            step.best.map {
                Postmortem.CriticalStep(
                    step: step.step, minute: step.minute, recordedText: step.recordedText,
                    best: $0.action, delta: $0.delta, outcome: $0.outcome)
            }
        }

        // The decisive step.
        let steps = report.trajectory.filter { $0.kind == .action }
        var decisiveStep: (turn: Postmortem.Turn, kind: Postmortem.DecisionKind, why: String, open: [KeyItem])?
        if report.verdict == .missed, let closure = Self.prematureClosure(steps, redFlags: redFlags, catalog: catalog) {
            let open = closure.open
            decisiveStep = (
                closure.turn, .prematureClosure,
                "\"\(closure.turn.text ?? closure.turn.action ?? "")\" closes the encounter while \(open.map { "\"\($0.description)\"" }.joined(separator: ", ")) \(open.count == 1 ? "is" : "are") not done",
                open
            )
        }
        if decisiveStep == nil, let closest = sweep.steps.max(by: { ($0.regret, -$0.step) < ($1.regret, -$1.step) }),
            let turn = steps.first(where: { $0.step == closest.step })
        {
            decisiveStep = (
                turn, report.verdict == .good ? .smallestMargin : .largestRegret,
                report.verdict == .good
                    ? "the decision where an alternative came closest to the recorded one (regret \(EpisodeFormatter.signed(closest.regret)))"
                    : "no closing action was taken with a red flag open; the step with the largest regret",
                []
            )
        }
        guard let decisive = decisiveStep, let sweepStep = sweep.steps.first(where: { $0.step == decisive.turn.step }) else {
            return report
        }
        // The alternative: an action of the first open red-flag item (best by the sweep), else the sweep's best.
        let itemActions =
            decisive.open.first.map { item in
                sweepStep.alternatives.filter { item.actions.contains($0.action) }.sorted { $0.delta > $1.delta }
            } ?? []
        guard let alternative = itemActions.first ?? sweepStep.best else { return report }
        var counterfactuals: [Postmortem.Counterfactual] = []
        // A built-in agent is also re-run from the new state (the fork's default for it).
        let rerun: [ForkContinuation] = Forker.defaultContinuation(forAgent: report.agent).continuation == .agent ? [.agent] : []
        for continuation in withCounterfactuals ? rerun + [ForkContinuation.original, .expert, .none] : [] {
            let fork = try forker.fork(episodeID, at: decisive.turn.step, action: alternative.action, continuation: continuation)
            counterfactuals.append(
                Postmortem.Counterfactual(
                    continuation: continuation, delta: fork.deltaComposite, recordedOutcome: fork.actual.outcome,
                    outcome: fork.counterfactual.outcome, deltas: fork.deltas.filter { $0.delta != 0 }))
        }
        var correction: Postmortem.Correction?
        if let item = decisive.open.first(where: { $0.actions.contains(alternative.action) }) {
            correction = Postmortem.Correction(
                action: alternative.action, name: catalog[alternative.action]?.name ?? alternative.action,
                rationale: item.description, source: item.source)
        }
        report.decisive = Postmortem.Decision(
            step: decisive.turn.step, minute: decisive.turn.minute, recordedText: decisive.turn.text, recordedAction: decisive.turn.action,
            kind: decisive.kind, why: decisive.why, open: report.items.filter { scored in decisive.open.contains { $0.id == scored.key } },
            alternative: alternative.action, counterfactuals: counterfactuals, correction: correction)
        return report
    }

    /// The first closing action (reassurance, explaining the plan, a disposition) taken while a
    /// red-flag item is still undone, and the items still open then; nil when there is none.
    static func prematureClosure(_ steps: [Postmortem.Turn], redFlags: [KeyItem], catalog: ActionCatalog)
        -> (turn: Postmortem.Turn, open: [KeyItem])?
    {
        for turn in steps {
            guard let action = turn.action, closingActions.contains(action) || catalog[action]?.kind == .disposition else { continue }
            let open = redFlags.filter { item in
                !steps.contains { $0.step < turn.step && ($0.action.map(item.actions.contains) ?? false) }
            }
            if !open.isEmpty { return (turn, open) }
        }
        return nil
    }

    /// Good when every red-flag item was done and harm stayed below high; else missed.
    static func verdict(_ trajectory: [Postmortem.Turn], redFlags: [KeyItem], harm: HarmLevel) -> Postmortem.Verdict {
        let missedRedFlags = redFlags.filter { item in !trajectory.contains { $0.action.map(item.actions.contains) ?? false } }
        return missedRedFlags.isEmpty && harm < .high ? .good : .missed
    }

    /// The applied actions of a loaded episode, as the trajectory lists them (the minute is the action event's).
    static func actionTurns(_ episode: LoadedEpisode) -> [Postmortem.Turn] {
        episode.exchanges.compactMap { exchange -> Postmortem.Turn? in
            guard case .action(let step, let seq, let text, let id, _, _) = exchange else { return nil }
            return Postmortem.Turn(step: step, minute: episode.events[seq].simMinute, text: text, action: id, response: nil, kind: .action)
        }
    }

    /// The step a post-mortem names decisive for premature closure, when it does (its verdict is
    /// missed and a closing action was taken with a red flag open): found without a sweep.
    public func decisiveClosureStep(_ episodeID: String) throws -> Int? {
        let episode = try forker.load(episodeID)
        let redFlags = episode.fixture.answerKey.items.filter { $0.dimension == .redFlag }
        let steps = Self.actionTurns(episode)
        guard Self.verdict(steps, redFlags: redFlags, harm: episode.score.harmLevel) == .missed else { return nil }
        return Self.prematureClosure(steps, redFlags: redFlags, catalog: forker.resolver.catalog)?.turn.step
    }

    /// Premature closure alone (no sweep): the step, what it closed on, the first open red flag's
    /// first action, and that action's Δ there with the recorded agent carrying on. One fork.
    public func closure(_ episodeID: String) throws -> (step: Int, recordedText: String?, alternative: String, delta: Double)? {
        let episode = try forker.load(episodeID)
        let redFlags = episode.fixture.answerKey.items.filter { $0.dimension == .redFlag }
        let steps = Self.actionTurns(episode)
        guard
            let found = Self.prematureClosure(steps, redFlags: redFlags, catalog: forker.resolver.catalog),
            let action = found.open.first?.actions.first
        else { return nil }
        let arms = try forker.scoreFork(episodeID, at: found.turn.step, action: action, continuation: .original)
        return (found.turn.step, found.turn.text, action, arms.deltaComposite)
    }

    /// What the events show: the presentation, vitals, alerts, trajectory and orders.
    struct Chart {
        var presentation: Presentation?
        var vitals: [Postmortem.VitalsPoint] = []
        var alerts: [Postmortem.TimedText] = []
        var trajectory: [Postmortem.Turn] = []
        var orders: [Postmortem.Order] = []
    }

    static func read(_ events: [TraceEvent]) -> Chart {
        var report = Chart()
        var pendingResponse: Int?
        for event in events {
            guard let payload = try? event.decodedPayload() else { continue }
            switch event.kind {
            case .observation:
                guard let observation = payload.observation else { continue }
                if report.presentation == nil { report.presentation = observation.presentation }
                report.vitals.append(.init(minute: observation.minute, step: observation.step, vitals: observation.vitals))
            case .alert:
                report.alerts.append(.init(minute: event.simMinute, text: payload.text ?? ""))
            case .actionReceived:
                report.trajectory.append(
                    .init(
                        step: event.step, minute: event.simMinute, text: payload.text, action: payload.action,
                        response: nil, kind: .action))
                pendingResponse = report.trajectory.count - 1
            case .noAction:
                report.trajectory.append(
                    .init(
                        step: event.step, minute: event.simMinute, text: nil, action: nil,
                        response: "no action: the clock ran on", kind: .none))
                pendingResponse = nil
            case .actionRejected:
                report.trajectory.append(
                    .init(
                        step: event.step, minute: event.simMinute, text: payload.text, action: nil,
                        response: payload.error, kind: .rejected))
                pendingResponse = nil
            case .agentError:
                report.trajectory.append(
                    .init(
                        step: event.step, minute: event.simMinute, text: nil, action: nil,
                        response: payload.failure?.description, kind: .agentError))
                pendingResponse = nil
            case .response:
                if let index = pendingResponse { report.trajectory[index].response = payload.text }
            case .orderPlaced:
                report.orders.append(.init(action: payload.action ?? "", orderedAt: event.simMinute, resultAt: nil, result: nil))
            case .resultArrived:
                if let index = report.orders.lastIndex(where: { $0.action == payload.action && $0.resultAt == nil }) {
                    report.orders[index].resultAt = event.simMinute
                    report.orders[index].result = payload.text
                }
            default:
                break
            }
        }
        return report
    }
}
