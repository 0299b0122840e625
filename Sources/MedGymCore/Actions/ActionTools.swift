/// The action tools offered to models, from one place: the MCP server's tool
/// list and the `openai:` agent's function schema are both built from these,
/// and both check a call with ``action(tool:argument:)``. One tool per action
/// family (`interview`, `lab`, `imaging`, …), in ``ActionKind`` order, its one
/// argument `action` one of that family's catalog actions, by name.
public struct ActionTools: Sendable {
    /// One family's tool.
    public struct Tool: Sendable, Hashable {
        public var kind: ActionKind
        /// The tool's name: the family's name.
        public var name: String { kind.rawValue }
        /// The catalog names its `action` argument takes, in catalog order.
        public var actions: [String]
        /// What the tool does, as a model reads it: what the family covers, and what a call does to the encounter.
        public var description: String { ActionTools.descriptions[kind] ?? "Take one \(kind.rawValue) action for this patient." }
    }

    /// Why a tool call names no action of its tool: what was wrong and the nearest valid call.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownTool(String)
        /// The argument names (or nearly names) an action of another family.
        case wrongFamily(action: String, named: String, family: ActionKind, tool: String)
        /// The argument names nothing of the tool's; `nearest` are the tool's actions it resembles (or its first few).
        case notInTool(action: String, tool: String, nearest: [String])

        public var description: String {
            switch self {
            case .unknownTool(let name):
                "'\(String(name.prefix(64)))' is not one of the tools; the tools are \(ActionKind.allCases.map(\.rawValue).joined(separator: ", "))"
            case .wrongFamily(let action, let named, let family, let tool):
                "'\(String(action.prefix(60)))' is \("aeiou".contains(family.rawValue.first!) ? "an" : "a") \(family.rawValue) action\(named == action ? "" : " ('\(named)')"), not one of the \(tool) tool's: call the \(family.rawValue) tool"
            case .notInTool(let action, let tool, let nearest):
                "'\(String(action.prefix(60)))' is not one of the \(tool) tool's actions; nearest: \(nearest.joined(separator: "; "))"
            }
        }

        /// The suggested actions, by name.
        public var suggestions: [String] {
            switch self {
            case .unknownTool: []
            case .wrongFamily(_, let named, _, _): [named]
            case .notInTool(_, _, let nearest): nearest
            }
        }
    }

    /// What each family's tool covers, as the model is told.
    static let descriptions: [ActionKind: String] = [
        .interview: "Ask the patient (or whoever came with them) about the history: symptoms, medicines, drugs, allergies, past illness. Takes a few minutes.",
        .exam: "Examine the patient at the bedside (a system, a sign, a bedside measure). Takes a few minutes; the finding comes back at once.",
        .lab:
            "Order a laboratory test on blood or urine. Time passes; the result arrives after the test's turnaround, read from the patient as it was when drawn.",
        .ecg: "Record a 12-lead ECG. Its reading arrives after a few minutes.",
        .imaging:
            "Order imaging (X-ray, ultrasound, CT, MRI). The patient goes to it and the report arrives after its turnaround; an unstable patient is at risk away from the resuscitation bay.",
        .medication: "Give a medicine or fluid (drug, dose and route as the catalog names it). It acts on the patient from now on, for better or worse.",
        .procedure: "Do a procedure (lines, airway, decompression, transfusion and the like). Takes the time it takes and can cause harm if not indicated.",
        .consult: "Call a specialist team. They come after a delay and give their opinion; a consult is not a treatment by itself.",
        .communication: "Speak with the patient, family or team (explain, reassure, hand over). Takes a minute or two.",
        .documentation: "Write in the record (notes, forms). Takes time and changes nothing for the patient.",
        .disposition:
            "Decide where the patient goes (theatre, intensive care, ward, discharge, transfer). This ends the encounter: nothing more can be done afterwards, and the score follows.",
    ]

    public let tools: [Tool]
    private let resolver: ActionResolver
    private var catalog: ActionCatalog { resolver.catalog }

    public init(resolver: ActionResolver) {
        self.resolver = resolver
        let catalog = resolver.catalog
        tools = ActionKind.allCases.compactMap { kind in
            let names = catalog.actions.filter { $0.kind == kind }.map(\.name)
            return names.isEmpty ? nil : Tool(kind: kind, actions: names)
        }
    }

    /// The catalog action a call to `tool` with `argument` (an action's name or id) takes.
    public func action(tool: String, argument: String) -> Result<CatalogAction, Refusal> {
        guard let kind = ActionKind(rawValue: tool), let entry = tools.first(where: { $0.kind == kind }) else {
            return .failure(.unknownTool(tool))
        }
        let exact = catalog.actions.filter { $0.name == argument || $0.id == argument }
        if let action = exact.first(where: { $0.kind == kind }) { return .success(action) }
        // What the argument names (exactly or as the resolver reads free text), to point at the right call.
        let named = exact.first ?? (try? resolver.resolve(argument))
        if let named, named.kind != kind {
            return .failure(.wrongFamily(action: argument, named: named.name, family: named.kind, tool: tool))
        }
        let near = [named?.name].compactMap { $0 } + resolver.nearest(argument, limit: 6).compactMap { catalog[$0] }.filter { $0.kind == kind }.map(\.name)
        var nearest: [String] = []
        for name in near where !nearest.contains(name) { nearest.append(name) }
        return .failure(.notInTool(action: argument, tool: tool, nearest: Array((nearest.isEmpty ? Array(entry.actions.prefix(3)) : nearest).prefix(3))))
    }
}
