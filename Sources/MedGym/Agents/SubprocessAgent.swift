import Foundation

/// `cmd:COMMAND`: an agent in another process, in any language, speaking
/// JSON lines over its standard input and output (protocol 2, README
/// "Bring your own agent"):
///
/// - MedGym → agent, once: `{"type":"hello","protocol":2,"seed":…,"step_timeout_seconds":…,
///   "max_reply_bytes":4096,"actions":[{"id":…,"name":…,"kind":…},…]}`
/// - MedGym → agent, each turn: `{"type":"observation","observation":{…}}`, after a
///   reply that was not taken with `"refused":{"step":…,"reason":…,"suggestions":[…],"remaining":…,"message":…}`
///   (``TurnRefusal``: what was wrong, the nearest actions, how many more bad replies in a row are allowed)
/// - agent → MedGym, each turn: `{"action":"CTA chest"}`; `{"action":null}` stops.
/// - MedGym → agent, at the end: `{"type":"episode_end","score":{…}}`, then its input closes.
///
/// What goes wrong becomes an ``AgentFailure`` (recorded as `agent_error`):
/// a crash or a reply slower than the step timeout ends the agent's turns
/// (the patient is left to the clock); a reply that is not JSON, has no
/// `action`, or is longer than 4,096 bytes is asked again, up to five bad
/// replies in a row. The command runs in a process group of its own
/// (``AgentProcess``), and neither it nor anything it started outlives the
/// episode: a timeout, a crash or the episode's end sends the whole group
/// SIGTERM, then SIGKILL half a second later (a finished agent first gets
/// half a second to exit by itself once its input is closed).
public final class SubprocessAgent: Agent, @unchecked Sendable {
    public let id: String
    public let command: String
    let seed: UInt64
    let timeout: Double
    let catalog: ActionCatalog
    /// Which draw this is, for on-policy fork samples (0: as recorded).
    let sample: Int
    private var process: AgentProcess?
    /// Why the last reply was not taken, sent with the next observation.
    private var refusal: TurnRefusal?

    /// Longest reply accepted, in bytes.
    public static let maxReplyBytes = 4096
    /// Seconds a finished agent gets to exit by itself once its input is closed, before its group is signalled.
    static let exitPatience = 0.5

    public init(
        command: String, seed: UInt64, timeout: Double, sample: Int = 0,
        catalog: ActionCatalog = .shipped
    ) {
        self.sample = sample
        self.id = "cmd:\(command)"
        self.command = command
        self.seed = seed
        self.timeout = timeout
        self.catalog = catalog
    }

    deinit { process?.end(patience: 0) }

    public func act(on observation: Observation) throws -> String? {
        if process == nil { try start() }
        guard let process, process.isRunning || process.output.hasBufferedLine else { throw crashed() }
        let deadline = Date().addingTimeInterval(timeout)
        var message: [String: JSONFragment] = ["type": .string("observation"), "observation": .raw(try CanonicalJSON.string(observation))]
        if let refusal {
            message["refused"] = .raw(try CanonicalJSON.string(refusal))
            self.refusal = nil
        }
        try send(message, until: deadline)
        switch process.output.next(timeout: max(0, deadline.timeIntervalSinceNow)) {
        case .line(let line):
            return try Self.parse(reply: line)
        case .tooLong(let count):
            throw AgentFailure(kind: .tooLong, detail: "a reply of more than \(count) bytes (the limit is \(Self.maxReplyBytes))", fatal: false)
        case .timedOut:
            process.end(patience: 0)
            throw AgentFailure(kind: .timeout, detail: "no reply within \(timeout) s", fatal: true)
        case .closed:
            throw crashed()
        }
    }

    public func refused(_ refusal: TurnRefusal) { self.refusal = refusal }

    public func finish(score: ScoreCard) {
        if let process, process.isRunning {
            try? send(
                ["type": .string("episode_end"), "score": .raw((try? CanonicalJSON.string(score)) ?? "null")],
                until: Date().addingTimeInterval(min(timeout, 1)))
        }
        process?.end(patience: Self.exitPatience)
    }

