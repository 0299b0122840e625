import CCurl
import Foundation

/// `openai:MODEL`: a model behind an OpenAI-compatible chat-completions
/// endpoint (vLLM, llama.cpp server, Ollama, hosted APIs).
///
/// Each observation goes to the model as a message a clinician would read;
/// the model answers through a tool (one per kind of action, its argument
/// one of the catalog's actions of that kind) or in plain text, which is
/// resolved like any action text. 429 and 5xx answers are retried with
/// backoff; a request slower than the step timeout, or failing after the
/// retries, stops the agent (`agent_error`); a body that is not JSON is
/// asked again.
///
/// The endpoint is untrusted input:
/// - a response is read as it streams and cut off past `maxResponseBytes`
///   (an announced length over it is refused before its body is read): an
///   `agent_error` `too_long`, and the turn is asked again;
/// - redirects are not followed (the key would go wherever they point): a
///   3xx is an `agent_error` `redirect` naming the status and `Location`;
/// - the API key, read from the environment variable named and sent only in
///   the `Authorization` header, is replaced by `[redacted]` in everything the
///   endpoint sends back before it is kept, recorded, printed or put into an
///   error (a key shorter than four characters is not looked for);
/// - what is re-sent each turn is bounded: a tool call is replayed as the
///   catalog would have it (its id, tool and action, none of its extras), the
///   model's text clipped to ``replayedTextLimit`` bytes, a refused reply
///   summarised, and the oldest turns left out once the conversation passes
///   ``historyLimit`` bytes (the system prompt and first observation stay).
///
/// Why a reply was not used (not JSON, too long, a refused tool call, text
/// naming no action) is the `agent_error` the trace records and is told to the
/// model at the start of its next message.
public final class OpenAIAgent: Agent, @unchecked Sendable {
    public let id: String
    public let model: String
    let endpoint: URL
    let apiKey: String?
    let temperature: Double?
    let maxTokens: Int?
    let timeout: Double
    let catalog: ActionCatalog
    /// The tools offered, and their check of a call.
    let tools: ActionTools
    /// Most bytes of one response read from the endpoint.
    public let maxResponseBytes: Int
    /// The endpoint and sampling settings, as the trace's provenance records them.
    public let settings: EndpointSettings
    private var messages: [[String: Any]] = []
    private var pendingToolCall: String?
    /// Further tool calls of the model's last reply (one action per turn): each answered as not taken.
    private var extraToolCalls: [(id: String, tool: String, action: String?)] = []
    /// Messages left out of the conversation to keep it within ``historyLimit``.
    public private(set) var omittedMessages = 0
    /// The action the last reply took, for the note to its extra tool calls.
    private var answered: String?
    /// Why the last reply was not taken (``TurnRefusal/message``), told to the model with the next observation.
    private var refusal: String?
    /// Tokens the endpoint reported used in this episode (prompt + completion).
    public private(set) var tokens = 0
    /// The encounter's time and step limits, stated in the first message.
    public let limits: EncounterChart.Limits?
    /// Requests retried after a 429 or 5xx.
    public private(set) var retries = 0
    /// The model's last message as it came (JSON, keys sorted, the key redacted) when it was
    /// more than the action text: a tool call, or text with surrounding space.
    public private(set) var rawReply: String?
    /// The tokens the endpoint reported for the last reply (its `usage.total_tokens`); nil when the
    /// response had no usage. Recorded with the action; ``tokens`` keeps the episode's running total.
    public private(set) var replyTokens: Int?

    /// Waits before retry 1, 2, 3 (seconds).
    static let backoff = [0.25, 0.5, 1.0]
    /// Default for `--max-response-bytes`: 4 MiB.
    public static let defaultMaxResponseBytes = 4 << 20
    /// Most bytes of conversation re-sent with a request, beyond the system prompt and the first observation.
    public static let historyLimit = 256 << 10
    /// Most bytes of the model's own text (and of a refused action) replayed in later requests.
    public static let replayedTextLimit = 2_000
    /// Longest plain-text action accepted, as for any external agent.
    public static let maxActionBytes = SubprocessAgent.maxReplyBytes
    /// Most further tool calls of one reply kept (and answered as not taken); the rest are dropped from the replay.
    public static let extraToolCallLimit = 8
    /// What replaces the API key wherever the endpoint sent it back.
    public static let redacted = "[redacted]"

