extension Environment {
    /// The immediate answer to an action, and its effect on the patient.
    mutating func respond(to action: CatalogAction, at minute: Int, events: inout [EnvironmentEvent]) -> String? {
        var response: String?
        switch action.kind {
        case .interview:
            response = interviewAnswer(action)
        case .exam:
            response = examFinding(action)
        case .lab, .ecg, .imaging, .consult:
            let due = minute + (action.turnaroundMin ?? 0)
            state.pending.append(PendingOrder(actionID: action.id, step: state.step, orderedAt: minute, dueAt: due))
            let what = action.kind == .consult ? "paged; expected at the bedside at minute \(due)" : "ordered; result expected at minute \(due)"
            events.append(EnvironmentEvent(minute: minute, kind: .orderPlaced, action: action.id, text: "\(action.name) \(what)"))
            response = action.kind == .consult ? "\(action.name) paged." : "\(action.name) ordered."
        case .medication, .procedure:
            response = "\(action.name): done."
        case .communication, .documentation:
            response = "\(action.name): done."
        case .disposition:
            if let rule = fixture.admission.first(where: { $0.disposition == action.id }),
               let missing = rule.requires.unmet(in: state, step: state.step, minute: minute) {
                response = "\(action.name) declined: \(rule.refusal) (missing: \(missing))"
            } else {
                state.status = .disposed
                response = "Patient dispositioned: \(action.name)."
            }
        }
        if let note = applyModifiers(for: action) { response = [response, note].compactMap { $0 }.joined(separator: " ") }
        if let response, !action.kind.arrivesLater {
            events.append(EnvironmentEvent(minute: minute, kind: .response, action: action.id, text: response))
        }
        return response
    }

    private func interviewAnswer(_ action: CatalogAction) -> String {
        guard let entry = fixture.interview.first(where: { $0.topic == action.id }), !entry.answers.isEmpty else {
            return action.normalResult ?? "Nothing to add."
        }
        let random = SeededRandom(seed: state.seed)
        var answer = entry.answers[random.index("interview.\(action.id)", below: entry.answers.count)]
        if let herring = entry.redHerring, fixture.tier >= (entry.redHerringMinTier ?? 0) {
            answer += " " + herring
        }
        return answer
    }

    private func examFinding(_ action: CatalogAction) -> String {
        guard let entry = fixture.exam.first(where: { $0.action == action.id }) else {
            return action.normalResult ?? "Unremarkable."
        }
        if let after = entry.afterProgress, let later = entry.textAfter, state.progress >= after { return later }
        return entry.text
    }

    /// Applies the fixture's modifiers (or the catalog's generic effect):
    /// a dose with its effect and its pull on the disease's pace, lasting
    /// complications, immediate jumps in progression. Returns any note.
    private mutating func applyModifiers(for action: CatalogAction) -> String? {
        let earlier = state.actions.dropLast()
        func takenBefore(_ id: String) -> Bool { earlier.contains { $0.actionID == id } }
        let applicable = fixture.modifiers(for: action.id).filter { modifier in
            if let unless = modifier.unlessAfter, unless.contains(where: takenBefore) { return false }
            if let only = modifier.onlyAfter, !only.contains(where: takenBefore) { return false }
            return true
        }
        var notes: [String] = []
        var effect = action.effects ?? VitalsOffset()
        var multiplier: Double?
        var add: Double?
        for modifier in applicable {
            if let factor = modifier.rateMultiplier { multiplier = (multiplier ?? 1) * factor }
            if let delta = modifier.rateAdd { add = (add ?? 0) + delta }
            if let delta = modifier.progressDelta {
                state.progress = min(max(state.progress + delta, 0), fixture.course.deathAtProgress)
            }
            if let vitals = modifier.vitals {
                if modifier.persistent == true { state.offsets = state.offsets.adding(vitals) } else { effect = vitals }
            }
            if modifier.definitive == true { state.definitive = true }
            if let note = modifier.note { notes.append(note) }
        }
        if action.pk != nil || multiplier != nil || add != nil || (action.kind == .medication && !effect.isEmpty) {
            state.doses.append(Dose(action: action.id, minute: state.minute, effect: effect,
                                    rateMultiplier: multiplier, rateAdd: add, catalog: catalog))
        }
        refreshVitals()
        return notes.isEmpty ? nil : notes.joined(separator: " ")
    }

    /// Recomputes the bedside vitals at the current minute.
    mutating func refreshVitals() {
        guard state.alive else { return }
        let drugs = DrugEffects.at(state.minute, doses: state.doses, catalog: catalog)
        state.vitals = physiology.vitals(progress: state.progress, complications: Vitals(state.offsets), drugs: drugs,
                                         glucose: labValue("glucose"), minute: state.minute)
    }

