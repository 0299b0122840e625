/// Scores a finished (or stopped) episode against its fixture's answer key.
///
/// A pure function of the episode state (which holds the whole action
/// history with minutes and vitals) and the answer key: re-scoring the same
/// trajectory with the same key always gives the same card.
public struct Scorer: Sendable {
    public let fixture: Fixture
    public let catalog: ActionCatalog

    public init(fixture: Fixture, catalog: ActionCatalog = .shipped) {
        self.fixture = fixture
        self.catalog = catalog
    }

    public func score(_ state: EpisodeState) -> ScoreCard {
        let key = fixture.answerKey
        var items: [ScoreItem] = []
        items.append(survival(state))
        items.append(disposition(state))
        for item in key.items { items.append(keyItem(item, state)) }
        var worstHarm = HarmLevel.none
        for harm in key.harmful {
            if let scored = harmItem(harm, state) {
                items.append(scored)
                worstHarm = max(worstHarm, harm.severity)
            }
        }
        items.append(cost(state))
        items.append(efficiency(state))

        let outcome: String
        if !state.alive {
            outcome = "death"
            worstHarm = .critical
        } else if state.actions.contains(where: { key.outcome.confirms.contains($0.actionID) }) {
            outcome = key.outcome.caught
        } else {
            outcome = key.outcome.missed
            worstHarm = max(worstHarm, key.outcome.missedHarm)
        }

        let dimensions = Dimension.allCases.map { dimension in
            DimensionScore(dimension: dimension,
                           points: round2(items.filter { $0.dimension == dimension }.reduce(0) { $0 + $1.points }),
                           max: maxPoints(dimension))
        }
        return ScoreCard(fixtureID: fixture.id, outcome: outcome, harmLevel: worstHarm,
                         composite: round2(dimensions.reduce(0) { $0 + $1.points }), dimensions: dimensions, items: items)
    }

    /// The most a dimension can give under this answer key.
    public func maxPoints(_ dimension: Dimension) -> Double {
        let key = fixture.answerKey
        switch dimension {
        case .survival: return key.survival.points
        case .disposition: return key.disposition.points
        case .cost: return key.cost.points
        case .efficiency: return key.efficiency.points
        case .harm: return 0
        default: return key.items.filter { $0.dimension == dimension }.reduce(0) { $0 + $1.points }
        }
    }

    private func survival(_ state: EpisodeState) -> ScoreItem {
        let rule = fixture.answerKey.survival
        let treated = rule.treatment.contains { group in group.allSatisfy(state.did) }
        let points: Double
        let detail: String
        if !state.alive {
            points = 0
            detail = "died at minute \(state.deathMinute ?? state.minute)"
        } else if treated {
            points = rule.points
            detail = "alive at minute \(state.minute) on a definitive treatment path"
        } else {
            points = rule.points * (1 - rule.untreatedMortality)
            detail = "alive at minute \(state.minute) without definitive treatment (untreated mortality \(Int((rule.untreatedMortality * 100).rounded())) %)"
        }
        return ScoreItem(dimension: .survival, key: "survival", description: "patient survives with definitive care",
                         points: round2(points), detail: detail, source: rule.source)
    }

    private func disposition(_ state: EpisodeState) -> ScoreItem {
        let rule = fixture.answerKey.disposition
        let chosen = state.disposition
        var points = 0.0
        var detail = chosen.map { "disposition \($0)" } ?? "no disposition (\(state.status.rawValue))"
        if let chosen {
            if rule.accepted.contains(chosen) {
                points = rule.points
            } else if let partial = rule.partial.first(where: { $0.actions.contains(chosen) }) {
                points = partial.points
                detail += " (partially appropriate)"
            } else if let harmful = rule.harmful.first(where: { $0.actions.contains(chosen) }) {
                points = harmful.points
                detail += " (unsafe)"
            } else {
                detail += " (expected \(rule.accepted.joined(separator: " or ")))"
            }
        }
        return ScoreItem(dimension: .disposition, key: "disposition",
                         description: "disposition: \(rule.accepted.joined(separator: " or "))",
                         points: points, detail: detail, source: rule.source)
    }

    private func keyItem(_ item: KeyItem, _ state: EpisodeState) -> ScoreItem {
        var record = state.first(of: item.actions)
        var detail: String
        if let found = record, let before = item.before, let blocker = state.first(of: before), blocker.step < found.step {
            record = nil
            detail = "\(found.actionID) at step \(found.step), after \(blocker.actionID) at step \(blocker.step)"
        } else {
            detail = "not done"
        }
        var points = item.missedPoints ?? 0
        if let record {
            detail = "\(record.actionID) at step \(record.step), minute \(record.minute)"
            if let deadline = item.deadlineMin, record.minute > deadline {
                points = item.points * (item.lateFraction ?? 0.5)
                detail += " (late: deadline \(deadline) min)"
            } else {
                points = item.points
            }
        }
        return ScoreItem(dimension: item.dimension, key: item.id, description: item.description,
                         points: round2(points), detail: detail, source: item.source)
    }

    private func harmItem(_ harm: HarmItem, _ state: EpisodeState) -> ScoreItem? {
        let offending = state.actions.enumerated().filter { index, record in
            guard harm.actions.contains(record.actionID) else { return false }
            if let unless = harm.unlessAfter, state.actions[..<index].contains(where: { unless.contains($0.actionID) }) {
                return false
            }
            if let condition = harm.when, let vital = condition.vital {
                return condition.matches(record.vitals.value(vital))
            }
            return true
        }.map(\.element)
        guard offending.count >= (harm.minCount ?? 1), let first = offending.first else { return nil }
        return ScoreItem(dimension: .harm, key: harm.id, description: harm.description, points: harm.points,
                         detail: "\(first.actionID) at step \(first.step), minute \(first.minute)" +
                            (offending.count > 1 ? " (\(offending.count) times)" : ""),
                         source: harm.source)
    }

    private func cost(_ state: EpisodeState) -> ScoreItem {
        let rule = fixture.answerKey.cost
        let spent = Double(state.totalCost)
        let fraction = spent <= rule.budget ? 1 : max(0, 1 - (spent - rule.budget) / (2 * rule.budget))
        return ScoreItem(dimension: .cost, key: "cost", description: "charges within $\(Int(rule.budget))",
                         points: round2(rule.points * fraction),
                         detail: "charges $\(state.totalCost)", source: rule.source)
    }

    private func efficiency(_ state: EpisodeState) -> ScoreItem {
        let rule = fixture.answerKey.efficiency
        var seen: [String] = []
        var repeats = 0
        for record in state.actions {
            if seen.contains(record.actionID), catalog[record.actionID]?.repeatable != true { repeats += 1 }
            seen.append(record.actionID)
        }
        var points = 0.0
        var detail = "patient died"
        if state.alive {
            let span = Double(fixture.timeLimitMin - rule.targetMin)
            let late = Double(max(state.minute - rule.targetMin, 0))
            points = max(0, rule.points * max(0, 1 - late / span) - 0.5 * Double(repeats))
            detail = "ended at minute \(state.minute) (target \(rule.targetMin))" + (repeats > 0 ? ", \(repeats) repeated actions" : "")
        }
        return ScoreItem(dimension: .efficiency, key: "efficiency",
                         description: "definitive decision by minute \(rule.targetMin)",
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