    public init(
        model: String, baseURL: URL, apiKeyVariable: String?, temperature: Double?, maxTokens: Int?,
        timeout: Double, maxResponseBytes: Int = defaultMaxResponseBytes, resolver: ActionResolver = .shipped,
        limits: EncounterChart.Limits? = nil
    ) {
        self.id = "openai:\(model)"
        self.limits = limits
        self.model = model
        self.endpoint = baseURL.appendingPathComponent("chat/completions")
        self.apiKey = apiKeyVariable.flatMap { ProcessInfo.processInfo.environment[$0] }
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.timeout = timeout
        self.maxResponseBytes = max(1, maxResponseBytes)
        self.catalog = resolver.catalog
        self.tools = ActionTools(resolver: resolver)
        self.settings = EndpointSettings(baseURL: baseURL, apiKeyVariable: apiKeyVariable, temperature: temperature, maxTokens: maxTokens)
        messages = [["role": "system", "content": ChatTranscript.systemPrompt]]
    }

    /// The observation as the next message (the answer to the pending tool
    /// call, or a user turn), after why the last reply was not taken, if it
    /// wasn't; then a message for each further tool call of that reply, not taken.
    private func show(_ observation: Observation, note: String?) {
        var text = ChatTranscript.render(observation, limits: limits)
        if let note { text = note + "\n\n" + text }
        if let call = pendingToolCall {
            messages.append(["role": "tool", "tool_call_id": call, "content": text])
        } else {
            messages.append(["role": "user", "content": text])
        }
        for extra in extraToolCalls {
            let taken = note == nil ? answered.map { "'\(Self.clipped($0, to: 60))' was taken" } ?? "the first call was answered" : "the first call was refused"
            let what = extra.action.map { "\(extra.tool) '\(Self.clipped($0, to: 60))'" } ?? "this \(extra.tool) call"
            messages.append([
                "role": "tool", "tool_call_id": extra.id,
                "content": "Not taken: \(what). One action per turn: only the first tool call of a reply is acted on (\(taken)); call again for the next.",
            ])
        }
        extraToolCalls = []
        pendingToolCall = nil
    }

    /// Told why its last reply was not taken: the model reads it first in the next message, and the refused
    /// text is re-sent shortened from now on.
    public func refused(_ refusal: TurnRefusal) {
        self.refusal = refusal.message
        if let last = messages.indices.last, messages[last]["role"] as? String == "assistant", messages[last]["tool_calls"] == nil,
            let content = messages[last]["content"] as? String
        {
            messages[last]["content"] = Self.clipped(content, to: 200)
        }
    }

    public func act(on observation: Observation) throws -> String? {
        let pending = pendingToolCall
        let pendingExtras = extraToolCalls
        show(observation, note: refusal)
        answered = nil
        refusal = nil
        rawReply = nil
        replyTokens = nil
        let text = try turn(retracting: pending, extras: pendingExtras)
        answered = text
        return text
    }

    /// Takes the observation just shown (and the notes to extra tool calls) back out of the conversation
    /// (nothing of the model's answered it).
    private func retract(_ pending: String?, extras: [(id: String, tool: String, action: String?)]) {
        messages.removeLast(1 + extras.count)
        pendingToolCall = pending
        extraToolCalls = extras
    }