    /// Runs the clock minute by minute: progression, drug effects, the
    /// body's answer, arrest, findings, alerts, results.
    mutating func advance(minutes: Int, events: inout [EnvironmentEvent]) {
        deliverResults(upTo: state.minute, events: &events)
        let complications = Vitals(state.offsets)  // lasting complications change only when an action is taken
        let baseGlucose = fixture.lab("glucose"), basePotassium = fixture.lab("potassium")
        for _ in 0..<minutes {
            guard state.alive else { break }
            state.minute += 1
            let drugs = DrugEffects.at(state.minute, doses: state.doses, catalog: catalog)
            if !state.definitive {
                let rate = physiology.rate(drugs: drugs, vitals: state.vitals)
                state.progress = min(max(state.progress + rate, 0), fixture.course.deathAtProgress)
            }
            if state.progress >= fixture.course.deathAtProgress {
                die(ArrestCause(text: "\(fixture.truth.name) ran its course", iatrogenic: false), events: &events)
                break
            }
            let potassium = labValue("potassium"), glucose = labValue("glucose")
            let noise = physiology.noise(at: state.minute)
            let vitals = physiology.vitals(progress: state.progress, complications: complications, drugs: drugs,
                                           glucose: glucose, minute: state.minute, noise: noise)
            let untreated = physiology.vitals(progress: state.progress, complications: complications, drugs: DrugEffects(),
                                              glucose: baseGlucose,
                                              minute: state.minute, noise: noise)
            state.vitals = vitals
            state.injury.record(vitals, untreated: untreated, drugs: drugs)
            let movedLabs = potassium != basePotassium || glucose != baseGlucose
            let hazards = ArrestRules.hazards(vitals, untreated: untreated, injury: state.injury, potassium: potassium,
                                              glucose: glucose, labsMovedByDrugs: movedLabs)
            if let cause = ArrestRules.check(hazards, draw: physiology.arrestDraw(at: state.minute)) {
                die(cause, events: &events)
                break
            }
            for finding in fixture.course.findings
            where finding.atProgress <= state.progress && !state.firedAlerts.contains(finding.id) {
                state.firedAlerts.append(finding.id)
                state.symptoms.append(finding.symptom)
                events.append(EnvironmentEvent(minute: state.minute, kind: .alert, text: finding.alert))
            }
            for alert in AlertRules.check(state.vitals, arrival: state.arrivalVitals, skipping: state.firedAlerts)
            where !state.firedAlerts.contains(alert.id) {
                state.firedAlerts.append(alert.id)
                events.append(EnvironmentEvent(minute: state.minute, kind: .alert, text: alert.text))
            }
            deliverResults(upTo: state.minute, events: &events)
        }
    }

    private mutating func die(_ cause: ArrestCause, events: inout [EnvironmentEvent]) {
        state.deathMinute = state.minute
        state.deathCause = cause
        state.status = .died
        state.vitals = Physiology.arrest
        events.append(EnvironmentEvent(minute: state.minute, kind: .alert, text: "cardiac arrest: no pulse (\(cause.text))"))
    }

    private mutating func deliverResults(upTo minute: Int, events: inout [EnvironmentEvent]) {
        while let index = state.pending.firstIndex(where: { $0.dueAt <= minute }) {
            let order = state.pending.remove(at: index)
            state.results.append(ResultRecord(actionID: order.actionID, step: order.step, orderedAt: order.orderedAt, minute: minute))
            let text = resultText(for: order.actionID)
            events.append(EnvironmentEvent(minute: minute, kind: .resultArrived, action: order.actionID, text: text,
                                           orderedAt: order.orderedAt))
        }
    }

    func resultText(for actionID: String) -> String {
        if let result = fixture.results.first(where: { $0.action == actionID }) { return result.text }
        return catalog[actionID]?.normalResult ?? "Within normal limits."
    }

    /// Builds the observation from this step's events.
    func makeObservation(response: String?, events: [EnvironmentEvent]) -> Observation {
        let results = events.filter { $0.kind == .resultArrived }.map { event in
            ArrivedResult(action: event.action ?? "", name: catalog[event.action ?? ""]?.name ?? "",
                          text: event.text ?? "", orderedAt: event.orderedAt ?? event.minute, arrivedAt: event.minute)
        }
        return Observation(
            fixtureID: nil, step: state.step, minute: state.minute, presentation: nil,
            vitals: state.vitals.observed, symptoms: state.symptoms, response: response,
            alerts: events.filter { $0.kind == .alert }.compactMap(\.text),
            results: results,
            warnings: events.filter { $0.kind == .warning }.compactMap(\.text),
            pending: state.pending.map { catalog[$0.actionID]?.name ?? $0.actionID },
            terminated: state.status == .disposed || state.status == .died,
            truncated: state.status == .truncated, endReason: endReason)
    }
}
