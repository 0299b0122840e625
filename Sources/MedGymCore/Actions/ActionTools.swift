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
        /// What the tool does, as a model reads it.
        public var description: String { "Take one \(kind.rawValue) action for this patient; time passes, results arrive later." }
    }

    /// Why a tool call names no action.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownTool(String)
        case notInTool(action: String, tool: String, known: [String])

        public var description: String {
            switch self {
            case .unknownTool(let name): "'\(name)' is not one of the tools"
            case .notInTool(let action, let tool, let known):
                "'\(action)' is not one of the \(tool) tool's actions; choose one of: \(known.joined(separator: ", "))"
            }
        }
    }

    public let tools: [Tool]
    private let catalog: ActionCatalog

    public init(catalog: ActionCatalog) {
        self.catalog = catalog
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
        guard let action = catalog.actions.first(where: { ($0.name == argument || $0.id == argument) && $0.kind == kind }) else {
            return .failure(.notInTool(action: argument, tool: tool, known: entry.actions))
        }
        return .success(action)
    }
}
