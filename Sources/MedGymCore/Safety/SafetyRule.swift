/// The one rule that decides whether an action harms this patient now, for
/// every fixture: a catalog danger that holds in the current state, a
/// threshold contraindication that holds, or a high-risk action given with
/// none of its indications. The environment records what it finds when the
/// action is taken (and warns the agent); the scorer charges those records;
/// preference pairs never prefer such an action.
public enum SafetyRule {
    /// Everything wrong with giving `action` in `context`, worst first.
    public static func assess(_ action: CatalogAction, in context: SafetyContext) -> [SafetyFinding] {
        var found: [SafetyFinding] = []
        for contra in action.contraindications ?? [] {
            let predicate = StatePredicate(vital: contra.vital, lab: contra.lab, below: contra.below, above: contra.above)
            if predicate.holds(in: context) {
                found.append(
                    SafetyFinding(
                        kind: .danger, reason: "\(contra.reason) (\(predicate.summary))",
                        points: -5, severity: .moderate, source: contra.source))
            }
        }
        guard let risk = action.risk else { return found }
        for danger in risk.dangers ?? [] where danger.when.allSatisfy({ $0.holds(in: context) }) {
            found.append(
                SafetyFinding(
                    kind: .danger, reason: "\(danger.reason) (\(danger.when.map(\.summary).joined(separator: "; ")))",
                    points: danger.points, severity: danger.severity, source: danger.source ?? risk.source))
        }
        if let charge = risk.unindicated, !risk.indications.isEmpty,
            !risk.indications.contains(where: { $0.when.allSatisfy { $0.holds(in: context) } })
        {
            let wanted = risk.indications.map(\.text).joined(separator: "; ")
            found.append(
                SafetyFinding(
                    kind: .unindicated, reason: "no indication in the current state (indicated for: \(wanted))",
                    points: charge.points, severity: charge.severity, source: risk.source))
        }
        return found.sorted { $0.points < $1.points }
    }
}

/// One reason an action harms: a danger that holds, or no indication.
public struct SafetyFinding: Sendable, Hashable, Codable {
    /// A danger state that held, or a high-risk action with none of its indications.
    public enum Kind: String, Sendable, Hashable, Codable {
        case danger, unindicated
    }
    public var kind: Kind
    public var reason: String
    public var points: Double
    public var severity: HarmLevel
    public var source: Citation
}
