import Foundation

/// `cmd:COMMAND`: an agent in another process, in any language, speaking
/// JSON lines over its standard input and output (protocol 2, README
/// "Bring your own agent"):
///
/// - MedGym → agent, once: `{"type":"hello","protocol":2,"seed":…,"step_timeout_seconds":…,
///   "max_reply_bytes":4096,"actions":[{"id":…,"name":…,"kind":…},…]}`
/// - MedGym → agent, each turn: `{"type":"observation","observation":{…}}`
/// - agent → MedGym, each turn: `{"action":"CTA chest"}`; `{"action":null}` stops.
/// - MedGym → agent, at the end: `{"type":"episode_end","score":{…}}`, then its input closes.
///
/// What goes wrong becomes an ``AgentFailure`` (recorded as `agent_error`):
/// a crash or a reply slower than the step timeout ends the agent's turns
/// (the patient is left to the clock); a reply that is not JSON, has no
/// `action`, or is longer than 4,096 bytes is asked again, up to five bad
/// replies in a row. The process never outlives the episode.
public final class SubprocessAgent: Agent, @unchecked Sendable {
    public let id: String
    public let command: String
    let seed: UInt64
    let timeout: Double
    let catalog: ActionCatalog
    /// Which draw this is, for on-policy fork samples (0: as recorded).
    let sample: Int
    private var process: Process?
    private var input: FileHandle?
    private var lines: LineReader?
    private var errors: LineReader?

    /// Longest reply accepted, in bytes.
    public static let maxReplyBytes = 4096

    public init(command: String, seed: UInt64, timeout: Double, sample: Int = 0,
                catalog: ActionCatalog = .shipped) {
        self.sample = sample
        self.id = "cmd:\(command)"
        self.command = command
        self.seed = seed
        self.timeout = timeout
        self.catalog = catalog
    }

    deinit { stop() }

    public func act(on observation: Observation) throws -> String? {
        if process == nil { try start() }
        guard let process, process.isRunning || lines?.hasBufferedLine == true else { throw crashed() }
        try send(["type": .string("observation"), "observation": .raw(try CanonicalJSON.string(observation))])
        switch lines?.next(timeout: timeout) ?? .closed {
        case .line(let line):
            return try Self.parse(reply: line)
        case .tooLong(let count):
            throw AgentFailure(kind: "too_long", detail: "a reply of more than \(count) bytes (the limit is \(Self.maxReplyBytes))", fatal: false)
        case .timedOut:
            stop()
            throw AgentFailure(kind: "timeout", detail: "no reply within \(timeout) s", fatal: true)
        case .closed:
            throw crashed()
        }
    }

    public func finish(score: ScoreCard) {
        if process?.isRunning == true {
            try? send(["type": .string("episode_end"), "score": .raw((try? CanonicalJSON.string(score)) ?? "null")])
        }
        stop()
    }

    /// One reply line as an action text, `nil` to stop, or a failure.
    static func parse(reply line: String) throws -> String? {
        if line.utf8.count > maxReplyBytes {
            throw AgentFailure(kind: "too_long", detail: "a reply of \(line.utf8.count) bytes (the limit is \(maxReplyBytes))", fatal: false)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw AgentFailure(kind: "not_json", detail: line, fatal: false)
        }
        guard object.keys.contains("action") else {
            throw AgentFailure(kind: "protocol", detail: "a reply without \"action\": \(line)", fatal: false)
        }
        if object["action"] is NSNull { return nil }
        guard let text = object["action"] as? String else {
            throw AgentFailure(kind: "protocol", detail: "\"action\" is not text or null: \(line)", fatal: false)
        }
        return text
    }

