/// Scores a finished (or stopped) episode against its fixture's answer key.
///
/// A pure function of the episode state (which holds the whole action
/// history with minutes and vitals, the results that arrived, the doses and
/// the injury record) and the answer key: re-scoring the same trajectory
/// with the same key always gives the same card.
public struct Scorer: Sendable {
    public let fixture: Fixture
    public let catalog: ActionCatalog
    /// Whether answer-key items say what earned or lost their points (`detail`). Off for a
    /// step's potential, which needs the points only (a server scores every step): the points,
    /// composite, outcome and harm level are the same either way.
    public var details = true

    /// Each dimension's most points under this key, in ``ScoreDimension/allCases`` order.
    private var maxima: [Double] = []

    public init(fixture: Fixture, catalog: ActionCatalog) {
        self.fixture = fixture
        self.catalog = catalog
        maxima = ScoreDimension.allCases.map(maxPoints)
    }

    public func score(_ state: EpisodeState) -> ScoreCard {
        var memo = ScoreMemo()
        return score(state, memo: &memo)
    }

    /// The card of `state`, re-reading only the answer-key items `memo` has not seen decided; the
    /// card is the one ``score(_:)`` gives. `memo` belongs to one episode, scored as it moves
    /// forward (each state's actions extend the last one's); a state with fewer actions starts it afresh.
    public func score(_ state: EpisodeState, memo: inout ScoreMemo) -> ScoreCard {
        let key = fixture.answerKey
        if !memo.started || state.actions.count < memo.actions || memo.details != details {
            memo = ScoreMemo(items: key.items.count, harms: key.harmful.count, details: details)
        }
        let fate = FateJudge(rule: key.postEd).judge(state)
        var items: [ScoreItem] = []
        var worstHarm = HarmLevel.none
        items.append(survival(state, fate: fate))
        let (dispositionItem, unsafe) = disposition(state)
        items.append(dispositionItem)
        if let unsafe {
            items.append(unsafe.0)
            worstHarm = max(worstHarm, unsafe.1)
        }
        // What changed since the memo's last score: the actions taken since (usually one). Where each
        // action was taken is looked up once rather than by every item, in the memo's table; each harm
        // item's offending actions are counted as they come.
        let new = memo.actions..<state.actions.count
        for index in new {
            memo.taken[state.actions[index].actionID, default: []].append(index)
            for harm in key.harmful.indices where key.harmful[harm].offends(state.actions[index], after: state.actions[..<index]) {
                memo.harmHits[harm].count += 1
                if memo.harmHits[harm].first == nil { memo.harmHits[harm].first = index }
            }
        }
        memo.actions = state.actions.count
        let taken = memo.taken
        for index in key.items.indices {
            // A key item is scored from where its actions were taken (and what came before each): unchanged
            // unless one of them was taken since. A target item is kept once decided.
            if let cached = memo.keyItems[index],
                cached.final || (key.items[index].target == nil && !new.contains { key.items[index].actions.contains(state.actions[$0].actionID) })
            {
                items.append(cached.item)
                continue
            }
            let (item, decided) = keyItem(key.items[index], state, taken: taken)
            items.append(item)
            memo.keyItems[index] = ScoreMemo.Cached(item: item, final: decided)
        }
        for index in key.harmful.indices {
            if let scored = harmItem(key.harmful[index], state, hits: memo.harmHits[index]) {
                items.append(scored)
                worstHarm = max(worstHarm, key.harmful[index].severity)
            }
        }
        for (item, level) in IatrogenicHarm.items(state, catalog: catalog) {
            items.append(item)
            worstHarm = max(worstHarm, level)
        }
        let outcome: String
        if !state.alive {
            outcome = "death"
            worstHarm = .critical
        } else if caught(state) {
            outcome = key.outcome.caught
        } else if state.disposition == nil, state.resulted(key.outcome.confirms, by: state.minute) {
            outcome = key.outcome.confirmed
        } else {
            outcome = key.outcome.missed
            worstHarm = max(worstHarm, key.outcome.missedHarm)
        }
        // Cheap and fast never pay for unsafe or unfinished care: nothing when a
        // lethal diagnosis is missed, the disposition is unsafe, the patient
        // died or the encounter ended without a disposition; half when the care
        // did high or critical harm.
        let safety: (factor: Double, why: String?)
        if !state.alive {
            safety = (0, "the patient died")
        } else if outcome == key.outcome.missed, key.outcome.missedHarm >= .high {
            safety = (0, "a lethal diagnosis was missed")
        } else if unsafe != nil || state.warnings.contains(where: { $0.actionID == state.disposition && $0.kind == .danger && $0.severity >= .high }) {
            safety = (0, "the disposition was unsafe")
        } else if worstHarm >= .high {
            safety = (0.5, "care did \(worstHarm.rawValue) harm")
        } else if state.disposition == nil, !state.isRunning {
            // An encounter left without a disposition (the agent stopped, or ran out of time or actions) was
            // never seen through: spending nothing on a patient nobody saw is not cheap care.
            safety = (0, "no disposition: the encounter was never seen through")
        } else {
            safety = (1, nil)
        }
        items.append(cost(state, safety: safety))
        items.append(efficiency(state, safety: safety, taken: taken))

        // One pass, reading two fields of each item in place (a `for item in items` loop copies every
        // item's strings once per dimension: the most of a score's cost, and a score is taken every step).
        let all = ScoreDimension.allCases
        var totals = [Double](repeating: 0, count: all.count)
        for index in items.indices {
            totals[all.firstIndex(of: items[index].dimension)!] += items[index].points
        }
        let dimensions = all.indices.map { position in
            DimensionScore(dimension: all[position], points: round2(totals[position]), max: maxima[position])
        }
        return ScoreCard(
            fixtureID: fixture.id, outcome: outcome, outcomeText: details ? outcomeText(outcome) : nil, harmLevel: worstHarm,
            composite: round2(dimensions.reduce(0) { $0 + $1.points }), dimensions: dimensions, items: items,
            fate: fate, abandoned: state.abandoned)
    }

