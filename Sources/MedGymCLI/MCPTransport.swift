import Foundation
import Logging
import MCP

/// The stdio transport `medgym serve --mcp` speaks through: lines in, lines
/// out, with what the SDK's own transport leaves to chance handled here.
///
/// - Every request it can parse is answered: a line that is not JSON gets a
///   parse error (-32700); an id that is neither a string nor a number, a
///   method that is not a string, or a line over 1 MiB gets Invalid Request
///   (-32600, id null when the id is unusable); requests other than
///   `initialize` and `ping` before `initialize` are refused (-32600); a
///   `tools/call` whose params, name, arguments or action has the wrong type
///   gets Invalid params (-32602) naming the field.
/// - A client that stops reading ends the session (the write fails with
///   EPIPE; SIGPIPE is ignored), as does the end of its input: requests
///   already passed on are answered first (for up to 5 s).
/// - Requests reach the server one at a time, in the order sent (the next
///   is passed on once the last is answered), so pipelined tool calls act on
///   the patient in order.
actor MCPLineTransport: Transport {
    nonisolated let logger = Logger(label: "medgym.mcp", factory: { _ in SwiftLogNoOpLogHandler() })
    static let maxLineBytes = 1 << 20

    private var continuation: AsyncThrowingStream<Data, any Error>.Continuation?
    private let stream: AsyncThrowingStream<Data, any Error>
    private var initialized = false
    private var requestsPassed = 0
    private var responsesSent = 0
    private var outputClosed = false
    private var started = false

    init() {
        var continuation: AsyncThrowingStream<Data, any Error>.Continuation!
        stream = AsyncThrowingStream { continuation = $0 }
        self.continuation = continuation
    }

    func connect() async throws {
        guard !started else { return }
        started = true
        // Blocking reads on a thread of their own; each line is checked on the actor.
        let thread = Thread { [self] in
            var pending = Data()
            var discarding = false
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: chunk[..<count])
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Data(pending[pending.startIndex..<newline])
                    pending = Data(pending[(newline + 1)...])
                    if discarding {
                        discarding = false
                        continue
                    }
                    Self.blocking { await self.received(line) }
                }
                if pending.count > Self.maxLineBytes {
                    if !discarding { Self.blocking { await self.refuse(id: nil, code: -32600, "Invalid Request: a line over 1 MiB was refused") } }
                    pending.removeAll()
                    discarding = true
                }
            }
            Self.blocking { await self.inputEnded() }
        }
        thread.start()
    }

    /// Runs an actor call from the reading thread and waits for it, so lines keep their order.
    private nonisolated static func blocking(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        done.wait()
    }

    func disconnect() async {
        continuation?.finish()
        continuation = nil
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    func send(_ data: Data) async throws {
        guard !outputClosed else { throw MCPError.connectionClosed }
        switch try? JSONSerialization.jsonObject(with: data) {
        case let object as [String: Any] where object["method"] == nil && object["id"] != nil: responsesSent += 1
        case is [Any]: responsesSent += 1  // a batch's replies
        default: break
        }
        var bytes = Array(data)
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                // The client stopped reading: the session ends here.
                outputClosed = true
                continuation?.finish()
                continuation = nil
                throw MCPError.connectionClosed
            }
            offset += written
        }
    }

    private func inputEnded() async {
        // Let requests already passed on be answered before the session ends.
        var waited = 0
        while responsesSent < requestsPassed && !outputClosed && waited < 500 {
            try? await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        continuation?.finish()
        continuation = nil
    }

    private func refuse(id: Any?, code: Int, _ message: String) async {
        let idText: String
        switch id {
        case let text as String:
            idText = (try? String(decoding: JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast()).map(String.init) ?? "null"
        case let number as NSNumber: idText = number.stringValue
        default: idText = "null"
        }
        let body = (try? JSONSerialization.data(withJSONObject: ["code": code, "message": message], options: [.sortedKeys])) ?? Data("{}".utf8)
        let reply = "{\"error\":\(String(decoding: body, as: UTF8.self)),\"id\":\(idText),\"jsonrpc\":\"2.0\"}"
        requestsPassed += 1  // answered here, counted as passed and sent
        try? await send(Data(reply.utf8))
    }

    /// Checks one line and passes it to the server or answers it.
    private func received(_ line: Data) async {
        guard let continuation, !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) else { return }
        guard let parsed = try? JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed]) else {
            return await refuse(id: nil, code: -32700, "Parse error: the line is not JSON")
        }
        if parsed is [Any] {  // a batch: the server answers it as a whole
            requestsPassed += 1
            continuation.yield(line)
            return
        }
        guard let message = parsed as? [String: Any] else {
            return await refuse(id: nil, code: -32600, "Invalid Request: a message is a JSON object")
        }
        let rawID = message["id"]
        let hasID = rawID != nil
        let id: Any? =
            switch rawID {
            case let text as String: text
            case let number as NSNumber where String(cString: number.objCType) != "c" && number.doubleValue == Double(number.int64Value): number
            default: nil
            }
        if hasID && id == nil {
            return await refuse(id: nil, code: -32600, "Invalid Request: id must be a string or a whole number")
        }
        guard let methodValue = message["method"] else {
            continuation.yield(line)  // a response to the server, or nothing it will use
            return
        }
        guard let method = methodValue as? String else {
            return hasID ? await refuse(id: id, code: -32600, "Invalid Request: method must be a string") : ()
        }
        guard hasID else {  // a notification: no reply is due
            continuation.yield(line)
            return
        }
        if !initialized && method != "initialize" && method != "ping" {
            return await refuse(id: id, code: -32600, "Invalid Request: the session is not initialized; send initialize first")
        }
        if let params = message["params"], !(params is [String: Any]) {
            return await refuse(id: id, code: -32602, "Invalid params: params must be an object")
        }
        if method == "tools/call", let problem = Self.toolCallProblem(message["params"] as? [String: Any]) {
            return await refuse(id: id, code: -32602, "Invalid params: \(problem)")
        }
        if method == "initialize" { initialized = true }
        // One request at a time, in the order sent: the SDK handles each in a task of its own, so two
        // pipelined tool calls could otherwise reach the patient in either order.
        await answered()
        requestsPassed += 1
        continuation.yield(line)
    }

    /// Waits until every request passed on has been answered (or the client is gone).
    private func answered() async {
        while responsesSent < requestsPassed && !outputClosed && self.continuation != nil {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// What is wrong with a `tools/call`'s params, or nil.
    static func toolCallProblem(_ params: [String: Any]?) -> String? {
        guard let params else { return "tools/call needs params {name, arguments}" }
        guard params["name"] is String else { return "params.name must be a string (a tool name)" }
        switch params["arguments"] {
        case nil, is NSNull: return nil
        case let arguments as [String: Any]:
            if let action = arguments["action"], !(action is String) { return "params.arguments.action must be a string (an action name)" }
            return nil
        default: return "params.arguments must be an object"
        }
    }
}
