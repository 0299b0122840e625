extension Environment {
    /// The heart stops: worked when the course has an ``ArrestPlan``, death without one.
    mutating func arrest(_ cause: ArrestCause, events: inout [EnvironmentEvent]) {
        guard let plan = fixture.course.arrest else {
            die(cause, events: &events)
            return
        }
        let courseArrest = state.progress >= fixture.course.deathAtProgress
        let rhythm =
            courseArrest ? plan.rhythm : CardiacArrest.rhythm(forHazard: cause.text, potassium: state.chemistry.potassium)
        // The body's own arrests are treated by their cause's remedy and by the course's (a hypoxaemic
        // arrest in a tension pneumothorax is reversed by decompression as much as by the bag).
        var reversal = courseArrest ? plan.reversedBy : CardiacArrest.reversal(forHazard: cause.text, plan: plan)
        for id in plan.reversedBy where !reversal.contains(id) { reversal.append(id) }
        if state.status == .disposed, let undo = dispositionUndo {
            // The arrest came while the patient was leaving: he has not gone. The disposition is not
            // carried out (nothing it did stands), and the arrest is worked here.
            state.status = .running
            if let record = state.actions.popLast() { state.notCarriedOut.append(record) }
            state.warnings.removeAll { $0.step == undo.step }
            state.totalCost -= undo.cost
            state.definitive = undo.definitive
            state.offsets = undo.offsets
            state.doses = undo.doses
        }
        // A treatment for the cause given in the last hour still counts (calcium lasts 30–60 min).
        let treated = state.actions.contains { reversal.contains($0.actionID) && state.minute - $0.minute <= 60 }
        state.arrest = ArrestState(
            startMinute: state.minute, rhythm: rhythm, cause: cause, reversedBy: reversal, causeTreated: treated,
            compressing: false, noFlowMin: 0, lowFlowMin: 0, shocksSinceCheck: 0, shocks: 0,
            lastAdrenalineMinute: nil, adrenalineDoses: 0, amiodarone: false, checks: 0)
        state.vitals = Physiology.arrest
        // (The cause stays in the state: a course's own arrest would name the hidden diagnosis.)
        events.append(
            EnvironmentEvent(minute: state.minute, kind: .alert, text: "cardiac arrest: no pulse, the monitor shows \(rhythm.name)"))
    }

    /// One minute of an arrest: flow or no flow, the chemistry without
    /// perfusion, results arriving, and death declared at the limits.
    mutating func advanceArrest(events: inout [EnvironmentEvent]) {
        guard var arrest = state.arrest else { return }
        state.minute += 1
        if arrest.compressing { arrest.lowFlowMin += 1 } else { arrest.noFlowMin += 1 }
        state.arrest = arrest
        let drugs = DrugEffects.at(state.minute, doses: state.doses, catalog: catalog)
        ChemistryStep(
            drugRates: drugs.labRates, hypoperfused: true, map: 0, drift: [], bloodLoss: 0,
            baselineHemoglobin: arrivalChemistry.hemoglobin, baselineLactate: min(arrivalChemistry.lactate, 1.5)
        )
        .apply(to: &state.chemistry)
        state.vitals = Physiology.arrest
        // (No perfusion debt is recorded here: the minutes of arrest enter the fate through the arrest itself.)
        if arrest.noFlowMin >= CardiacArrest.noFlowLimitMin {
            die(
                ArrestCause(
                    text: "\(arrest.cause.text); \(arrest.noFlowMin) min without chest compressions",
                    iatrogenic: arrest.cause.iatrogenic), events: &events)
        } else if state.minute - arrest.startMinute >= CardiacArrest.arrestLimitMin {
            die(
                ArrestCause(
                    text: "\(arrest.cause.text); no return of circulation after \(CardiacArrest.arrestLimitMin) min",
                    iatrogenic: arrest.cause.iatrogenic), events: &events)
        }
    }

    /// An action carried out during an arrest: compressions start, a shock,
    /// a dose of adrenaline or amiodarone is counted, the cause marked treated.
    mutating func workArrest(_ action: CatalogAction) {
        guard var arrest = state.arrest else { return }
        switch action.id {
        case "cpr": arrest.compressing = true
        case "defibrillation":
            arrest.shocks += 1
            if arrest.rhythm.shockable { arrest.shocksSinceCheck += 1 }
        case "epinephrine_arrest":
            arrest.adrenalineDoses += 1
            arrest.lastAdrenalineMinute = state.minute
        case "amiodarone": arrest.amiodarone = true
        default: break
        }
        if arrest.reversedBy.contains(action.id) { arrest.causeTreated = true }
        state.arrest = arrest
    }

    /// Why an action cannot be carried out in an arrest (nil when it can).
    func arrestRefusal(_ action: CatalogAction) -> String? {
        guard let arrest = state.arrest else { return nil }
        let blocked: Bool
        switch action.kind {
        case .disposition: blocked = true
        case .imaging: blocked = !Self.bedsideImaging.contains(action.id)
        default: blocked = false
        }
        guard blocked else { return nil }
        let next =
            arrest.compressing
            ? (arrest.rhythm.shockable ? "'defibrillate', 'adrenaline 1 mg', 'CPR'" : "'adrenaline 1 mg', 'CPR'")
            : "'CPR'"
        return
            "\(action.name) not done: the patient is in cardiac arrest (\(arrest.rhythm.name)). Work the arrest first: \(next), and treat the cause."
    }

    /// Bedside ultrasound can be done during CPR (in the pauses); nothing else leaves the bay.
    static let bedsideImaging: Set<String> = ["pocus_fast", "pocus_aorta", "bedside_echo"]

    /// What a clinician is told of the arrest after each action taken during it.
    var arrestStatus: String? {
        guard let arrest = state.arrest else { return nil }
        let flow = arrest.compressing ? "compressions under way" : "no compressions yet (\(arrest.noFlowMin) min without flow)"
        return "Cardiac arrest, minute \(state.minute - arrest.startMinute): \(arrest.rhythm.name), \(flow)."
    }

    /// The rhythm check that ends a 2-minute CPR cycle: one keyed draw decides
    /// whether a pulse has returned (``CardiacArrest``).
    mutating func rhythmCheck(events: inout [EnvironmentEvent]) {
        guard var arrest = state.arrest else { return }
        arrest.checks += 1
        // The course's own cause treated during this arrest: the plan's chance, where it gives one.
        let plan = fixture.course.arrest
        let courseTreated = state.actions.contains { $0.minute >= arrest.startMinute && plan?.reversedBy.contains($0.actionID) == true }
        let chance = CardiacArrest.roscProbability(
            arrest, minute: state.minute, whenTreated: courseTreated ? plan?.roscWhenTreated : nil)
        let draw = physiology.random.unit("rosc", UInt64(state.minute))
        arrest.shocksSinceCheck = 0
        state.arrest = arrest
        guard draw < chance else {
            events.append(
                EnvironmentEvent(
                    minute: state.minute, kind: .alert,
                    text: "rhythm check: still \(arrest.rhythm.name), no pulse; continue CPR"))
            return
        }
        let minutes = state.minute - arrest.startMinute
        state.resuscitations.append(
            Resuscitation(
                arrestMinute: arrest.startMinute, roscMinute: state.minute, rhythm: arrest.rhythm, cause: arrest.cause.text,
                noFlowMin: arrest.noFlowMin, lowFlowMin: arrest.lowFlowMin, iatrogenic: arrest.cause.iatrogenic))
        state.arrest = nil
        state.offsets = state.offsets.adding(CardiacArrest.postArrestOffset(minutesOfArrest: minutes))
        // The course resumes just short of where it stopped the heart: an untreated cause arrests again.
        let span = max(fixture.course.deathAtProgress - fixture.course.startProgress, 0.01)
        state.progress = min(state.progress, fixture.course.deathAtProgress - 0.05 * span)
        state.injury.profoundShockRun = 0
        state.injury.hypoxaemiaRun = 0
        refreshVitals()
        events.append(
            EnvironmentEvent(
                minute: state.minute, kind: .alert,
                text: "return of spontaneous circulation after \(minutes) min of arrest: a pulse, BP \(state.vitals.observed.sbp)/\(state.vitals.observed.dbp)")
        )
    }
}
