/// One thing the environment did or saw, stamped with the simulated minute.
///
/// Events are the raw material of the trace store: each step returns the
/// events it produced, in order. Payload fields that do not apply are absent.
public struct EnvironmentEvent: Sendable, Hashable, Codable {
    public var minute: Int
    public var kind: Kind
    /// Canonical action id, for action, response, order and result events.
    public var action: String?
    /// Human-readable content: the answer, the result, the alert.
    public var text: String?
    /// Monitor values, for vitals events.
    public var vitals: ObservedVitals?
    /// Minute the order was placed, for result events.
    public var orderedAt: Int?

    public init(minute: Int, kind: Kind, action: String? = nil, text: String? = nil, vitals: ObservedVitals? = nil, orderedAt: Int? = nil) {
        self.minute = minute
        self.kind = kind
        self.action = action
        self.text = text
        self.vitals = vitals
        self.orderedAt = orderedAt
    }

    /// The kinds of environment event.
    public enum Kind: String, Sendable, Hashable, Codable {
        case actionTaken = "action_taken"
        case response
        case orderPlaced = "order_placed"
        case resultArrived = "result_arrived"
        case warning
        case alert
        case finding
        /// The monitor at the end of a step: simulations 1 and 2 only (the
        /// observation that follows carries the same values).
        case vitals
        case episodeEnded = "episode_ended"
    }
}