    /// One request and the model's answer: its action text, or a failure.
    private func turn(retracting pending: String?, extras: [(id: String, tool: String, action: String?)]) throws -> String {
        let body: Data
        do {
            body = try request()
        } catch let failure as AgentFailure {
            if !failure.fatal { retract(pending, extras: extras) }
            throw failure
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            retract(pending, extras: extras)
            throw AgentFailure(kind: .notJSON, detail: redact(String(decoding: body.prefix(300), as: UTF8.self)), fatal: false)
        }
        guard let object = redacting(parsed) as? [String: Any], let choices = object["choices"] as? [[String: Any]],
            let message = choices.first?["message"] as? [String: Any]
        else {
            retract(pending, extras: extras)
            throw AgentFailure(
                kind: .notJSON, detail: "a body without choices[0].message: " + redact(String(decoding: body.prefix(300), as: UTF8.self)), fatal: false)
        }
        if let usage = object["usage"] as? [String: Any], let total = usage["total_tokens"] as? Int {
            tokens += total
            replyTokens = total
        }
        if let raw = try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]) {
            rawReply = String(decoding: raw, as: UTF8.self)
        }
        let content = message["content"] as? String
        if let calls = message["tool_calls"] as? [[String: Any]], let call = calls.first {
            let function = call["function"] as? [String: Any] ?? [:]
            let tool = function["name"] as? String ?? ""
            let arguments: [String: Any]? =
                (function["arguments"] as? String).flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                } ?? function["arguments"] as? [String: Any]
            let action = arguments?["action"] as? String
            // The argument must be one of that tool's actions, as its schema says: a lab tool does not order a CT.
            var refusal: AgentFailure?
            if action == nil {
                let given = (function["arguments"] as? String) ?? ""
                refusal = AgentFailure(kind: .protocolError, detail: "a tool call without an action: \(Self.clipped(given, to: 120))", fatal: false)
            } else if let action, case .failure(let why) = tools.action(tool: tool, argument: action) {
                // The same check the MCP server makes, naming the nearest valid call so the model can mend its next one.
                refusal = AgentFailure(kind: .protocolError, detail: why.description, fatal: false)
            }
            let id = Self.clipped(call["id"] as? String ?? "call", to: 64)
            var replayed = Self.replayed(callID: id, tool: tool, action: action, content: content, refused: refusal != nil)
            // Every further call gets its own answer (not taken), so the conversation stays well formed.
            for (index, extra) in calls.dropFirst().prefix(Self.extraToolCallLimit).enumerated() {
                let function = extra["function"] as? [String: Any] ?? [:]
                let extraTool = Self.clipped(function["name"] as? String ?? "", to: 64)
                let extraAction = (function["arguments"] as? String).flatMap {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["action"] as? String
                }
                let extraID = Self.clipped(extra["id"] as? String ?? "call_\(index + 2)", to: 64)
                extraToolCalls.append((extraID, extraTool, extraAction))
                let more = Self.replayed(callID: extraID, tool: extraTool, action: extraAction, content: nil, refused: true)
                replayed["tool_calls"] = (replayed["tool_calls"] as? [[String: Any]] ?? []) + (more["tool_calls"] as? [[String: Any]] ?? [])
            }
            messages.append(replayed)
            pendingToolCall = id
            if let refusal { throw refusal }
            return action ?? ""
        }
        let text = content?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard text.utf8.count <= Self.maxActionBytes else {
            messages.append(["role": "assistant", "content": "(a reply of \(text.utf8.count) bytes, left out)"])
            throw AgentFailure(kind: .tooLong, detail: "a reply of \(text.utf8.count) bytes (an action text is at most \(Self.maxActionBytes))", fatal: false)
        }
        messages.append(["role": "assistant", "content": Self.clipped(content ?? "", to: Self.replayedTextLimit)])  // shortened if refused
        guard !text.isEmpty else {
            throw AgentFailure(kind: .protocolError, detail: "an empty reply", fatal: false)
        }
        // A plain-text reply is its own raw output unless trimming changed it.
        rawReply = content == text ? nil : content
        return text
    }

    /// The recorded turn put back into the conversation, with no request:
    /// the observation as a message, then the recorded tool call or text (bounded as a live one is).
    public func resume(_ observation: Observation, answered text: String?, raw: String?) throws {
        show(observation, note: nil)
        answered = text
        refusal = nil
        if let raw, let message = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any],
            let calls = message["tool_calls"] as? [[String: Any]], let call = calls.first
        {
            let id = Self.clipped(call["id"] as? String ?? "call", to: 64)
            let tool = (call["function"] as? [String: Any])?["name"] as? String ?? ""
            messages.append(Self.replayed(callID: id, tool: tool, action: text, content: message["content"] as? String, refused: false))
            pendingToolCall = id
        } else {
            messages.append(["role": "assistant", "content": Self.clipped(raw ?? text ?? "", to: Self.replayedTextLimit)])
        }
    }

    /// The model's tool call as it is re-sent in later requests: its id, its
    /// tool and its action as the catalog would have them, never the call's
    /// other fields; its text and action clipped (to 200 bytes if it was refused).
    static func replayed(callID: String, tool: String, action: String?, content: String?, refused: Bool) -> [String: Any] {
        let limit = refused ? 200 : replayedTextLimit
        var arguments = "{}"
        if let action, let data = try? JSONSerialization.data(withJSONObject: ["action": clipped(action, to: limit)]) {
            arguments = String(decoding: data, as: UTF8.self)
        }
        return [
            "role": "assistant", "content": content.map { clipped($0, to: limit) } ?? NSNull(),
            "tool_calls": [
                [
                    "id": clipped(callID, to: 64), "type": "function",
                    "function": ["name": clipped(tool, to: 64), "arguments": arguments],
                ]
            ],
        ]
    }

    /// `text` with the API key replaced by ``redacted``.
    func redact(_ text: String) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        return text.replacingOccurrences(of: apiKey, with: Self.redacted)
    }

    /// A parsed JSON value with the key redacted in every string and every object key.
    func redacting(_ value: Any) -> Any {
        switch value {
        case let text as String:
            return redact(text)
        case let array as [Any]:
            return array.map(redacting)
        case let object as [String: Any]:
            return Dictionary(object.map { (redact($0.key), redacting($0.value)) }, uniquingKeysWith: { first, _ in first })
        default:
            return value
        }
    }

    /// `text` if it is at most `limit` bytes, else its start and how much was left out.
    static func clipped(_ text: String, to limit: Int) -> String {
        let total = text.utf8.count
        guard total > limit else { return text }
        var kept = limit
        while kept > 0 && String(text.utf8.prefix(kept)) == nil { kept -= 1 }  // not inside a character's bytes
        return (String(text.utf8.prefix(kept)) ?? "") + "… (\(total - kept) more bytes left out)"
    }

    /// The conversation to send: the oldest turns left out while it is over
    /// ``historyLimit`` (whole turns, so that every tool call keeps its
    /// answer), the system prompt saying so.
    private func conversation() -> [[String: Any]] {
        func size(_ message: [String: Any]) -> Int { (try? JSONSerialization.data(withJSONObject: message))?.count ?? 0 }
        var total = messages.dropFirst(2).reduce(0) { $0 + size($1) }
        // [system, first observation, assistant, observation, assistant, …]: drop the oldest assistant and its answer.
        while total > Self.historyLimit && messages.count > 4 && messages[2]["role"] as? String == "assistant" {
            total -= size(messages[2]) + size(messages[3])
            messages.removeSubrange(2...3)
            omittedMessages += 2
        }
        var sent = messages
        if omittedMessages > 0 {
            sent[0]["content"] =
                ChatTranscript.systemPrompt
                + "\n(\(omittedMessages) earlier messages of this encounter are left out; the latest observation is up to date.)"
        }
        return sent
    }

    /// One chat-completions request, retried on 429 and 5xx.
    private func request() throws -> Data {
        var payload: [String: Any] = [
            "model": model, "messages": conversation(), "tools": Self.schema(tools), "tool_choice": "auto", "parallel_tool_calls": false,
        ]
        if let temperature { payload["temperature"] = temperature }
        if let maxTokens { payload["max_tokens"] = maxTokens }
        let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        var attempt = 0
        while true {
            var headers = ["Content-Type: application/json"]
            if let apiKey { headers.append("Authorization: Bearer \(apiKey)") }
            let response = HTTPPost.send(endpoint, headers: headers, body: body, timeout: timeout, limit: maxResponseBytes)
            if let announced = response.announced {
                throw AgentFailure(
                    kind: .tooLong,
                    detail: "the endpoint announced a response of \(announced) bytes, not read (--max-response-bytes \(maxResponseBytes))",
                    fatal: false)
            }
            if let received = response.cutOff {
                throw AgentFailure(
                    kind: .tooLong,
                    detail: "the endpoint's response was cut off at \(received) bytes (--max-response-bytes \(maxResponseBytes))",
                    fatal: false)
            }
            if response.timedOut {
                throw AgentFailure(kind: .timeout, detail: "no answer from the endpoint within \(timeout) s", fatal: true)
            }
            if let failure = response.failure {
                throw AgentFailure(kind: .crashed, detail: "the endpoint could not be reached: \(redact(failure))", fatal: true)
            }
            let status = response.status
            if (300...399).contains(status) {
                // Not followed: the request (and its key) goes to --base-url and nowhere else.
                let location =
                    response.location.map { location -> String in
                        let decoded = location.removingPercentEncoding ?? location
                        return redact(decoded) == decoded ? Self.clipped(location, to: 100) : Self.redacted
                    } ?? "no Location"
                throw AgentFailure(
                    kind: .redirect,
                    detail: "the endpoint answered \(status) to \(location); redirects are not followed (give the final URL as --base-url)",
                    fatal: true)
            }
            if status == 429 || (500...599).contains(status) {
                guard attempt < Self.backoff.count else {
                    throw AgentFailure(kind: .crashed, detail: "the endpoint answered \(status) after \(attempt) retries" + reason(response.data), fatal: true)
                }
                usleep(UInt32(Self.backoff[attempt] * 1_000_000))
                attempt += 1
                retries += 1
                continue
            }
            guard (200...299).contains(status) else {
                throw AgentFailure(kind: .crashed, detail: "the endpoint answered \(status)" + reason(response.data), fatal: true)
            }
            return response.data
        }
    }

    /// `: message` from an error body (`{"error":{"message":…}}` or short text), redacted and clipped; empty if none.
    private func reason(_ body: Data) -> String {
        var text: String?
        if let object = (try? JSONSerialization.jsonObject(with: body.prefix(65_536))) as? [String: Any] {
            text = ((object["error"] as? [String: Any])?["message"] as? String) ?? object["error"] as? String ?? object["message"] as? String
        } else if !body.isEmpty {
            text = String(decoding: body.prefix(300), as: UTF8.self)
        }
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return "" }
        return ": " + Self.clipped(redact(text), to: 100)
    }

    /// The function schema: one function per action family, from ``ActionTools``.
    static func schema(_ tools: ActionTools) -> [[String: Any]] {
        tools.tools.map { tool in
            [
                "type": "function",
                "function": [
                    "name": tool.name,
                    "description": tool.description,
                    "strict": true,
                    "parameters": [
                        "type": "object",
                        "properties": ["action": ["type": "string", "enum": tool.actions]],
                        "required": ["action"],
                        "additionalProperties": false,
                    ] as [String: Any],
                ] as [String: Any],
            ]
        }
    }
}

