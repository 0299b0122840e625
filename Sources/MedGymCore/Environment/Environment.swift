/// The simulated encounter: a pure state machine over ``EpisodeState``.
///
/// `reset(seed:)` starts an episode; `step(_:)` applies one action, advances
/// the simulated clock by the action's time cost, and returns the observation
/// and the events produced. No clock, file or network is touched: the same
/// fixture, seed and actions always give the same states and events.
///
/// ```swift
/// var env = Environment(fixture: fixture)
/// let first = env.reset(seed: 42)
/// let result = try env.step("CTA chest")
/// ```
public struct Environment: Sendable {
    public let fixture: Fixture
    public let catalog: ActionCatalog
    public let resolver: ActionResolver
    public internal(set) var state: EpisodeState
    var physiology: Physiology
    /// The chemistry at arrival: the baselines lactate clears to and haemoglobin dilutes from.
    let arrivalChemistry: Chemistry
    /// What a disposition under way changed, to take back if the heart stops before the patient has gone.
    var dispositionUndo: DispositionUndo? = nil

    public init(fixture: Fixture, resolver: ActionResolver, seed: UInt64 = 0) {
        self.fixture = fixture
        self.resolver = resolver
        self.catalog = resolver.catalog
        self.arrivalChemistry = Chemistry(arrival: fixture)
        self.physiology = Physiology(course: fixture.course, seed: seed, conditions: fixture.truth.conditions ?? [])
        self.state = Environment.initialState(fixture: fixture, physiology: physiology, seed: seed)
    }

    /// Restores an environment at a saved state (a fork point).
    public init(fixture: Fixture, resolver: ActionResolver, restoring state: EpisodeState) {
        self.fixture = fixture
        self.resolver = resolver
        self.catalog = resolver.catalog
        self.arrivalChemistry = Chemistry(arrival: fixture)
        self.physiology = Physiology(course: fixture.course, seed: state.seed, conditions: fixture.truth.conditions ?? [])
        self.state = state
    }

    /// Starts a new episode with this seed and returns the first observation.
    @discardableResult
    public mutating func reset(seed: UInt64) -> Observation {
        physiology = Physiology(course: fixture.course, seed: seed, conditions: fixture.truth.conditions ?? [])
        state = Environment.initialState(fixture: fixture, physiology: physiology, seed: seed)
        return initialObservation
    }

    /// The observation at reset.
    public var initialObservation: Observation {
        let p = fixture.patient
        var obs = makeObservation(response: nil, events: [])
        obs.presentation = Presentation(age: p.age, sex: p.sex, chiefComplaint: p.chiefComplaint, triageNote: p.triageNote)
        return obs
    }

    static func initialState(fixture: Fixture, physiology: Physiology, seed: UInt64) -> EpisodeState {
        let chemistry = Chemistry(arrival: fixture)
        let vitals = physiology.vitals(
            progress: fixture.course.startProgress, complications: .zero,
            drugs: DrugEffects(), chemistry: chemistry, ventilated: false, minute: 0)
        return EpisodeState(
            fixtureID: fixture.id, seed: seed, minute: 0, step: 0, progress: fixture.course.startProgress,
            definitive: false, offsets: VitalsOffset(), doses: [], vitals: vitals, chemistry: chemistry, ventilated: false,
            targetsReached: [],
            arrivalVitals: vitals, actions: [], pending: [], results: [], warnings: [], injury: InjuryRecord(arrival: vitals),
            deathCause: nil, firedAlerts: [], symptoms: [], totalCost: 0, status: .running, deathMinute: nil)
    }

    /// Resolves free text to a catalog action and applies it.
    public mutating func step(_ text: String) throws(StepError) -> StepResult {
        let action: CatalogAction
        do {
            action = try resolver.resolve(text)
        } catch {
            throw .unknownAction(error)
        }
        return try step(action: action, text: text)
    }