    /// Caught means what a clinician means: the confirming result had
    /// arrived, and the patient went where that diagnosis is treated.
    func caught(_ state: EpisodeState) -> Bool {
        let key = fixture.answerKey
        guard state.resulted(key.outcome.confirms, by: state.minute), let chosen = state.disposition else { return false }
        // Sent somewhere unsafe (an unstable transfer for an in-house service) is not care consistent with the diagnosis.
        if state.warnings.contains(where: { $0.actionID == chosen && $0.kind == .danger && $0.severity >= .high }) { return false }
        return key.disposition.accepted.contains(chosen) || key.disposition.partial.contains { $0.actions.contains(chosen) }
    }

    /// "missed acute type A aortic dissection".
    func outcomeText(_ outcome: String) -> String {
        let key = fixture.answerKey.outcome
        switch outcome {
        case key.caught: return "caught: \(fixture.truth.name) confirmed and sent for its treatment"
        case key.missed: return "missed: \(fixture.truth.name) not confirmed, or not acted on"
        case key.confirmed: return "confirmed: \(fixture.truth.name) shown, but the patient was still in the ED when time ran out"
        default: return "death in the ED"
        }
    }

    /// The most a dimension can give under this answer key.
    public func maxPoints(_ dimension: ScoreDimension) -> Double {
        let key = fixture.answerKey
        switch dimension {
        case .survival: return key.survival.points
        case .disposition: return key.disposition.points
        case .cost: return key.cost.points
        case .efficiency: return key.efficiency.points
        case .harm: return 0
        default:
            var total = 0.0
            for index in key.items.indices where key.items[index].dimension == dimension { total += key.items[index].points }
            return total
        }
    }

    private func survival(_ state: EpisodeState, fate: PatientFate) -> ScoreItem {
        let rule = fixture.answerKey.survival
        let alive = 1 - fate.mortality
        var detail = ""
        if !details {
            // (the points only: a step's potential)
        } else if fate.status == .diedInED {
            detail = fate.description
        } else {
            detail =
                "\(fate.description): \(Int((alive * 100).rounded())) % alive at \(fate.horizonDays) days"
                + (fate.notes.isEmpty ? "" : " (" + fate.notes.joined(separator: "; ") + ")")
                + "; this seed's draw: \(fate.status.rawValue)"
        }
        return ScoreItem(
            dimension: .survival, key: "survival", description: details ? "expected survival to \(fate.horizonDays) days after the ED" : "",
            points: round2(rule.points * alive), detail: detail, source: rule.source)
    }

