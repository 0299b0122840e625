import Foundation

/// How to build a built-in agent from its command-line name.
public enum AgentSpec: Sendable, Hashable {
    case expert, anchoring, random
    /// The truth-blind protocol agent (``ProtocolAgent``): the yardstick for a scenario's difficulty.
    case truthBlind
    case script(path: String, lines: [String])
    /// An external agent: a shell command speaking the JSON-lines protocol (``SubprocessAgent``).
    case command(String, stepTimeout: Double)
    /// A model behind an OpenAI-compatible endpoint (``OpenAIAgent``), its
    /// responses cut off past `maxResponseBytes` (a client limit, not recorded
    /// in the provenance: it does not change what the model is).
    case openAI(
        model: String, endpoint: EndpointSettings, stepTimeout: Double,
        maxResponseBytes: Int = OpenAIAgent.defaultMaxResponseBytes)

    /// Seconds an external agent gets per reply unless told otherwise.
    public static let defaultStepTimeout = 10.0

    /// Parses `expert`, `anchoring`, `protocol`, `random`, `script:FILE` (reading the
    /// file) or `cmd:COMMAND`.
    public static func parse(
        _ text: String, stepTimeout: Double = defaultStepTimeout, endpoint: EndpointSettings? = nil,
        maxResponseBytes: Int = OpenAIAgent.defaultMaxResponseBytes,
        readFile: (String) throws -> String
    ) throws -> AgentSpec {
        if text.hasPrefix("openai:") {
            let model = String(text.dropFirst("openai:".count))
            guard !model.isEmpty else { throw AgentSpecError(message: "agent 'openai:' names no model; write openai:MODEL") }
            guard let endpoint else {
                throw AgentSpecError(message: "agent '\(text)' needs --base-url (e.g. http://localhost:8000/v1 for vLLM)")
            }
            return .openAI(model: model, endpoint: endpoint, stepTimeout: stepTimeout, maxResponseBytes: maxResponseBytes)
        }
        switch text {
        case "expert": return .expert
        case "anchoring": return .anchoring
        case "random": return .random
        case "protocol": return .truthBlind
        default:
            if text.hasPrefix("cmd:") {
                let command = String(text.dropFirst("cmd:".count)).trimmingCharacters(in: .whitespaces)
                guard !command.isEmpty else {
                    throw AgentSpecError(message: "agent 'cmd:' names no command; write cmd:\"python3 my_agent.py\"")
                }
                return .command(command, stepTimeout: stepTimeout)
            }
            guard text.hasPrefix("script:") else {
                throw AgentSpecError(message: "unknown agent '\(text)'; use expert, anchoring, protocol, random, script:FILE or cmd:COMMAND")
            }
            let path = String(text.dropFirst("script:".count))
            let content: String
            do {
                content = try readFile(path)
            } catch {
                throw AgentSpecError(message: "cannot read agent script '\(path)': \(error.localizedDescription)")
            }
            let lines = content.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            return .script(path: path, lines: lines)
        }
    }

    /// The agent for a fixture and seed. `sample` > 0 asks a stochastic
    /// agent for another draw from the same state (the random agent's own
    /// stream; an external agent is told the sample in its hello); sample 0
    /// is the agent as recorded. Deterministic agents ignore it.
    public func makeAgent(fixture: Fixture, seed: UInt64, sample: Int = 0) -> any Agent {
        switch self {
        case .expert: ExpertAgent(fixture: fixture)
        case .anchoring: AnchoringAgent(fixture: fixture)
        case .random: RandomAgent(seed: seed, sample: sample)
        case .truthBlind: ProtocolAgent()
        case .script(let path, let lines): ScriptedAgent(id: "script:\(path)", actions: lines)
        case .command(let command, let timeout):
            SubprocessAgent(command: command, seed: seed, timeout: timeout, sample: sample)
        case .openAI(let model, let endpoint, let timeout, let maxResponseBytes):
            OpenAIAgent(
                model: model, baseURL: endpoint.baseURL, apiKeyVariable: endpoint.apiKeyVariable,
                temperature: endpoint.temperature, maxTokens: endpoint.maxTokens, timeout: timeout,
                maxResponseBytes: maxResponseBytes, limits: EncounterChart.Limits(fixture))
        }
    }
}

/// Where and how an `openai:MODEL` agent is asked. The key itself is never
/// held here: only the name of the environment variable that has it. Recorded
/// in the trace's provenance (so a fork can ask the same endpoint the same way).
public struct EndpointSettings: Sendable, Hashable, Codable {
    public var baseURL: URL
    public var apiKeyVariable: String?
    public var temperature: Double?
    public var maxTokens: Int?

    public init(baseURL: URL, apiKeyVariable: String?, temperature: Double?, maxTokens: Int?) {
        self.baseURL = baseURL
        self.apiKeyVariable = apiKeyVariable
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    // "baseUrl": snake_case round-trips it (base_url), which "baseURL" would not.
    enum CodingKeys: String, CodingKey { case baseURL = "baseUrl", apiKeyVariable, temperature, maxTokens }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .baseURL)
        guard let url = URL(string: text) else {
            throw DecodingError.dataCorruptedError(forKey: .baseURL, in: c, debugDescription: "'\(text)' is not a URL")
        }
        baseURL = url
        apiKeyVariable = try c.decodeIfPresent(String.self, forKey: .apiKeyVariable)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(baseURL.absoluteString, forKey: .baseURL)
        try c.encodeIfPresent(apiKeyVariable, forKey: .apiKeyVariable)
        try c.encodeIfPresent(temperature, forKey: .temperature)
        try c.encodeIfPresent(maxTokens, forKey: .maxTokens)
    }
}

/// A bad `--agent` value.
public struct AgentSpecError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}
