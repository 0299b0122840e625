import Foundation
import MedGym
import TraceStore

/// Figures that need a reference beside them, measured in the same run: this
/// machine's speed swings by up to 2× between runs, so a figure is read
/// against what the machine did for the bare task at the same time.
///
/// - JSON: the house's canonical encoder against Foundation's `JSONEncoder`
///   (sorted keys) on the same score card.
/// - JSON decoding: every event payload of one recorded episode read by
///   ``CanonicalJSON/decode(_:from:)`` against `JSONDecoder` with the same key strategy.
/// - Processes: an empty process (`/bin/true`), `medgym --version` (start-up:
///   loading, argument parsing) and one `replay fork` of the demo episode,
///   each the median of its starts.
/// - MCP: a tool call's round trip through `medgym serve --mcp`, the median
///   over 200 calls, against the same server's `ping`.
public struct ReferenceBenchmark {
    /// The `medgym` executable (its folder also holds `replay`).
    public let medgym: String
    /// The demo episode's event log, for the fork (skipped when absent).
    public let demoLog: String
    public let starts: Int
    public let calls: Int

    public init(medgym: String, demoLog: String = "traces/ep_0fa72a32ec1d.jsonl", starts: Int = 20, calls: Int = 200) {
        (self.medgym, self.demoLog, self.starts, self.calls) = (medgym, demoLog, starts, calls)
    }

    typealias Figure = SimulationBenchmark.Figure

    public func run() throws -> [SimulationBenchmark.Figure] {
        try json() + decoding() + processes() + mcp()
    }

