/// Why an agent's turn was not taken, as the agent (a model) is told it before
/// it answers again: what was wrong, the nearest actions, that nothing was done
/// and no time passed, and how many more unusable replies in a row it may give
/// before it is stopped and the patient left to the clock. Every path tells it:
/// the `openai:` agent as the answer to its tool call, a `cmd:` agent in its next
/// observation message, the stdio server in the step's text and `info`, the MCP
/// server as a tool error.
public struct TurnRefusal: Sendable, Hashable, Codable {
    /// The turn that was not taken.
    public var step: Int
    /// What was wrong, without a final full stop.
    public var reason: String
    /// The nearest catalog actions, by name, best first.
    public var suggestions: [String]
    /// Further unusable replies in a row the agent may give; the one after them stops it.
    public var remaining: Int

    public init(step: Int, reason: String, suggestions: [String], remaining: Int) {
        (self.step, self.reason, self.suggestions, self.remaining) = (step, reason, suggestions, max(0, remaining))
    }

    /// A text that names no action (or several), its suggestions named as the catalog names them.
    public init(_ rejection: RejectedAction, catalog: ActionCatalog, remaining: Int) {
        let error = rejection.error
        let names = error.suggestions.map { catalog[$0]?.name ?? $0 }
        let reason: String
        if let length = error.length {
            reason = "a reply of \(length) bytes is over the \(ActionResolver.maximumTextLength)-byte limit for one action"
        } else if error.several == true {
            reason = "'\(error.text)' names more than one action (\(names.joined(separator: ", "))); one action per turn"
        } else {
            reason = "'\(error.text)' names no action in the catalog"
        }
        self.init(step: rejection.step, reason: reason, suggestions: error.several == true ? [] : names, remaining: remaining)
    }

    enum CodingKeys: String, CodingKey { case step, reason, suggestions, remaining, message }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            step: try c.decode(Int.self, forKey: .step), reason: try c.decode(String.self, forKey: .reason),
            suggestions: try c.decode([String].self, forKey: .suggestions), remaining: try c.decode(Int.self, forKey: .remaining))
    }

    /// Written with its ``message``, so a reader need not compose it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(reason, forKey: .reason)
        try c.encode(suggestions, forKey: .suggestions)
        try c.encode(remaining, forKey: .remaining)
        try c.encode(message, forKey: .message)
    }

    /// The text the agent is shown.
    public var message: String {
        var text = "Not taken: \(reason)."
        if !suggestions.isEmpty { text += " Nearest actions: \(suggestions.joined(separator: "; "))." }
        text += " Nothing was done and no time passed; answer with one action."
        if remaining == 0 {
            text += " One more unusable reply and you are stopped: the patient is left to the clock."
        } else {
            text +=
                " After \(remaining) more unusable \(remaining == 1 ? "reply" : "replies") in a row, the next stops you and the patient is left to the clock."
        }
        return text
    }
}
