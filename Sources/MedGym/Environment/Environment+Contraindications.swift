extension Environment {
    /// Why `action` would harm this patient now, or nil: an answer-key harm
    /// item that applies in the current state, an unsafe disposition, or a
    /// catalog contraindication that holds. A preference pair never prefers
    /// such an action.
    public func contraindication(of action: CatalogAction) -> String? {
        let key = fixture.answerKey
        for harm in key.harmful where harm.actions.contains(action.id) && (harm.minCount ?? 1) <= 1 {
            if let unless = harm.unlessAfter, state.actions.contains(where: { unless.contains($0.actionID) }) { continue }
            if let condition = harm.when, let vital = condition.vital, !condition.matches(state.vitals[field: vital]) { continue }
            return "\(harm.description) (\(harm.source))"
        }
        if key.disposition.harmful.contains(where: { $0.actions.contains(action.id) }) {
            return "unsafe disposition for \(fixture.truth.name) (\(key.disposition.source))"
        }
        for contra in action.contraindications ?? [] where contraindicationHolds(contra) {
            return "\(contra.reason) (\(contra.condition.summary))"
        }
        return nil
    }
}
