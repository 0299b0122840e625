import Foundation
import MCP
import MedGym
import Replay
import TraceStore

/// `medgym serve --mcp`: encounters as Model Context Protocol tools over
/// stdio. One tool per action family, its `action` argument one of that
/// family's catalog actions (plus `observe`, which looks without acting, and
/// `new_encounter`, which starts another patient); each call's result is the
/// observation a clinician would read. The server sends the rules as its
/// instructions and as the `encounter` prompt. An episode starts with the
/// first call and is recorded like any other run (agent `mcp`) when it ends:
/// by a disposition, death, the time limit, or (marked abandoned) a new
/// encounter or the client closing the session.
actor MCPSession {
    let server: EnvServer
    private var fixture: String
    private var seed: UInt64
    let label: String?
    private var started = false
    private var over: (id: String, composite: Double, outcome: String)?
    private var observationText = ""

    /// The fixture the server was started with.
    private let first: String

    init(server: EnvServer, fixture: String, seed: UInt64, label: String?) {
        self.server = server
        self.fixture = fixture
        self.first = fixture
        self.seed = seed
        self.label = label
    }

    static let env = "mcp"

    /// What the server tells a client at initialisation: the role, how an encounter runs, the rules.
    static let instructions = """
        \(ChatTranscript.systemPrompt)

        Here each turn is one tool call: one tool per family of actions \
        (\(ActionKind.allCases.map(\.rawValue).joined(separator: ", "))), whose `action` is one of that family's actions. Each result is what you see next. `observe` looks at the patient without acting \
        (no time passes). A call to the disposition tool ends the encounter; the last result gives the outcome \
        and the episode's id. `new_encounter` starts another patient (an encounter still in progress is recorded \
        as abandoned). The prompt `encounter` gives these rules with the patient in front of you.
        """

    /// The `new_encounter` tool.
    static let newEncounterTool = Tool(
        name: "new_encounter",
        description:
            "Start another patient: a fixture id as 'medgym fixtures list' prints it (default: the current one) and a seed "
            + "(default: the current seed + 1). An encounter still in progress is ended and recorded as abandoned. Returns the new "
            + "patient's first observation.",
        inputSchema: .object([
            "type": .string("object"),
            "properties": .object([
                "fixture": .object(["type": .string("string")]),
                "seed": .object(["type": .string("integer"), "minimum": .int(0)]),
            ]),
            "additionalProperties": .bool(false),
        ]))

    /// The `encounter` prompt: the rules and the patient now.
    static let encounterPrompt = Prompt(
        name: "encounter", title: "The patient in front of you",
        description: "The emergency physician's role, the rules of an encounter, and the patient as they are now.")

    func prompt(_ name: String) throws -> GetPrompt.Result {
        guard name == Self.encounterPrompt.name else { throw MCPError.invalidParams("unknown prompt '\(name)'; the prompt is 'encounter'") }
        let now = try start()
        return .init(description: Self.encounterPrompt.description, messages: [.user(.text(text: Self.instructions + "\n\n" + now))])
    }

    /// Ends the encounter in progress (recorded as abandoned) and starts another.
    func newEncounter(_ arguments: [String: Value]?) -> CallTool.Result {
        let nextFixture = arguments?["fixture"]?.stringValue ?? fixture
        let nextSeed: UInt64
        switch arguments?["seed"] {
        case nil, .null?: nextSeed = started ? seed &+ 1 : seed
        case .int(let value)? where value >= 0: nextSeed = UInt64(value)
        default: return .init(content: [Self.content("seed must be a whole number, 0 or more")], isError: true)
        }
        // A shipped fixture, or the one the server was started with (never a path a model names).
        let known = ((try? FixtureLoader.shipped().map(\.id)) ?? []) + [first]
        guard known.contains(nextFixture) else {
            let ids = Set(known).sorted().joined(separator: ", ")
            return .init(content: [Self.content("unknown fixture '\(nextFixture)'; known: \(ids). Nothing changed.")], isError: true)
        }
        if started && over == nil {
            _ = try? server.abandon(Self.env, reason: EnvServer.abandoned("the client started a new encounter before this one ended"))
        }
        (fixture, seed, started, over) = (nextFixture, nextSeed, false, nil)
        do {
            return .init(content: [Self.content(try start())], isError: false)
        } catch {
            return .init(content: [Self.content("\(error)")], isError: true)
        }
    }

    /// A text block of a tool result.
    static func content(_ text: String) -> Tool.Content { .text(text: text, annotations: nil, _meta: nil) }

    /// The tools: `observe`, then one per action family, with the family's actions as an enum.
    static func tools(catalog: ActionCatalog = .shipped) -> [Tool] {
        [newEncounterTool] + [
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
        if name == Self.newEncounterTool.name { return newEncounter(arguments) }
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
        // Checked by the server as every tool call is: an action outside the tool's family is not taken (nothing
        // happens, no time passes), is recorded as a protocol error, and the reply names the right call.
        let transition: EnvServer.Transition
        do { transition = try server.step(env: Self.env, action: text, tool: name) } catch {
            return .init(content: [Self.content(error.message)], isError: true)
        }
        observationText = transition.info.refused == nil ? transition.text : ChatTranscript.render(transition.observation)
        var reply = transition.text  // a refusal's reason, the nearest actions and the bad calls left come first

        if let composite = transition.info.composite {
            let id = transition.info.episodeID ?? "nothing (the server runs without a store)"
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
        let mcp = Server(
            name: "medgym", version: MedGymVersion.current, instructions: instructions,
            capabilities: .init(prompts: .init(listChanged: false), tools: .init(listChanged: false)))
        await mcp.withMethodHandler(ListTools.self) { _ in .init(tools: MCPSession.tools()) }
        await mcp.withMethodHandler(ListPrompts.self) { _ in .init(prompts: [MCPSession.encounterPrompt]) }
        await mcp.withMethodHandler(GetPrompt.self) { params in try await session.prompt(params.name) }
        await mcp.withMethodHandler(CallTool.self) { params in try await session.call(params.name, arguments: params.arguments) }
        try await mcp.start(transport: MCPLineTransport())
        await mcp.waitUntilCompleted()
        await session.close()
    }
}