    /// Applies a canonical action.
    public mutating func step(action: CatalogAction, text: String) throws(StepError) -> StepResult {
        guard state.isRunning else { throw .episodeOver(state.status) }
        var events: [EnvironmentEvent] = []
        let start = state.minute
        let assessed = action.risk != nil || !(action.contraindications ?? []).isEmpty
        let refusal = arrestRefusal(action)
        let findings =
            !assessed || refusal != nil || (action.kind == .medication && needsAccess(action))
            ? [] : SafetyRule.assess(action, in: safetyContext)
        state.step += 1
        state.actions.append(
            ActionRecord(
                step: state.step, minute: start, actionID: action.id, text: text, vitals: state.vitals.observed))
        state.totalCost += action.cost
        events.append(EnvironmentEvent(minute: start, kind: .actionTaken, action: action.id, text: action.name))

        for finding in findings {
            let label = finding.kind == .danger ? "contraindicated" : "not indicated"
            events.append(
                EnvironmentEvent(
                    minute: start, kind: .warning, action: action.id,
                    text: "\(action.name): \(label), \(finding.reason)"))
            state.warnings.append(
                WarningRecord(
                    step: state.step, minute: start, actionID: action.id, reason: finding.reason,
                    source: finding.source, kind: finding.kind, points: finding.points,
                    severity: finding.severity))
        }
        if let refusal {
            // Not carried out: nothing charged or credited, a minute lost in the asking.
            if let record = state.actions.popLast() { state.notCarriedOut.append(record) }
            state.totalCost -= action.cost
            events.append(EnvironmentEvent(minute: start, kind: .response, action: action.id, text: refusal))
            advance(minutes: 1, events: &events)
            return finishStep(action: action.id, response: [refusal, arrestStatus].compactMap { $0 }.joined(separator: " "), events: events)
        }
        if action.kind == .disposition, fixture.course.arrest != nil {
            dispositionUndo = DispositionUndo(
                step: state.step, cost: action.cost, definitive: state.definitive, offsets: state.offsets, doses: state.doses)
        }
        defer { dispositionUndo = nil }
        var response = respond(to: action, at: start, events: &events)
        if action.kind == .disposition, state.status != .disposed {
            // Declined: the patient did not go, so the disposition's findings are not charged.
            state.warnings.removeAll { $0.step == state.step && $0.actionID == action.id }
        }
        let inArrest = state.arrest != nil
        // (Only what was carried out works the arrest: an intravenous drug refused for want of a line does not.)
        if inArrest, state.actions.last?.step == state.step { workArrest(action) }
        advance(minutes: max(action.timeMin, 0), events: &events)
        if action.id == "cpr", inArrest, state.arrest != nil { rhythmCheck(events: &events) }
        if !inArrest, state.arrest != nil, action.kind == .disposition, state.notCarriedOut.last?.step == state.step {
            response = "\(action.name) not carried out: the patient arrested before leaving the department."
        }
        if inArrest || state.arrest != nil, let status = arrestStatus {
            response = [response, status].compactMap { $0 }.joined(separator: " ")
        }
        return finishStep(action: action.id, response: response, events: events)
    }

    /// Lets the clock run to the time limit with no further action (the
    /// `none` continuation of a fork). Returns nil when the episode is over.
    public mutating func runToTimeLimit() -> StepResult? {
        guard state.isRunning else { return nil }
        var events: [EnvironmentEvent] = []
        advance(minutes: max(fixture.timeLimitMin - state.minute, 0), events: &events)
        // An arrest no one works further runs to its end (death at its limits; no rhythm check without a CPR cycle).
        while state.arrest != nil, state.alive { advance(minutes: 1, events: &events) }
        if state.alive, state.minute < fixture.timeLimitMin {
            advance(minutes: fixture.timeLimitMin - state.minute, events: &events)
        }
        return finishStep(action: "none", response: nil, events: events)
    }

    private mutating func finishStep(action: String, response: String?, events: [EnvironmentEvent]) -> StepResult {
        var events = events
        if state.status == .running {
            // An arrest under way is not cut short by the encounter's limits: it ends
            // within its own (return of circulation, or death at 10 min without flow or 40 min in all).
            if state.arrest == nil, state.minute >= fixture.timeLimitMin || state.step >= fixture.maxSteps {
                state.status = .truncated
            }
        }
        if state.status != .running {
            events.append(EnvironmentEvent(minute: state.minute, kind: .episodeEnded, text: endReason))
        }
        let observation = makeObservation(response: response, events: events)
        return StepResult(
            action: action, observation: observation, events: events,
            terminated: state.status == .disposed || state.status == .died,
            truncated: state.status == .truncated)
    }

    /// Why the episode ended, or nil while it runs.
    public var endReason: String? {
        switch state.status {
        case .running: nil
        case .disposed: "disposition: \(state.disposition ?? "?")"
        case .died: "death at minute \(state.deathMinute ?? state.minute)"
        case .truncated: state.step >= fixture.maxSteps ? "step limit (\(fixture.maxSteps))" : "time limit (\(fixture.timeLimitMin) min)"
        }
    }

    /// What ``SafetyRule`` reads now: the patient, the truth's conditions, what was done.
    public var safetyContext: SafetyContext {
        SafetyContext(
            vitals: state.vitals, chemistry: state.chemistry, ventilated: state.ventilated,
            conditions: fixture.truth.conditions ?? [], age: fixture.patient.age,
            arrivalGcs: state.arrivalVitals.gcs, done: state.actions.map(\.actionID),
            runningClasses: DrugEffects.activeClasses(at: state.minute, doses: state.doses, catalog: catalog),
            arrestRhythm: state.arrest?.rhythm)
    }

    /// A laboratory value now (a ``Chemistry`` name).
    public func labValue(_ name: String) -> Double? {
        state.chemistry.value(name, rr: state.vitals.rr, ventilated: state.ventilated)
    }

    /// An intravenous drug with no IV access placed yet.
    func needsAccess(_ action: CatalogAction) -> Bool {
        action.route == "iv" && !state.did("iv_access")
    }
}

/// Why a step could not be taken.
public enum StepError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknownAction(ActionResolutionError)
    case episodeOver(EpisodeStatus)

    public var description: String {
        switch self {
        case .unknownAction(let error): error.description
        case .episodeOver(let status): "the episode is over (\(status.rawValue)); reset to start a new one"
        }
    }
}

/// What a disposition under way changed (its modifiers, its charge), so that
/// an arrest before the patient leaves can take it back.
struct DispositionUndo: Sendable {
    var step: Int
    var cost: Int
    var definitive: Bool
    var offsets: VitalsOffset
    var doses: [Dose]
}