    /// One reply line as an action text, `nil` to stop, or a failure.
    static func parse(reply line: String) throws -> String? {
        if line.utf8.count > maxReplyBytes {
            throw AgentFailure(kind: .tooLong, detail: "a reply of \(line.utf8.count) bytes (the limit is \(maxReplyBytes))", fatal: false)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw AgentFailure(kind: .notJSON, detail: line, fatal: false)
        }
        guard object.keys.contains("action") else {
            throw AgentFailure(kind: .protocolError, detail: "a reply without \"action\": \(line)", fatal: false)
        }
        if object["action"] is NSNull { return nil }
        guard let text = object["action"] as? String else {
            throw AgentFailure(kind: .protocolError, detail: "\"action\" is not text or null: \(line)", fatal: false)
        }
        return text
    }

    private func start() throws {
        // Writing to an agent that has exited must be an error to record, not a signal that kills MedGym.
        signal(SIGPIPE, SIG_IGN)
        let process: AgentProcess
        do {
            process = try AgentProcess(command: command, outputLimit: Self.maxReplyBytes * 16, errorLimit: 4096)
        } catch {
            throw AgentFailure(kind: .crashed, detail: "could not start '\(command)': \(error.localizedDescription)", fatal: true)
        }
        self.process = process
        let actions = catalog.actions.map { action in
            JSONFragment.object(["id": .string(action.id), "name": .string(action.name), "kind": .string(action.kind.rawValue)])
        }
        try send(
            [
                "type": .string("hello"), "protocol": .number(2),
                "seed": .raw(String(seed)), "step_timeout_seconds": .raw(String(timeout)),
                "max_reply_bytes": .number(Self.maxReplyBytes), "sample": .number(sample), "actions": .array(actions),
            ],
            until: Date().addingTimeInterval(timeout))
    }

    /// Writes one message; an agent that takes none of it in before `deadline` is stopped as timed out.
    private func send(_ message: [String: JSONFragment], until deadline: Date) throws {
        guard let process else { throw crashed() }
        let line = JSONFragment.object(message).text + "\n"
        switch process.write(Array(line.utf8), until: deadline) {
        case .written: return
        case .closed: throw crashed()
        case .timedOut:
            process.end(patience: 0)
            throw AgentFailure(kind: .timeout, detail: "its input was not read within \(timeout) s", fatal: true)
        }
    }

    /// The agent's end as a failure: how it exited and the last line it wrote to stderr.
    private func crashed() -> AgentFailure {
        var detail = "the agent's process ended"
        if let process {
            process.errors.waitUntilClosed(timeout: 0.3)  // its last words, unless a child of its holds stderr open
            process.end(patience: 0)
            if let how = process.exitDescription { detail += " with \(how)" }
            if let last = process.errors.drained().last { detail += "; its last error line: \(last)" }
        }
        return AgentFailure(kind: .crashed, detail: detail, fatal: true)
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
        case .string(let s): return CanonicalJSON.quoted(s)
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
/// (and skipped) rather than held. The thread owns the descriptor and closes
/// it at end of file or once ``stop()`` is called (even while a process
/// outside the agent's group still holds the pipe's other end).
final class LineReader: @unchecked Sendable {
    enum Next {
        case line(String)
        case tooLong(Int)
        case timedOut
        case closed
    }

    private var queue: [Next] = []
    private var finished = false
    private var stopped = false
    private let lock = NSCondition()

    init(fd: Int32, limit: Int) {
        let thread = Thread { [self] in
            var buffer: [UInt8] = []
            var skipping = false
            var chunk = [UInt8](repeating: 0, count: 65_536)
            reading: while !isStopped {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, 100)
                if ready == 0 || (ready < 0 && errno == EINTR) { continue }
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if count <= 0 { break reading }
                for byte in chunk[..<count] {
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
            close(fd)
            if !buffer.isEmpty && !skipping { push(.line(String(decoding: buffer, as: UTF8.self))) }
            lock.lock()
            finished = true
            lock.broadcast()
            lock.unlock()
        }
        thread.start()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Stops reading (within a tenth of a second) and closes the descriptor; lines already read stay.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
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

    /// Waits up to `timeout` seconds for the end of the input.
    func waitUntilClosed(timeout: Double) {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while !finished && lock.wait(until: deadline) {}
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
