/// The hospital around the bedside behaving like one (GENERIC-RULES §5):
/// receiving teams need what they would need and say so, consent for an
/// operation is the surgeon's, and a transfer needs a receiving physician
/// who has accepted the patient.
extension Environment {
    /// Why a disposition is declined now, naming what is missing and the
    /// actions that supply it; nil when the receiving team takes the patient.
    func dispositionRefusal(_ action: CatalogAction, at minute: Int) -> String? {
        if let rule = fixture.admission.first(where: { $0.disposition == action.id }),
            let missing = rule.requires.unmet(in: state, step: state.step, minute: minute)
        {
            return "\(action.name) declined: \(rule.refusal) (missing: \(missing))"
        }
        if action.id == "transfer", !state.results.contains(where: { catalog[$0.actionID]?.kind == .consult }) {
            // The specialists this case needs (the consults its receiving teams require), named by id so agents can act on it.
            let needed = fixture.admission.flatMap { ($0.requires.resulted ?? []).flatMap { $0 } }.filter { catalog[$0]?.kind == .consult }
            let consults = needed.isEmpty ? catalog.actions.filter { $0.kind == .consult }.map(\.id) : needed
            return
                "\(action.name) declined: no physician at a receiving centre has accepted the patient; a transfer needs an accepting specialist (missing: the result of \(consults.joined(separator: " or "))). EMTALA: the receiving facility must agree to accept (42 CFR 489.24(e))."
        }
        return nil
    }

    /// Answers a communication the ED physician cannot give: consent for an
    /// operation is taken by the operating surgeon (CMS §482.51(b)(2)).
    func hospitalAnswer(to action: CatalogAction) -> String? {
        guard action.id == "obtain_consent" else { return nil }
        return
            "Consent for an operation is taken by the operating surgeon after assessing the patient (CMS §482.51(b)(2)); page the surgical team and they will consent the patient. You can explain the diagnosis and update the family."
    }

    /// Where the transfer rules come from.
    static let transferSource = Citation(
        guideline: "EMTALA: 42 CFR 489.24(e) appropriate transfer; NHTSA Guide for Interfacility Patient Transfer (2006), Appendix D",
        year: 2006,
        section:
            "An unstable patient is transferred only with an accepting physician and facility and a certification that benefits outweigh risks; a hospital with the service stabilises in house",
        verified: false)

    /// A patient too unstable to leave: SBP < 90, shock index ≥ 1 or GCS ≤ 8.
    var unstable: Bool {
        state.vitals.sbp < 90 || state.vitals.shockIndex >= 1 || (!state.ventilated && state.vitals.gcs <= 8)
    }
}