/// One HTTP POST through libcurl's easy interface, its response read as it
/// streams and cut off past a limit, redirects not followed.
///
/// Why not URLSession: on Linux, FoundationNetworking hands each piece of a
/// response to its delegate through an operation queue that nothing bounds,
/// so a delegate that counts and cancels sees the bytes late: a local endless
/// stream had put half a gigabyte in that queue before the cancel took effect
/// (measured: 517 MB peak with a 4 MiB cap). libcurl calls the write
/// callback on the requesting thread, one piece (at most 16 KiB) at a time,
/// and stops the transfer the moment it returns short: the body held is the
/// limit plus one piece. No `Accept-Encoding` is sent, so nothing is
/// decompressed (a small compressed body cannot become a large one).
struct HTTPPost {
    /// What came back: the body (complete, unless cut off), the status, where
    /// a redirect points, a failure, or how a response over the limit ended.
    struct Response {
        var data = Data()
        var status = 0
        var location: String?
        /// Why the request failed (curl's words), and whether it was the time limit.
        var failure: String?
        var timedOut = false
        /// Bytes received when the response was cut off for being over the limit.
        var cutOff: Int?
        /// A length over the limit announced by `Content-Length`: refused before its body is read.
        var announced: Int64?
    }

    /// libcurl loaded and set up, once per process (before any handle): nil when ready, else why not.
    private static let setupFailure: String? = medgym_curl_setup().map { String(cString: $0) }

