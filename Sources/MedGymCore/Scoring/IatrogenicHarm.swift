/// Harm that care did to the patient, scored for every fixture whatever its
/// answer key says: what ``SafetyRule`` found when each action was given
/// (a danger that held, or a high-risk action without indication), doses above the label
/// ceiling, hypotension and hypoxaemia the drugs caused, fluid overload, and
/// death caused by treatment. Each item cites where its threshold comes from.
enum IatrogenicHarm {
    static let hypotensionSource = Citation(
        guideline:
            "Walsh M et al. Relationship between intraoperative mean arterial pressure and clinical outcomes after noncardiac surgery (Anesthesiology 2013;119:507, 33,330 operations)",
        year: 2013, section: "MAP < 65 mmHg: injury risk rises with depth and duration; MAP < 55 for > 20 min associated with 30-day mortality", verified: false
    )
    static let hypoxaemiaSource = Citation(
        guideline: "BTS Guideline for oxygen use in healthcare and emergency settings (O'Driscoll et al., Thorax 2017;72:i1)",
        year: 2017, section: "Hypoxaemia: SpO2 below 90 % (PaO2 about 60 mmHg) requires correction", verified: false)
    static let overloadSource = Citation(
        guideline: "Hahn RG. Volume kinetics for infusion fluids (Anesthesiology 2010;113:470)",
        year: 2010, section: "Elimination of crystalloid slows in stress; excess volume accumulates as oedema", verified: false)
    static let arrestSource = Citation(
        guideline: "Institute of Medicine. To Err Is Human (2000); AHRQ Common Formats for patient safety events v2.0",
        year: 2000, section: "Adverse event: death caused by medical management rather than the underlying condition", verified: false)

    static func items(_ state: EpisodeState, catalog: ActionCatalog) -> [(ScoreItem, HarmLevel)] {
        var found: [(ScoreItem, HarmLevel)] = []
        // One item per action: the worst finding of the safety rule when it was given.
        var charged: [String] = []
        for warning in state.warnings where !charged.contains(warning.actionID) {
            charged.append(warning.actionID)
            let worst = state.warnings.filter { $0.actionID == warning.actionID }.min { $0.points < $1.points } ?? warning
            let name = catalog[worst.actionID]?.name ?? worst.actionID
            let unindicated = worst.kind == .unindicated
            found.append(
                (
                    ScoreItem(
                        dimension: .harm, key: (unindicated ? "unindicated." : "ignored_contraindication.") + worst.actionID,
                        description: unindicated
                            ? "\(name) given without an indication"
                            : "\(name) given despite a contraindication",
                        points: worst.points, detail: "step \(worst.step), minute \(worst.minute): \(worst.reason)",
                        source: worst.source), worst.severity
                ))
        }
        for action in state.injury.overCeiling {
            // Only drugs with a catalog profile have a ceiling to go over.
            guard let drug = catalog[action], let profile = drug.pk else { continue }
            found.append(
                (
                    ScoreItem(
                        dimension: .harm, key: "over_ceiling.\(action)",
                        description: "\(drug.name) above the label's maximum dose",
                        points: -5, detail: "\(state.actions.filter { $0.actionID == action }.count) doses given",
                        source: profile.source), .moderate
                ))
        }
        let hypo = state.injury.minutesIatrogenicHypotension
        if hypo >= 5 {
            let severe = hypo >= 15
            found.append(
                (
                    ScoreItem(
                        dimension: .harm, key: "iatrogenic_hypotension", description: "hypotension caused by drugs (MAP < 65)",
                        points: severe ? -10 : -5, detail: "\(hypo) min with MAP < 65 and at least 10 below the untreated course",
                        source: hypotensionSource), severe ? .high : .moderate
                ))
        }
        let hypox = state.injury.minutesIatrogenicHypoxaemia
        if hypox >= 3 {
            found.append(
                (
                    ScoreItem(
                        dimension: .harm, key: "iatrogenic_hypoxaemia", description: "hypoxaemia caused by sedation or fluid (SpO2 < 90 %)",
                        points: -10, detail: "\(hypox) min with SpO2 < 90 % below the untreated course",
                        source: hypoxaemiaSource), .high
                ))
        }
        if state.injury.fluidOverload {
            found.append(
                (
                    ScoreItem(
                        dimension: .harm, key: "fluid_overload", description: "fluid overload (more than \(Int(Physiology.overloadMlPerKg)) mL/kg)",
                        points: -5, detail: "infused volume passed \(Int(Physiology.overloadMlPerKg)) mL/kg",
                        source: overloadSource), .moderate
                ))
        }
        for arrest in state.resuscitations where arrest.iatrogenic {
            found.append(
                (
                    ScoreItem(
                        dimension: .harm, key: "iatrogenic_arrest", description: "cardiac arrest caused by treatment (circulation returned)",
                        points: -15, detail: "minute \(arrest.arrestMinute): \(arrest.cause)",
                        source: arrestSource), .critical
                ))
        }
        if let cause = state.deathCause, cause.iatrogenic {
            found.append(
                (
                    ScoreItem(
                        dimension: .harm, key: "iatrogenic_death", description: "cardiac arrest caused by treatment",
                        points: -20, detail: "minute \(state.deathMinute ?? state.minute): \(cause.text)",
                        source: arrestSource), .critical
                ))
        }
        return found
    }
}
