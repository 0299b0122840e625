extension Environment {
    /// The immediate answer to an action, and its effect on the patient.
    mutating func respond(to action: CatalogAction, at minute: Int, events: inout [EnvironmentEvent]) -> String? {
        var response: String?
        if let arrest = state.arrest, action.kind == .interview || action.kind == .exam {
            response =
                action.kind == .interview
                ? "No answer: the patient is unresponsive, in cardiac arrest."
                : "Unresponsive, not breathing, no central pulse; the monitor shows \(arrest.rhythm.name)."
            events.append(EnvironmentEvent(minute: minute, kind: .response, action: action.id, text: response))
            return response
        }
        switch action.kind {
        case .interview:
            response = interviewAnswer(action)
        case .exam:
            response = examFinding(action)
        case .lab, .ecg, .imaging, .consult:
            let due = minute + (action.turnaroundMin ?? 0)
            var sample = action.kind == .consult ? nil : resultText(for: action.id)
            if let arrest = state.arrest, action.kind == .ecg {
                sample = "Rhythm strip during CPR: \(arrest.rhythm.name); no pulse."
            }
            state.pending.append(PendingOrder(actionID: action.id, step: state.step, orderedAt: minute, dueAt: due, text: sample))
            let what = action.kind == .consult ? "paged; expected at the bedside at minute \(due)" : "ordered; result expected at minute \(due)"
            events.append(EnvironmentEvent(minute: minute, kind: .orderPlaced, action: action.id, text: "\(action.name) \(what)"))
            response = action.kind == .consult ? "\(action.name) paged." : "\(action.name) ordered."
        case .medication where needsAccess(action):
            // Nothing is given, charged or credited: the refusal names what is missing and the action that supplies it.
            if let record = state.actions.popLast() { state.notCarriedOut.append(record) }
            state.totalCost -= action.cost
            response =
                "\(action.name) not given: it is an intravenous drug and the patient has no IV access yet (missing: iv_access). Place IV access first ('IV access'), then give it."
            events.append(EnvironmentEvent(minute: minute, kind: .response, action: action.id, text: response))
            return response
        case .medication, .procedure:
            response = "\(action.name): done."
            if action.id == "intubation" { state.ventilated = true }
        case .communication, .documentation:
            response = hospitalAnswer(to: action) ?? "\(action.name): done."
        case .disposition:
            if let refusal = dispositionRefusal(action, at: minute) {
                response = refusal
            } else {
                if action.id == "transfer", let charge = unsafeTransferCharge {
                    state.warnings.append(
                        WarningRecord(
                            step: state.step, minute: minute, actionID: action.id, reason: charge.reason,
                            source: Environment.transferSource, kind: .danger, points: charge.points,
                            severity: charge.severity))
                    events.append(
                        EnvironmentEvent(
                            minute: minute, kind: .warning, action: action.id,
                            text: "\(action.name): \(charge.severity >= .high ? "unsafe" : "inappropriate"), \(charge.reason)"))
                }
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
            state.doses.append(
                Dose(
                    action: action.id, minute: state.minute, effect: effect,
                    rateMultiplier: multiplier, rateAdd: add, catalog: catalog))
        }
        if let profile = action.pk { applyDoseChemistry(profile) }
        refreshVitals()
        return notes.isEmpty ? nil : notes.joined(separator: " ")
    }

    /// What a dose does to the chemistry when it is given: its `per_dose`
    /// lab effects, sodium by the infusate's tonicity (Adrogué–Madias),
    /// haemoglobin and glucose diluted by crystalloid, and in a haemorrhage
    /// the volume blood restores (GENERIC-RULES §1.5, §1.6, §3.2).
    private mutating func applyDoseChemistry(_ profile: DrugProfile) {
        for effect in profile.labs ?? [] {
            if let change = effect.perDose {
                var c = state.chemistry
                if effect.lab == "sodium" {
                    c.correctedSodium += change
                } else {
                    c.set(effect.lab, (c.value(effect.lab, rr: state.vitals.rr, ventilated: state.ventilated) ?? 0) + change)
                }
                state.chemistry = c
            }
        }
        let volume = profile.volumeMlPerKg ?? 0
        guard volume > 0 else { return }
        let litres = volume * fixture.patient.weightKg / 1000
        let water = 0.6 * fixture.patient.weightKg
        if let infusate = profile.sodiumMmolPerL {
            state.chemistry.correctedSodium += (infusate - state.chemistry.sodium) * litres / (water + 1)
        }
        if profile.drugClass == "crystalloid" {
            // A third of each crystalloid litre stays in the vessels: Hb dilutes; a high glucose falls with it.
            state.chemistry.hemoglobin *= 1 - (volume / 3) / 70
            if state.chemistry.glucose > 180 { state.chemistry.glucose -= 0.04 * (state.chemistry.glucose - 100) * volume / 10 }
        }
        if profile.drugClass == "blood", physiology.pace.haemorrhage {
            state.progress = max(state.progress - volume * DiseasePace.progressPerBloodMlPerKg, 0)
        }
    }

    /// Recomputes the bedside vitals at the current minute.
    mutating func refreshVitals() {
        guard state.alive else { return }
        guard state.arrest == nil else {
            state.vitals = Physiology.arrest
            return
        }
        let drugs = DrugEffects.at(state.minute, doses: state.doses, catalog: catalog)
        state.vitals = physiology.vitals(
            progress: state.progress, complications: Vitals(state.offsets), drugs: drugs,
            chemistry: state.chemistry, ventilated: state.ventilated, minute: state.minute)
    }

    /// Runs the clock minute by minute: progression, drug effects, the
    /// body's answer, arrest, findings, alerts, results.
    mutating func advance(minutes: Int, events: inout [EnvironmentEvent]) {
        deliverResults(upTo: state.minute, events: &events)
        let complications = Vitals(state.offsets)  // lasting complications change only when an action is taken
        let bleeding = physiology.pace.haemorrhage
        let drift: [(lab: ChemistryLab, perHour: Double)] = fixture.labs.compactMap { lab in
            guard let perHour = lab.perHour, let index = ChemistryLab(name: lab.name) else { return nil }
            return (index, perHour)
        }
        let targets = fixture.answerKey.items.filter { item in
            item.target != nil && !state.targetsReached.contains { $0.item == item.id }
        }
        let span = max(fixture.course.deathAtProgress - fixture.course.startProgress, 0.01)
        let arrival = arrivalChemistry
        // Which labs treatment has moved: an arrest from them is the treatment's, not the disease's.
        // (Potassium by direction: only a rise makes a hyperkalaemic arrest the treatment's, only a fall a hypokalaemic one.)
        var moved = (potassium: false, glucose: false, ph: state.ventilated)
        var potassiumDirection = (up: false, down: false)
        for dose in state.doses {
            for effect in dose.resolution(catalog).labs {
                switch effect.lab {
                case "potassium":
                    moved.potassium = true
                    if (effect.perDose ?? effect.perHour ?? 0) > 0 { potassiumDirection.up = true } else { potassiumDirection.down = true }
                case "glucose": moved.glucose = true
                case "bicarbonate": moved.ph = true
                default: break
                }
            }
        }
        for _ in 0..<minutes {
            guard state.alive else { break }
            if state.arrest != nil {
                advanceArrest(events: &events)
                deliverResults(upTo: state.minute, events: &events)
                continue
            }
            state.minute += 1
            let drugs = DrugEffects.at(state.minute, doses: state.doses, catalog: catalog)
            if !state.definitive {
                let rate = physiology.rate(drugs: drugs, vitals: state.vitals)
                state.progress = min(max(state.progress + rate, 0), fixture.course.deathAtProgress)
            }
            if state.progress >= fixture.course.deathAtProgress {
                arrest(ArrestCause(text: "\(fixture.truth.name) ran its course", iatrogenic: false), events: &events)
                // The alarm interrupts whatever was under way: the team answers the arrest now.
                if state.alive { deliverResults(upTo: state.minute, events: &events) }
                break
            }
            let v = state.vitals
            // PALS hypotension in a child: SBP < 70 + 2 × age, 90 from ten years.
            let hypoperfused =
                fixture.patient.age < 16
                ? v.sbp < min(70 + 2 * Double(fixture.patient.age), 90)
                : v.map < 65 || v.shockIndex >= 1
            let loss = bleeding ? 0.45 * max(state.progress - fixture.course.startProgress, 0) / span : 0
            ChemistryStep(
                drugRates: drugs.labRates, hypoperfused: hypoperfused, map: state.vitals.map, drift: drift, bloodLoss: loss,
                baselineHemoglobin: arrival.hemoglobin, baselineLactate: min(arrival.lactate, 1.5)
            )
            .apply(to: &state.chemistry)
            let chemistry = state.chemistry
            let noise = physiology.noise(at: state.minute)
            let vitals = physiology.vitals(
                progress: state.progress, complications: complications, drugs: drugs,
                chemistry: chemistry, ventilated: state.ventilated, minute: state.minute, noise: noise)
            let untreated = physiology.vitals(
                progress: state.progress, complications: complications, drugs: DrugEffects(),
                chemistry: chemistry, ventilated: false, minute: state.minute, noise: noise)
            state.vitals = vitals
            state.injury.record(vitals, untreated: untreated, drugs: drugs)
            if !targets.isEmpty { recordTargets(targets) }
            let hazards = ArrestRules.hazards(
                vitals, untreated: untreated, injury: state.injury,
                potassium: chemistry.potassium, glucose: chemistry.glucose,
                ph: chemistry.ph(rr: vitals.rr, ventilated: state.ventilated),
                moved: moved, potassiumDirection: potassiumDirection,
                membraneStabilised: chemistry.potassium > 6.5 && stabilised(at: state.minute))
            if let cause = ArrestRules.check(hazards, draw: physiology.arrestDraw(at: state.minute)) {
                arrest(cause, events: &events)
                if state.alive { deliverResults(upTo: state.minute, events: &events) }
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

    /// Calcium on board: the myocardial membrane is stabilised against potassium (GENERIC-RULES §1.1).
    private func stabilised(at minute: Int) -> Bool {
        DrugEffects.activeClasses(at: minute, doses: state.doses, catalog: catalog).contains("calcium")
    }

    mutating func die(_ cause: ArrestCause, events: inout [EnvironmentEvent]) {
        state.arrest = nil
        state.deathMinute = state.minute
        state.deathCause = cause
        state.status = .died
        state.vitals = Physiology.arrest
        events.append(EnvironmentEvent(minute: state.minute, kind: .alert, text: "cardiac arrest: no pulse (\(cause.text))"))
    }

    private mutating func deliverResults(upTo minute: Int, events: inout [EnvironmentEvent]) {
        while let index = state.pending.firstIndex(where: { $0.dueAt <= minute }) {
            let order = state.pending.remove(at: index)
            let text = order.text ?? consultNote(for: order.actionID, arrivingAt: minute)
            state.results.append(ResultRecord(actionID: order.actionID, step: order.step, orderedAt: order.orderedAt, minute: minute))
            events.append(
                EnvironmentEvent(
                    minute: minute, kind: .resultArrived, action: order.actionID, text: text,
                    orderedAt: order.orderedAt))
        }
    }

    /// The result of an order drawn now: the fixture's text (or the
    /// catalog's normal one) with its lab placeholders read from the
    /// chemistry at this minute.
    func resultText(for actionID: String) -> String {
        let template =
            fixture.results.first(where: { $0.action == actionID })?.text
            ?? catalog[actionID]?.normalResult ?? "Within normal limits."
        return ResultTemplate.render(template, chemistry: state.chemistry, rr: state.vitals.rr, ventilated: state.ventilated)
    }

    /// What a consultant writes on arrival: never a result that has not
    /// arrived (the fixture's `text_unconfirmed` until the confirming result is in).
    func consultNote(for actionID: String, arrivingAt minute: Int) -> String {
        if let result = fixture.results.first(where: { $0.action == actionID }), let before = result.textUnconfirmed,
            !state.resulted(fixture.answerKey.outcome.confirms, by: minute)
        {
            return before
        }
        return resultText(for: actionID)
    }

    /// Records the first minute each answer-key target (of `items`, not yet reached) holds.
    mutating func recordTargets(_ items: [KeyItem]) {
        var context: SafetyContext?
        for index in items.indices where items[index].target != nil {  // (read in place: most items have no target)
            let item = items[index]
            guard let target = item.target, !state.targetsReached.contains(where: { $0.item == item.id }) else { continue }
            // A target counts once one of its actions is on board, not when noise passes through the range first.
            if !item.actions.isEmpty, !state.actions.contains(where: { item.actions.contains($0.actionID) }) { continue }
            // Vital-sign targets are read first and cheaply; the full context only when they hold.
            if target.contains(where: { $0.vital != nil && !$0.holds(vitalsOnly: state.vitals) }) { continue }
            if context == nil { context = safetyContext }
            if let context, target.allSatisfy({ $0.holds(in: context) }) {
                state.targetsReached.append(TargetReached(item: item.id, minute: state.minute))
            }
        }
    }

    /// Builds the observation from this step's events.
    func makeObservation(response: String?, events: [EnvironmentEvent]) -> Observation {
        let results = events.filter { $0.kind == .resultArrived }.map { event in
            ArrivedResult(
                action: event.action ?? "", name: catalog[event.action ?? ""]?.name ?? "",
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