    /// The body as it arrives, up to the limit.
    private final class Sink {
        let limit: Int
        var data = Data()
        var cutOff: Int?
        /// The response's `Content-Length`, as announced.
        var contentLength: Int64?
        init(limit: Int) { self.limit = limit }
    }

    /// POSTs `body` to `url` with `headers` ("Name: value"), waiting at most `timeout` seconds in all.
    static func send(_ url: URL, headers: [String], body: Data, timeout: Double, limit: Int) -> Response {
        if let setupFailure { return Response(failure: setupFailure) }
        guard let handle = medgym_curl_easy_init() else { return Response(failure: "libcurl could not make a request handle") }
        defer { medgym_curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = medgym_curl_slist_append(list, header) }  // "Expect:": no 100-continue round trip
        defer { medgym_curl_slist_free_all(list) }
        let sink = Sink(limit: limit)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        let write: medgym_curl_write_callback = { data, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            let bytes = size * count
            if sink.data.count + bytes > sink.limit {
                sink.cutOff = sink.data.count + bytes
                sink.data = Data()
                return 0  // short: libcurl ends the transfer (CURLE_WRITE_ERROR)
            }
            if let data { sink.data.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: bytes) }
            return bytes
        }
        let header: medgym_curl_write_callback = { data, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            let bytes = size * count
            if let data, bytes < 200 {
                let line = String(decoding: UnsafeRawBufferPointer(start: data, count: bytes), as: UTF8.self)
                if line.lowercased().hasPrefix("content-length:") {
                    sink.contentLength = Int64(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            return bytes
        }
        var response = Response()
        let code: CURLcode = url.absoluteString.withCString { address in
            body.withUnsafeBytes { bytes in
                medgym_curl_setopt_pointer(handle, CURLOPT_URL, address)
                medgym_curl_setopt_pointer(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                medgym_curl_setopt_long(handle, CURLOPT_POST, 1)
                medgym_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(address))
                medgym_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                medgym_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list)
                medgym_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)  // a redirect is the answer, never followed
                medgym_curl_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limit))  // refuses a longer Content-Length
                medgym_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
                medgym_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)  // threads: no SIGALRM for timeouts
                medgym_curl_setopt_write(handle, write, context.toOpaque())
                medgym_curl_setopt_header(handle, header, context.toOpaque())
                return medgym_curl_easy_perform(handle)
            }
        }
        var status = 0
        medgym_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        response.status = status
        var location: UnsafeMutablePointer<CChar>?
        if medgym_curl_getinfo_string(handle, CURLINFO_REDIRECT_URL, &location) == CURLE_OK, let location {
            response.location = String(cString: location)
        }
        switch code {
        case CURLE_OK:
            response.data = sink.data
        case CURLE_WRITE_ERROR where sink.cutOff != nil:
            response.cutOff = sink.cutOff
        case CURLE_FILESIZE_EXCEEDED:
            response.announced = sink.contentLength ?? Int64(limit) + 1
        case CURLE_OPERATION_TIMEDOUT:
            response.timedOut = true
            response.failure = "timed out"
        default:
            response.failure = String(cString: medgym_curl_easy_strerror(code))
        }
        return response
    }
}
