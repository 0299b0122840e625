extension Environment {
    /// The immediate answer to an action, and its effect on the patient.
    mutating func respond(to action: CatalogAction, at minute: Int, events: inout [EnvironmentEvent]) -> String? {
        var response: String?
        switch action.kind {
        case .interview:
            response = interviewAnswer(action)
        case .exam:
            response = examFinding(action)
        case .lab, .ecg, .imaging:
            let due = minute + (action.turnaroundMin ?? 0)
            state.pending.append(PendingOrder(actionID: action.id, step: state.step, orderedAt: minute, dueAt: due))
            events.append(EnvironmentEvent(minute: minute, kind: .orderPlaced, action: action.id,
                                           text: "\(action.name) ordered; result expected at minute \(due)"))
            response = "\(action.name) ordered."
        case .medication, .procedure:
            response = "\(action.name): done."
        case .consult:
            response = action.normalResult ?? "Consult requested."
        case .communication, .documentation:
            response = "\(action.name): done."
        case .disposition:
            response = "Patient dispositioned: \(action.name)."
        }
        if let note = applyModifiers(for: action) { response = [response, note].compactMap { $0 }.joined(separator: " ") }
        if let response, action.kind != .lab, action.kind != .ecg, action.kind != .imaging {
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

    /// Applies the fixture's modifiers (or the catalog's generic effect) and
    /// returns any note to show.
    private mutating func applyModifiers(for action: CatalogAction) -> String? {
        let earlier = Set(state.actions.dropLast().map(\.actionID))
        let applicable = fixture.modifiers(for: action.id).filter { modifier in
            if let unless = modifier.unlessAfter, unless.contains(where: earlier.contains) { return false }
            if let only = modifier.onlyAfter, !only.contains(where: earlier.contains) { return false }
            return true
        }
        var notes: [String] = []
        var vitalsOverridden = false
        for modifier in applicable {
            if let factor = modifier.rateMultiplier { state.rateFactor *= factor }
            if let add = modifier.rateAdd { state.rateAdd += add }
            if let delta = modifier.progressDelta {
                state.progress = min(max(state.progress + delta, 0), fixture.course.deathAtProgress)
            }
            if let vitals = modifier.vitals {
                state.offsets = state.offsets.adding(vitals)
                vitalsOverridden = true
            }
            if modifier.definitive == true { state.definitive = true }
            if let note = modifier.note { notes.append(note) }
        }
        if !vitalsOverridden, let generic = action.effects { state.offsets = state.offsets.adding(generic) }
        state.vitals = physiology.vitals(progress: state.progress, offsets: state.offsets, minute: state.minute)
        return notes.isEmpty ? nil : notes.joined(separator: " ")
    }

    /// Runs the clock minute by minute: progression, findings, alerts,
    /// results, death.
    mutating func advance(minutes: Int, events: inout [EnvironmentEvent]) {
        deliverResults(upTo: state.minute, events: &events)
        for _ in 0..<minutes {
            guard state.alive else { break }
            state.minute += 1
            if !state.definitive {
                let rate = physiology.rate(factor: state.rateFactor, add: state.rateAdd)
                state.progress = min(max(state.progress + rate, 0), fixture.course.deathAtProgress)
            }
            if state.progress >= fixture.course.deathAtProgress {
                state.deathMinute = state.minute
                state.status = .died
                state.vitals = Physiology.arrest
                events.append(EnvironmentEvent(minute: state.minute, kind: .alert, text: "cardiac arrest: no pulse"))
                break
            }
            state.vitals = physiology.vitals(progress: state.progress, offsets: state.offsets, minute: state.minute)
            for finding in fixture.course.findings
            where finding.atProgress <= state.progress && !state.firedAlerts.contains(finding.id) {
                state.firedAlerts.append(finding.id)
                state.symptoms.append(finding.symptom)
                events.append(EnvironmentEvent(minute: state.minute, kind: .alert, text: finding.alert))
            }
            for alert in AlertRules.check(state.vitals, arrival: state.arrivalVitals)
            where !state.firedAlerts.contains(alert.id) {
                state.firedAlerts.append(alert.id)
                events.append(EnvironmentEvent(minute: state.minute, kind: .alert, text: alert.text))
            }
            deliverResults(upTo: state.minute, events: &events)
        }
    }

    private mutating func deliverResults(upTo minute: Int, events: inout [EnvironmentEvent]) {
        while let index = state.pending.firstIndex(where: { $0.dueAt <= minute }) {
            let order = state.pending.remove(at: index)
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
            fixtureID: fixture.id, step: state.step, minute: state.minute, presentation: nil,
            vitals: state.vitals.observed, symptoms: state.symptoms, response: response,
            alerts: events.filter { $0.kind == .alert }.compactMap(\.text),
            results: results,
            warnings: events.filter { $0.kind == .warning }.compactMap(\.text),
            pending: state.pending.map { catalog[$0.actionID]?.name ?? $0.actionID },
            terminated: state.status == .disposed || state.status == .died,
            truncated: state.status == .truncated, endReason: endReason)
    }
}