    private func start() throws {
        // Writing to an agent that has exited must be an error to record, not a signal that kills MedGym.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw AgentFailure(kind: "crashed", detail: "could not start '\(command)': \(error.localizedDescription)", fatal: true)
        }
        self.process = process
        self.input = stdin.fileHandleForWriting
        self.lines = LineReader(stdout.fileHandleForReading, limit: Self.maxReplyBytes * 16)
        self.errors = LineReader(stderr.fileHandleForReading, limit: 4096)
        let actions = catalog.actions.map { action in
            JSONFragment.object(["id": .string(action.id), "name": .string(action.name), "kind": .string(action.kind.rawValue)])
        }
        try send(["type": .string("hello"), "protocol": .number(2),
                  "seed": .raw(String(seed)), "step_timeout_seconds": .raw(String(timeout)),
                  "max_reply_bytes": .number(Self.maxReplyBytes), "sample": .number(sample), "actions": .array(actions)])
    }

    private func send(_ message: [String: JSONFragment]) throws {
        guard let input else { throw crashed() }
        let line = JSONFragment.object(message).text + "\n"
        do {
            try input.write(contentsOf: Data(line.utf8))
        } catch {
            throw crashed()
        }
    }

    private func crashed() -> AgentFailure {
        var detail = "the agent's process ended"
        if let process, !process.isRunning { detail += " with status \(process.terminationStatus)" }
        if let last = errors?.drained().last { detail += "; its last error line: \(last)" }
        stop()
        return AgentFailure(kind: "crashed", detail: detail, fatal: true)
    }

    private func stop() {
        try? input?.close()
        input = nil
        if let process, process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}

/// A little JSON writer for protocol messages (keys sorted, values already
/// canonical where given raw).
enum JSONFragment {
    case string(String)
    case number(Int)
    case raw(String)
    case array([JSONFragment])
    case object([String: JSONFragment])

    var text: String {
        switch self {
        case .string(let s):
            var out: [UInt8] = []
            Node.writeString(s, into: &out)
            return String(decoding: out, as: UTF8.self)
        case .number(let n): return String(n)
        case .raw(let r): return r
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { JSONFragment.string($0).text + ":" + fields[$0]!.text }.joined(separator: ",") + "}"
        }
    }
}

/// Reads lines from a pipe on a background thread, so a reply can be
/// awaited with a timeout; a line longer than `limit` bytes is reported
/// (and skipped) rather than held.
final class LineReader: @unchecked Sendable {
    enum Next {
        case line(String)
        case tooLong(Int)
        case timedOut
        case closed
    }

    private var queue: [Next] = []
    private var finished = false
    private let lock = NSCondition()

    init(_ handle: FileHandle, limit: Int) {
        let thread = Thread { [self] in
            var buffer: [UInt8] = []
            var skipping = false
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                for byte in chunk {
                    if byte == UInt8(ascii: "\n") {
                        if skipping {
                            skipping = false
                        } else {
                            push(.line(String(decoding: buffer, as: UTF8.self)))
                        }
                        buffer.removeAll(keepingCapacity: true)
                    } else if !skipping {
                        buffer.append(byte)
                        if buffer.count > limit {
                            push(.tooLong(limit))
                            buffer.removeAll()
                            skipping = true
                        }
                    }
                }
            }
            if !buffer.isEmpty && !skipping { push(.line(String(decoding: buffer, as: UTF8.self))) }
            lock.lock()
            finished = true
            lock.broadcast()
            lock.unlock()
        }
        thread.start()
    }

    private func push(_ next: Next) {
        lock.lock()
        if queue.count >= 1_000 { queue.removeFirst() }  // an agent flooding its output cannot exhaust memory
        queue.append(next)
        lock.broadcast()
        lock.unlock()
    }

    /// Whether a line is waiting to be read.
    var hasBufferedLine: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !queue.isEmpty
    }

    /// The next line, waiting up to `timeout` seconds.
    func next(timeout: Double) -> Next {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while queue.isEmpty && !finished {
            if !lock.wait(until: deadline) { return queue.isEmpty ? .timedOut : queue.removeFirst() }
        }
        return queue.isEmpty ? .closed : queue.removeFirst()
    }

    /// Every line read so far (the stderr tail for a crash report).
    func drained() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let lines = queue.compactMap { if case .line(let text) = $0 { text } else { nil } }
        queue.removeAll()
        return lines
    }
}
