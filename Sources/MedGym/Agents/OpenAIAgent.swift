import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `openai:MODEL`: a model behind an OpenAI-compatible chat-completions
/// endpoint (vLLM, llama.cpp server, Ollama, hosted APIs).
///
/// Each observation goes to the model as a message a clinician would read;
/// the model answers through a tool (one per kind of action, its argument
/// one of the catalog's actions of that kind) or in plain text, which is
/// resolved like any action text. 429 and 5xx answers are retried with
/// backoff; a request slower than the step timeout, or failing after the
/// retries, stops the agent (`agent_error`); a body that is not JSON is
/// asked again. The API key is read from the environment variable named and
/// is sent only in the `Authorization` header: never stored, logged or printed.
public final class OpenAIAgent: Agent, @unchecked Sendable {
    public let id: String
    public let model: String
    let endpoint: URL
    let apiKey: String?
    let temperature: Double?
    let maxTokens: Int?
    let timeout: Double
    let catalog: ActionCatalog
    /// The endpoint and sampling settings, as the trace's provenance records them.
    public let settings: EndpointSettings
    private var messages: [[String: Any]] = []
    private var pendingToolCall: String?
    /// Tokens the endpoint reported used in this episode (prompt + completion).
    public private(set) var tokens = 0
    /// Requests retried after a 429 or 5xx.
    public private(set) var retries = 0
    /// The model's last message as it came (JSON, keys sorted) when it was
    /// more than the action text: a tool call, or text with surrounding space.
    public private(set) var rawReply: String?

    /// Waits before retry 1, 2, 3 (seconds).
    static let backoff = [0.25, 0.5, 1.0]

    public init(model: String, baseURL: URL, apiKeyVariable: String?, temperature: Double?, maxTokens: Int?,
                timeout: Double, catalog: ActionCatalog = .shipped) {
        self.id = "openai:\(model)"
        self.model = model
        self.endpoint = baseURL.appendingPathComponent("chat/completions")
        self.apiKey = apiKeyVariable.flatMap { ProcessInfo.processInfo.environment[$0] }
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.timeout = timeout
        self.catalog = catalog
        self.settings = EndpointSettings(baseURL: baseURL, apiKeyVariable: apiKeyVariable, temperature: temperature, maxTokens: maxTokens)
        messages = [["role": "system", "content": ChatTranscript.systemPrompt]]
    }

    /// The observation as the next message: the answer to the pending tool call, or a user turn.
    private func show(_ observation: Observation) {
        let text = ChatTranscript.render(observation)
        if let call = pendingToolCall {
            messages.append(["role": "tool", "tool_call_id": call, "content": text])
        } else {
            messages.append(["role": "user", "content": text])
        }
        pendingToolCall = nil
    }