    private func disposition(_ state: EpisodeState) -> (ScoreItem, (ScoreItem, HarmLevel)?) {
        let rule = fixture.answerKey.disposition
        let chosen = state.disposition
        var points = 0.0
        var unsafe: (ScoreItem, HarmLevel)?
        var detail = details ? chosen.map { "disposition \($0)" } ?? "no disposition (\(state.status.rawValue))" : ""
        if chosen == nil, !state.isRunning, state.alive {
            // The encounter ended (the agent stopped, or time or actions ran out) with the patient still
            // waiting: never assessed through to a decision, the ED's "left without being seen". It costs the
            // disposition's whole weight, so that doing nothing never scores above care seen through.
            points = -rule.points
        }
        if let chosen {
            if rule.accepted.contains(chosen) {
                points = rule.points
            } else if let partial = rule.partial.first(where: { $0.actions.contains(chosen) }) {
                points = partial.points
                if details { detail += " (partially appropriate)" }
            } else if let harmful = rule.harmful.first(where: { $0.actions.contains(chosen) }) {
                if details { detail += " (unsafe: scored under harm)" }
                let level = harmful.severity ?? .high
                unsafe = (
                    ScoreItem(
                        dimension: .harm, key: "unsafe_disposition", description: "unsafe disposition for \(fixture.truth.name)",
                        points: harmful.points, detail: "disposition \(chosen)", source: rule.source), level
                )
            } else if details {
                detail += " (expected \(rule.accepted.joined(separator: " or ")))"
            }
        }
        let item = ScoreItem(
            dimension: .disposition, key: "disposition",
            description: details ? "disposition: \(rule.accepted.joined(separator: " or "))" : "",
            points: points, detail: detail, source: rule.source)
        return (item, unsafe)
    }

    /// A key item's score, and whether it is decided: earned (fully or late) by an action whose
    /// standing nothing later can change (what blocks it or it requires comes before it).
    private func keyItem(_ item: KeyItem, _ state: EpisodeState, taken: [String: [Int]]) -> (ScoreItem, decided: Bool) {
        if item.target != nil { return targetItem(item, state) }
        // The item's actions as taken, in the order taken (each position holds one action id).
        var positions: [Int]
        if item.actions.count == 1 {
            positions = taken[item.actions[0]] ?? []
        } else {
            positions = []
            for id in item.actions { positions += taken[id] ?? [] }
            positions.sort()
            positions.removeAdjacentDuplicates()  // (an id named twice)
        }
        var blocked: String?
        var outOfOrder: String?
        var record: ActionRecord?
        for position in positions {
            let candidate = state.actions[position]
            if let before = item.before, let blocker = state.first(of: before), blocker.step < candidate.step {
                blocked = details ? "\(candidate.actionID) at step \(candidate.step), after \(blocker.actionID) at step \(blocker.step)" : ""
                continue
            }
            if let missing = item.requires?.unmet(in: state, step: candidate.step, minute: candidate.minute) {
                outOfOrder = outOfOrder ?? (details ? "\(candidate.actionID) at step \(candidate.step) before \(missing)" : "")
                continue
            }
            record = candidate
            break
        }
        var points = item.missedPoints ?? 0
        var detail = blocked ?? "not done"
        if let record {
            if details { detail = "\(record.actionID) at step \(record.step), minute \(record.minute)" }
            if let deadline = item.deadlineMin, record.minute > deadline {
                points = item.points * (item.lateFraction ?? 0.5)
                if details { detail += " (late: deadline \(deadline) min)" }
            } else {
                points = item.points
            }
        } else if let outOfOrder, blocked == nil {
            points = item.outOfOrderPoints ?? 0
            if details { detail = "out of order: \(outOfOrder)" }
        }
        let scored = ScoreItem(
            dimension: item.dimension, key: item.id, description: item.description,
            points: round2(points), detail: detail, source: item.source)
        return (scored, record != nil)
    }

