import Foundation
import MedGym

/// The model tokens a trace records: what its endpoint reported for each
/// reply, carried by the `action_received` and `action_rejected` events as
/// `tokens`. The store's summary keeps their sum, checked against the trace.
public enum ReplyTokens {
    /// The sum of the replies' recorded tokens, or nil when no reply carries a count.
    public static func total(in events: [TraceEvent]) -> Int? {
        struct Count: Decodable { var tokens: Int? }
        var total: Int?
        for event in events where event.kind == .actionReceived || event.kind == .actionRejected {
            // Most traces carry no counts: only a payload with the key is decoded.
            guard mentionsCount(event.payload),
                let count = (try? CanonicalJSON.decode(Count.self, from: Data(event.payload.utf8)))?.tokens
            else { continue }
            total = adding(count, to: total)
        }
        return total
    }

    /// The key as canonical JSON writes it (inside a string its quotes would be escaped).
    private static let key = Array("\"tokens\":".utf8)

    /// Whether `payload` holds the key: a byte search, as every read of an episode checks its row.
    static func mentionsCount(_ payload: String) -> Bool {
        let found = payload.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count >= key.count else { return false }
            // The key's second byte, `t`, is rare in JSON's structure: look for it, then compare.
            var at = 1
            while at <= bytes.count - key.count + 1 {
                if bytes[at] == key[1], bytes[at - 1] == key[0], bytes[(at - 1)..<(at - 1 + key.count)].elementsEqual(key) { return true }
                at += 1
            }
            return false
        }
        return found ?? payload.contains("\"tokens\":")
    }

    /// `count` added to `total` (nil counts as 0), held at the bounds of `Int` rather than overflowing
    /// (a trace's counts are what its endpoint claimed, so any value can be met).
    public static func adding(_ count: Int, to total: Int?) -> Int {
        let (sum, overflow) = (total ?? 0).addingReportingOverflow(count)
        guard overflow else { return sum }
        return count > 0 ? Int.max : Int.min
    }
}
