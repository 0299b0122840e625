/// What kind of thing an action is; it decides how the environment answers.
public enum ActionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case interview, exam, lab, ecg, imaging, medication, procedure, consult, communication, documentation, disposition

    /// Orders produce a result after a turnaround.
    public var isOrder: Bool { self == .lab || self == .ecg || self == .imaging }

    /// Orders and consults: the answer arrives after a turnaround.
    public var arrivesLater: Bool { isOrder || self == .consult }
}

/// A condition on the patient's current state, as fixtures write it (a
/// vital sign or a lab value against a threshold): the same type as the
/// safety rule's predicates, so there is one way to read the state.
public typealias StateCondition = StatePredicate

/// A catalog-level contraindication: giving the action while the condition
/// holds raises a warning event.
public struct Contraindication: Sendable, Hashable, Codable {
    public var vital: String?
    public var lab: String?
    public var below: Double?
    public var above: Double?
    public var reason: String
    /// Where the contraindication comes from (usually the drug label).
    public var source: Citation

    public var condition: StateCondition { StateCondition(vital: vital, lab: lab, below: below, above: above) }
}

/// One canonical action of the catalog: its name, the texts that mean it,
/// what it costs in simulated minutes and dollars, and, for orders, its
/// turnaround and the result it shows when the case has nothing abnormal.
public struct CatalogAction: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var kind: ActionKind
    public var name: String
    public var synonyms: [String]
    /// Clinician time the action takes, in simulated minutes.
    public var timeMin: Int
    /// Charge in US dollars.
    public var cost: Int
    /// Minutes from order to result (orders only).
    public var turnaroundMin: Int?
    /// The result or answer when the fixture defines none.
    public var normalResult: String?
    /// Generic pharmacological effect on vitals.
    public var effects: VitalsOffset?
    public var contraindications: [Contraindication]?
    /// Whether doing it again is clinically ordinary (repeat troponin, more fluid).
    public var repeatable: Bool?
    /// How a medication acts over time (onset, decay, ceiling, toxicity, volume, lab effects).
    public var pk: DrugProfile?
    /// Indications and dangers, read by ``SafetyRule`` for every fixture.
    public var risk: ActionRisk?
    /// `iv` for a drug that needs intravenous access (absent: oral, inhaled, topical or not a drug).
    public var route: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, name, synonyms, cost, effects, contraindications, repeatable, pk, risk, route
        case timeMin = "time_min"
        case turnaroundMin = "turnaround_min"
        case normalResult = "normal_result"
    }
}

extension Double {
    /// "185", "0.5": no trailing zeros.
    public var plain: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