    public func act(on observation: Observation) throws -> String? {
        show(observation)
        rawReply = nil
        let body = try request()
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any] else {
            messages.removeLast()  // the turn is asked again
            throw AgentFailure(kind: "not_json", detail: String(decoding: body.prefix(200), as: UTF8.self), fatal: false)
        }
        if let usage = object["usage"] as? [String: Any], let total = usage["total_tokens"] as? Int { tokens += total }
        if let raw = try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]) {
            rawReply = String(decoding: raw, as: UTF8.self)
        }
        var assistant: [String: Any] = ["role": "assistant", "content": message["content"] as? String ?? NSNull()]
        if let calls = message["tool_calls"] as? [[String: Any]], let call = calls.first,
           let function = call["function"] as? [String: Any] {
            assistant["tool_calls"] = [call]
            messages.append(assistant)
            pendingToolCall = call["id"] as? String ?? "call"
            let arguments = (function["arguments"] as? String).flatMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            guard let action = arguments?["action"] as? String else {
                throw AgentFailure(kind: "protocol", detail: "a tool call without an action: \(function["arguments"] ?? "")", fatal: false)
            }
            // The argument must be one of that tool's actions, as its schema says: a lab tool does not order a CT.
            let tool = function["name"] as? String ?? ""
            guard let kind = ActionKind(rawValue: tool) else {
                throw AgentFailure(kind: "protocol", detail: "a call to '\(tool)', which is not one of the tools", fatal: false)
            }
            guard catalog.actions.contains(where: { $0.kind == kind && $0.name == action }) else {
                throw AgentFailure(kind: "protocol", detail: "'\(action)' is not one of the \(tool) tool's actions", fatal: false)
            }
            return action
        }
        messages.append(assistant)
        guard let content = (message["content"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !content.isEmpty else {
            throw AgentFailure(kind: "protocol", detail: "an empty reply", fatal: false)
        }
        // A plain-text reply is its own raw output unless trimming changed it.
        let untrimmed = message["content"] as? String
        rawReply = untrimmed == content ? nil : untrimmed
        return content
    }

    /// The recorded turn put back into the conversation, with no request:
    /// the observation as a message, then the recorded tool call or text.
    public func resume(_ observation: Observation, answered text: String?, raw: String?) throws {
        show(observation)
        if let raw, let message = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any],
           let calls = message["tool_calls"] as? [[String: Any]], let call = calls.first {
            messages.append(["role": "assistant", "content": message["content"] as? String ?? NSNull(), "tool_calls": [call]])
            pendingToolCall = call["id"] as? String ?? "call"
        } else {
            messages.append(["role": "assistant", "content": raw ?? text ?? ""])
        }
    }

    /// One chat-completions request, retried on 429 and 5xx.
    private func request() throws -> Data {
        var payload: [String: Any] = ["model": model, "messages": messages, "tools": Self.tools(catalog), "tool_choice": "auto"]
        if let temperature { payload["temperature"] = temperature }
        if let maxTokens { payload["max_tokens"] = maxTokens }
        let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        var attempt = 0
        while true {
            var request = URLRequest(url: endpoint, timeoutInterval: timeout)
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
            let (data, status, error) = Self.send(request, timeout: timeout)
            if let error {
                let timedOut = (error as? URLError)?.code == .timedOut
                throw AgentFailure(kind: timedOut ? "timeout" : "crashed",
                                   detail: timedOut ? "no answer from the endpoint within \(timeout) s" : "the endpoint could not be reached: \((error as NSError).localizedDescription)",
                                   fatal: true)
            }
            if status == 429 || (500...599).contains(status) {
                guard attempt < Self.backoff.count else {
                    throw AgentFailure(kind: "crashed", detail: "the endpoint answered \(status) after \(attempt) retries", fatal: true)
                }
                usleep(UInt32(Self.backoff[attempt] * 1_000_000))
                attempt += 1
                retries += 1
                continue
            }
            guard (200...299).contains(status) else {
                throw AgentFailure(kind: "crashed", detail: "the endpoint answered \(status)", fatal: true)
            }
            return data
        }
    }

    private static func send(_ request: URLRequest, timeout: Double) -> (Data, Int, (any Error)?) {
        let done = DispatchSemaphore(value: 0)
        let box = ResponseBox()
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            box.set(data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0, error)
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            return (Data(), 0, URLError(.timedOut))
        }
        return box.get()
    }

    /// One tool per kind of action, its argument one of that kind's catalog actions.
    static func tools(_ catalog: ActionCatalog) -> [[String: Any]] {
        var kinds: [String] = []
        for action in catalog.actions where !kinds.contains(action.kind.rawValue) { kinds.append(action.kind.rawValue) }
        return kinds.map { kind in
            let names = catalog.actions.filter { $0.kind.rawValue == kind }.map(\.name)
            return [
                "type": "function",
                "function": [
                    "name": kind,
                    "description": "Take one \(kind) action for this patient.",
                    "parameters": [
                        "type": "object",
                        "properties": ["action": ["type": "string", "enum": names]],
                        "required": ["action"],
                    ] as [String: Any],
                ] as [String: Any],
            ]
        }
    }
}

/// A response handed from URLSession's queue to the waiting agent.
final class ResponseBox: @unchecked Sendable {
    private var value: (Data, Int, (any Error)?) = (Data(), 0, nil)
    private let lock = NSLock()

    func set(_ data: Data, _ status: Int, _ error: (any Error)?) {
        lock.lock()
        value = (data, status, error)
        lock.unlock()
    }

    func get() -> (Data, Int, (any Error)?) {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
