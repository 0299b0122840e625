/// A model's raw output as the trace keeps it.
public enum RawReply {
    /// Characters kept; a longer reply keeps its first `limit` and an ellipsis.
    public static let limit = 16_384

    /// `text` clipped to ``limit`` characters (clipping twice changes nothing).
    public static func clipped(_ text: String?) -> String? {
        guard let text else { return nil }
        return text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
