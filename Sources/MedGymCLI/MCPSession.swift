import Foundation
import MCP
import MedGym
import Replay
import TraceStore

/// `medgym serve --mcp`: one encounter as Model Context Protocol tools over
/// stdio. One tool per action family, its `action` argument one of that
/// family's catalog actions (plus `observe`, which looks without acting);
/// each call's result is the observation a clinician would read. The
/// episode starts when the session does and is recorded like any other run
/// (agent `mcp`) when it ends: by a disposition, death, the time limit, or
/// the client closing the session.
actor MCPSession {
    let server: EnvServer
    let fixture: String
    let seed: UInt64
    let label: String?
    private var started = false
    private var over: (id: String, composite: Double, outcome: String)?
    private var observationText = ""

    init(server: EnvServer, fixture: String, seed: UInt64, label: String?) {
        self.server = server
        self.fixture = fixture
        self.seed = seed
        self.label = label
    }

    static let env = "mcp"
    static let actionTools = ActionTools()

    /// A text block of a tool result.
    static func content(_ text: String) -> Tool.Content { .text(text: text, annotations: nil, _meta: nil) }

    /// The tools: `observe`, then one per action family, with the family's actions as an enum.
    static func tools(catalog: ActionCatalog = .shipped) -> [Tool] {
        [
            Tool(
                name: "observe", description: "Look at the patient without acting: the presentation, monitor, results and alerts so far.",
                inputSchema: .object(["type": .string("object"), "properties": .object([:])]))
        ]
            + ActionTools(resolver: ActionResolver(catalog: catalog, memoize: false)).tools.map { tool in
                Tool(
                    name: tool.name, description: tool.description,
                    inputSchema: .object([
                        "type": .string("object"),
                        "properties": .object(["action": .object(["type": .string("string"), "enum": .array(tool.actions.map(Value.string))])]),
                        "required": .array([.string("action")]), "additionalProperties": .bool(false),
                    ]))
            }
    }

    func start() throws -> String {
        guard !started else { return observationText }
        started = true
        do {
            observationText = try server.reset(env: Self.env, fixture: fixture, seed: seed, label: label).text
        } catch {
            throw MCPError.invalidParams(error.message)
        }
        return observationText
    }

    /// One tool call: the result the client sees.
    func call(_ name: String, arguments: [String: Value]?) throws -> CallTool.Result {
        _ = try start()
        if name == "observe" { return .init(content: [Self.content(observationText)], isError: false) }
        if let over {
            return .init(
                content: [Self.content("The encounter is over (\(over.outcome), composite \(over.composite)); it is recorded as \(over.id).")], isError: true)
        }
        guard let text = arguments?["action"]?.stringValue else {
            guard ActionKind(rawValue: name) != nil else { return .init(content: [Self.content("unknown tool '\(name)'")], isError: true) }
            return .init(content: [Self.content("\(name) needs an 'action'")], isError: true)
        }
        // Validated as the openai: agent validates a call: the action must be one of this family's.
        let action: CatalogAction
        switch Self.actionTools.action(tool: name, argument: text) {
        case .success(let found): action = found
        case .failure(let why):
            // Not sent to the patient: nothing happens and no time passes.
            return .init(
                content: [Self.content("Not taken: \(why). Nothing was done and no time passed; call one tool with one of its actions.")], isError: true)
        }
        let transition: EnvServer.Transition
        do { transition = try server.step(env: Self.env, action: action.name) } catch {
            return .init(content: [Self.content(error.message)], isError: true)
        }
        observationText = transition.info.refused == nil ? transition.text : ChatTranscript.render(transition.observation)
        var reply = transition.text  // a refusal's reason, the nearest actions and the bad calls left come first

        if let id = transition.info.episodeID, let composite = transition.info.composite {
            over = (id, composite, transition.info.outcome)
            reply += "\n\nThe encounter is over: \(transition.info.outcome), composite \(composite); recorded as \(id)."
        }
        return .init(content: [Self.content(reply)], isError: transition.info.refused != nil)
    }

    /// The client went away: an unfinished encounter is ended as a stopped agent's would be.
    func close() {
        if started && over == nil { _ = try? server.abandon(Self.env, reason: EnvServer.clientGone) }
    }

    /// Serves until the client closes the connection.
    static func serve(_ session: MCPSession) async throws {
        let mcp = Server(name: "medgym", version: MedGymVersion.current, capabilities: .init(tools: .init(listChanged: false)))
        await mcp.withMethodHandler(ListTools.self) { _ in .init(tools: MCPSession.tools()) }
        await mcp.withMethodHandler(CallTool.self) { params in try await session.call(params.name, arguments: params.arguments) }
        try await mcp.start(transport: MCPLineTransport())
        await mcp.waitUntilCompleted()
        await session.close()
    }
}