    /// Encodes per second of one expert episode's score card: the canonical encoder, and Foundation's.
    func json() throws -> [Figure] {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var agent = AgentSpec.expert.makeAgent(fixture: fixture, seed: 1)
        let card = try EpisodeRunner(fixture: fixture).run(seed: 1, agent: &agent).score
        let count = 2_000
        let clock = ContinuousClock()
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys]
        var canonical: [Double] = []
        var bare: [Double] = []
        for _ in 0..<3 {
            canonical.append(try clock.measure { for _ in 0..<count { _ = try CanonicalJSON.data(card) } }.seconds)
            bare.append(try clock.measure { for _ in 0..<count { _ = try foundation.encode(card) } }.seconds)
        }
        let bytes = try CanonicalJSON.data(card).count
        let detail = "one score card (\(bytes) bytes), \(count) encodes, median of 3 rounds"
        return [
            Figure(name: "json_canonical_encodes_per_second", value: Double(count) / canonical.sorted()[1], unit: "encodes/s", detail: detail),
            Figure(
                name: "reference_foundation_json_encodes_per_second", value: Double(count) / bare.sorted()[1], unit: "encodes/s",
                detail: detail + ", JSONEncoder with sorted keys"),
        ]
    }

    /// Payloads decoded per second: the canonical decoder, and Foundation's.
    func decoding() throws -> [Figure] {
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        var agent = AgentSpec.anchoring.makeAgent(fixture: fixture, seed: 42)
        let payloads = try EpisodeRecorder(fixture: fixture).record(seed: 42, agent: &agent, createdAt: "bench").events
            .map { Data($0.payload.utf8) }
        let rounds = 20
        let clock = ContinuousClock()
        var canonical: [Double] = []
        var bare: [Double] = []
        for _ in 0..<3 {
            canonical.append(
                try clock.measure { for _ in 0..<rounds { for p in payloads { _ = try CanonicalJSON.decode(TracePayload.self, from: p) } } }.seconds)
            bare.append(
                try clock.measure { for _ in 0..<rounds { for p in payloads { _ = try CanonicalJSON.foundationDecode(TracePayload.self, from: p) } } }
                    .seconds)
        }
        let count = Double(rounds * payloads.count)
        let detail = "the \(payloads.count) event payloads of the demo episode, \(rounds) times, median of 3 rounds"
        return [
            Figure(name: "json_canonical_decodes_per_second", value: count / canonical.sorted()[1], unit: "payloads/s", detail: detail),
            Figure(
                name: "reference_foundation_json_decodes_per_second", value: count / bare.sorted()[1], unit: "payloads/s",
                detail: detail + ", JSONDecoder with the same key strategy"),
        ]
    }

    /// Milliseconds per start (median): an empty process, `medgym --version`, and a `replay fork` of the demo.
    func processes() throws -> [Figure] {
        let folder = URL(fileURLWithPath: medgym).deletingLastPathComponent()
        let replay = folder.appendingPathComponent("replay").path
        var figures = [
            Figure(
                name: "reference_empty_process_start", value: try median(of: ["/bin/true"]), unit: "ms",
                detail: "/bin/true, median of \(starts) starts"),
            Figure(
                name: "medgym_version_process", value: try median(of: [medgym, "--version"]), unit: "ms",
                detail: "medgym --version: loading and argument parsing, median of \(starts) starts"),
        ]
        if FileManager.default.fileExists(atPath: demoLog), FileManager.default.isExecutableFile(atPath: replay) {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("medgym-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let store = scratch.appendingPathComponent("store.sqlite").path
            _ = try Self.launch([replay, "import", demoLog, "--store", store])
            figures.append(
                Figure(
                    name: "replay_fork_process",
                    value: try median(of: [replay, "fork", "ep_0fa72a32ec1d", "--at", "13", "--action", "CTA chest", "--store", store]),
                    unit: "ms", detail: "one replay fork of the demo at step 13 (a whole process), median of \(starts) starts"))
        }
        return figures
    }

    /// Median milliseconds of `starts` runs of a command (its output discarded; it must exit 0).
    func median(of command: [String]) throws -> Double {
        var times: [Double] = []
        for _ in 0..<starts {
            times.append(try Self.launch(command) * 1000)
        }
        return times.sorted()[times.count / 2]
    }

    /// Runs a command to its end; seconds taken.
    static func launch(_ command: [String]) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            try process.run()
            process.waitUntilExit()
        }
        guard process.terminationStatus == 0 else {
            throw BenchmarkError.commandFailed(command.joined(separator: " "), status: process.terminationStatus)
        }
        return elapsed.seconds
    }

    /// A tool call's and a ping's round trip through `medgym serve --mcp` (no store), medians in milliseconds.
    func mcp() throws -> [Figure] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: medgym)
        process.arguments = ["serve", "--mcp", "--no-store", "--fixture", "adv_aaa_30min"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        var reader = LineReader(handle: output.fileHandleForReading)
        func send(_ line: String) throws { try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) }
        func request(_ id: Int, _ method: String, _ params: String) throws -> Double {
            let clock = ContinuousClock()
            return try clock.measure {
                try send(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#)
                guard reader.next() != nil else { throw BenchmarkError.commandFailed("medgym serve --mcp", status: -1) }
            }.seconds * 1000
        }
        _ = try request(0, "initialize", #"{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}"#)
        try send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        var calls: [Double] = []
        var pings: [Double] = []
        for id in 1...self.calls {
            // An exam (the patient steps on, until the encounter's limits end it) and a look, alternately.
            let tool = id % 2 == 1 ? #"{"name":"exam","arguments":{"action":"cardiovascular exam"}}"# : #"{"name":"observe","arguments":{}}"#
            calls.append(try request(id, "tools/call", tool))
            pings.append(try request(10_000 + id, "ping", "{}"))
        }
        let detail = "\(self.calls) calls over stdin/stdout, median"
        return [
            Figure(name: "mcp_tool_call", value: calls.sorted()[calls.count / 2], unit: "ms", detail: detail + " (an exam or a look)"),
            Figure(name: "reference_mcp_ping", value: pings.sorted()[pings.count / 2], unit: "ms", detail: detail + " (ping: the transport alone)"),
        ]
    }

    /// Lines from a pipe, read as they come.
    struct LineReader {
        let handle: FileHandle
        var buffer = Data()
        init(handle: FileHandle) { self.handle = handle }
        mutating func next() -> Data? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer = Data(buffer[(newline + 1)...])
                    return Data(line)
                }
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }
    }
}

/// Why a benchmark could not measure.
public enum BenchmarkError: Error, CustomStringConvertible {
    case commandFailed(String, status: Int32)

    public var description: String {
        switch self {
        case .commandFailed(let command, let status): "'\(command)' failed (exit status \(status)); build with swift build -c release first"
        }
    }
}