    /// A target item: met at the first minute its state held, after one of its actions was given.
    private func targetItem(_ item: KeyItem, _ state: EpisodeState) -> (ScoreItem, decided: Bool) {
        var points = item.missedPoints ?? 0
        var detail = ""
        var decided = false
        if let reached = state.targetsReached.first(where: { $0.item == item.id }) {
            let given = state.actions.first { item.actions.contains($0.actionID) && $0.minute <= reached.minute }
            if item.actions.isEmpty || given != nil {
                decided = true
                let when =
                    details ? "target reached at minute \(reached.minute)" + (given.map { " after \($0.actionID) at step \($0.step)" } ?? "") : ""
                if let deadline = item.deadlineMin, reached.minute > deadline {
                    points = item.points * (item.lateFraction ?? 0.5)
                    if details { detail = when + " (late: deadline \(deadline) min)" }
                } else {
                    points = item.points
                    detail = when
                }
            } else if details {
                detail = "reached at minute \(reached.minute) without \(item.actions.joined(separator: " or "))"
            }
        } else if details {
            detail = "target not reached (" + (item.target ?? []).map(\.summary).joined(separator: "; ") + ")"
        }
        let scored = ScoreItem(
            dimension: item.dimension, key: item.id, description: item.description,
            points: round2(points), detail: detail, source: item.source)
        return (scored, decided)
    }

    /// A harm item, when its offending actions (counted in `hits`) reach its count.
    private func harmItem(_ harm: HarmItem, _ state: EpisodeState, hits: ScoreMemo.HarmHits) -> ScoreItem? {
        guard hits.count >= (harm.minCount ?? 1), let index = hits.first else { return nil }
        let first = state.actions[index]
        return ScoreItem(
            dimension: .harm, key: harm.id, description: harm.description, points: harm.points,
            detail: details ? "\(first.actionID) at step \(first.step), minute \(first.minute)" + (hits.count > 1 ? " (\(hits.count) times)" : "") : "",
            source: harm.source)
    }

    private func cost(_ state: EpisodeState, safety: (factor: Double, why: String?)) -> ScoreItem {
        let rule = fixture.answerKey.cost
        let spent = Double(state.totalCost)
        let fraction = spent <= rule.budget ? 1 : max(0, 1 - (spent - rule.budget) / (2 * rule.budget))
        return ScoreItem(
            dimension: .cost, key: "cost", description: details ? "charges within $\(Int(rule.budget))" : "",
            points: round2(rule.points * fraction * safety.factor),
            detail: details ? "charges $\(state.totalCost)" + Self.scaled(safety) : "", source: rule.source)
    }

    /// " (× 0: a lethal diagnosis was missed)" when safety scaled the points.
    static func scaled(_ safety: (factor: Double, why: String?)) -> String {
        guard let why = safety.why else { return "" }
        return " (× \(safety.factor.plain): \(why))"
    }

    private func efficiency(_ state: EpisodeState, safety: (factor: Double, why: String?), taken: [String: [Int]]) -> ScoreItem {
        let rule = fixture.answerKey.efficiency
        // Every time an action is taken again counts, unless it may be repeated. A disposition asked
        // for again was declined the first time: asking again is right, not a repeat. (A count: the
        // order the table is read in does not matter.)
        var repeats = 0
        for (id, positions) in taken where positions.count > 1 {
            let action = catalog[id]
            if action?.repeatable != true, action?.kind != .disposition { repeats += positions.count - 1 }
        }
        var points = 0.0
        var detail = "patient died"
        if state.alive, state.status == .disposed || state.status == .truncated {
            let span = Double(fixture.timeLimitMin - rule.targetMin)
            let late = Double(max(state.minute - rule.targetMin, 0))
            points = max(0, rule.points * max(0, 1 - late / span) - 0.5 * Double(repeats)) * safety.factor
            if details {
                detail =
                    "ended at minute \(state.minute) (target \(rule.targetMin))" + (repeats > 0 ? ", \(repeats) repeated actions" : "")
                    + Self.scaled(safety)
            }
        }
        return ScoreItem(
            dimension: .efficiency, key: "efficiency",
            description: details ? "definitive decision by minute \(rule.targetMin)" : "",
            points: round2(points), detail: detail, source: rule.source)
    }
}

/// Rounds to two decimals so that sums print cleanly and compare exactly.
func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

extension ObservedVitals {
    /// A field by name as a double.
    func value(_ name: String) -> Double? {
        switch name {
        case "hr": Double(hr)
        case "sbp": Double(sbp)
        case "dbp": Double(dbp)
        case "rr": Double(rr)
        case "spo2": Double(spo2)
        case "temp": temp
        case "gcs": Double(gcs)
        case "pain": Double(pain)
        default: nil
        }
    }
}
