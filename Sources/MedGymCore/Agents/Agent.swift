import Foundation

/// Something that chooses the next action from what it observes.
///
/// Returns free text, as an LLM would; the environment resolves it. `nil`
/// means the agent has nothing more to do.
public protocol Agent: Sendable {
    /// A stable identifier recorded with each episode (`expert`, `random`, `script:path`).
    var id: String { get }
    /// The next action text, or nil to stop. An agent that misbehaves (an
    /// external process that crashes, hangs or answers garbage) throws an
    /// ``AgentFailure``: the runner records it and goes on.
    mutating func act(on observation: Observation) throws -> String?
    /// Told the score when the episode is over (an external agent is sent it and closed).
    mutating func finish(score: ScoreCard)
    /// What the agent produced for its last action, verbatim, when that is
    /// more than the action text (a model's tool call or whole reply); nil
    /// otherwise. Recorded with the action as `raw` (clipped to
    /// ``RawReply/limit`` characters).
    var rawReply: String? { get }
    /// The tokens the model's last reply used (a chat-completions response's
    /// `usage.total_tokens`), when the agent is a model whose endpoint
    /// reported them; nil otherwise. Recorded with the action as `tokens`.
    var replyTokens: Int? { get }
    /// Brings the agent to where it was: it is shown `observation` and takes
    /// `text` (with `raw`, its recorded output) as its answer. Used to resume
    /// a recorded agent at a fork; by default the agent is asked and its
    /// answer discarded, a model agent rebuilds its conversation without a request.
    mutating func resume(_ observation: Observation, answered text: String?, raw: String?) throws
    /// Told that its last reply was not taken and why (``TurnRefusal``), before
    /// it is asked again. A model agent passes it on to the model.
    mutating func refused(_ refusal: TurnRefusal)
}

extension Agent {
    public mutating func finish(score: ScoreCard) {}
    public var rawReply: String? { nil }
    public var replyTokens: Int? { nil }
    public mutating func refused(_ refusal: TurnRefusal) {}
    public mutating func resume(_ observation: Observation, answered text: String?, raw: String?) throws {
        _ = try act(on: observation)
    }

    /// ``act(on:)`` with an ``AgentFailure`` returned rather than thrown (other errors are thrown).
    mutating func reply(to observation: Observation) throws -> Result<String?, AgentFailure> {
        do {
            return .success(try act(on: observation))
        } catch {
            guard let failure = error as? AgentFailure else { throw error }
            return .failure(failure)
        }
    }
}

/// An agent that failed to give an action: what happened, and whether it
/// can still be asked (a reply that was not JSON) or is gone (a crash, a
/// timeout). Recorded as an `agent_error` event.
public struct AgentFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What went wrong (recorded as its string: `crashed`, `timeout`, …).
    public var kind: Kind
    /// What was seen, clipped (never a whole over-long reply).
    public var detail: String
    /// True when the agent cannot be asked again.
    public var fatal: Bool

    /// The kinds of agent failure. A kind this release does not know (from a
    /// trace of another) is kept as ``other(_:)``, so the trace still reads.
    public enum Kind: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The agent's process ended, or its endpoint could not be reached or answered an error.
        case crashed
        /// No reply within the step timeout.
        case timeout
        /// A reply that is not JSON.
        case notJSON
        /// A reply, or an endpoint's response, over its limit.
        case tooLong
        /// Valid JSON without an action, or a refused tool call.
        case protocolError
        /// An endpoint's 3xx, not followed.
        case redirect
        /// Too many texts in a row naming no catalog action.
        case rejected
        /// The client of `medgym serve` went away with the encounter in progress.
        case clientClosed
        /// The caller ended the encounter before the agent did (a `reset` or
        /// `close` mid-episode, a client gone): the episode is marked
        /// abandoned and left out of leaderboards, diffs and corpora.
        case abandoned
        case other(String)

        static let known: [(Kind, String)] = [
            (.crashed, "crashed"), (.timeout, "timeout"), (.notJSON, "not_json"), (.tooLong, "too_long"),
            (.protocolError, "protocol"), (.redirect, "redirect"), (.rejected, "rejected"), (.clientClosed, "client_closed"),
            (.abandoned, "abandoned"),
        ]

        /// The string recorded in traces.
        public var rawValue: String {
            if case .other(let text) = self { return text }
            return Self.known.first { $0.0 == self }!.1
        }

        public init(rawValue: String) {
            self = Self.known.first { $0.1 == rawValue }?.0 ?? .other(rawValue)
        }

        public init(from decoder: any Decoder) throws {
            self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        public var description: String { rawValue }
    }

    public init(kind: Kind, detail: String, fatal: Bool) {
        self.kind = kind
        self.detail = detail.count <= 200 ? detail : String(detail.prefix(200)) + "…"
        self.fatal = fatal
    }

    public var description: String { "agent \(kind): \(detail)" + (fatal ? " (agent stopped)" : "") }
}

/// Plays a fixed list of action texts in order.
public struct ScriptedAgent: Agent {
    public let id: String
    public let actions: [String]
    private var next = 0

    public init(id: String, actions: [String]) {
        self.id = id
        self.actions = actions
    }

    public mutating func act(on observation: Observation) -> String? {
        guard next < actions.count else { return nil }
        defer { next += 1 }
        return actions[next]
    }
}

/// Picks catalog actions uniformly with a seeded stream, then a disposition.
public struct RandomAgent: Agent {
    public let id = "random"
    private var stream: RandomStream
    private let choices: [String]
    private let dispositions: [String]
    private let length: Int
    private var taken = 0

    public init(seed: UInt64, sample: Int = 0, catalog: ActionCatalog) {
        var stream = RandomStream(seed: seed, purpose: sample == 0 ? "agent.random" : "agent.random.sample\(sample)")
        self.choices = catalog.actions.filter { $0.kind != .disposition }.map(\.name)
        self.dispositions = catalog.actions.filter { $0.kind == .disposition }.map(\.name)
        self.length = 5 + stream.next(below: 20)
        self.stream = stream
    }

    public mutating func act(on observation: Observation) -> String? {
        defer { taken += 1 }
        if taken == length { return dispositions[stream.next(below: dispositions.count)] }
        if taken > length { return nil }
        return choices[stream.next(below: choices.count)]
    }
}
