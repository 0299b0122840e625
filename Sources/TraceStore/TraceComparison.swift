import MedGym

/// Where two traces of the same episode first part ways.
public struct EventDifference: Sendable, Hashable, CustomStringConvertible {
    public var seq: Int
    /// The recorded event (nil: the recording ends early).
    public var recorded: TraceEvent?
    /// The re-executed event (nil: re-execution ends early).
    public var replayed: TraceEvent?

    public var description: String {
        let place = recorded ?? replayed
        let label = place.map { "event \($0.seq) (\($0.kind.rawValue), step \($0.step), minute \($0.simMinute))" } ?? "event \(seq)"
        switch (recorded, replayed) {
        case (let r?, let p?):
            if r.kind != p.kind { return "\(label): recorded \(r.kind.rawValue), re-execution gives \(p.kind.rawValue)" }
            if r.payload != p.payload {
                return "\(label): recorded payload \(Self.clip(r.payload)) but re-execution gives \(Self.clip(p.payload))"
            }
            return "\(label): recorded hash \(r.hash.prefix(12))… but re-execution gives \(p.hash.prefix(12))…"
        case (nil, _?):
            return "the recording ends before \(label), which re-execution produces"
        case (_?, nil):
            return "re-execution ends before recorded \(label)"
        case (nil, nil):
            return label
        }
    }

    static func clip(_ text: String) -> String {
        text.count <= 120 ? text : String(text.prefix(117)) + "…"
    }
}

/// Compares traces event by event.
public enum TraceComparison {
    /// The first event at which the two traces differ in any field, or nil
    /// when they are identical.
    public static func firstDifference(recorded: [TraceEvent], replayed: [TraceEvent]) -> EventDifference? {
        for seq in 0..<max(recorded.count, replayed.count) {
            let r = seq < recorded.count ? recorded[seq] : nil
            let p = seq < replayed.count ? replayed[seq] : nil
            if r != p { return EventDifference(seq: seq, recorded: r, replayed: p) }
        }
        return nil
    }

    /// The first event whose content (seq, step, minute, kind, rng state,
    /// payload) differs, hashes aside: for a replay built without hashing
    /// against a stored trace whose chain was checked.
    public static func firstContentDifference(recorded: [TraceEvent], replayed: [TraceEvent]) -> EventDifference? {
        for seq in 0..<max(recorded.count, replayed.count) {
            let r = seq < recorded.count ? recorded[seq] : nil
            let p = seq < replayed.count ? replayed[seq] : nil
            guard let r, let p else { return EventDifference(seq: seq, recorded: r, replayed: p) }
            if r.seq != p.seq || r.step != p.step || r.simMinute != p.simMinute || r.kind != p.kind
                || r.rngState != p.rngState || r.payload != p.payload
            {
                return EventDifference(seq: seq, recorded: r, replayed: p)
            }
        }
        return nil
    }

    /// The first event whose link or hash is wrong: the chain check.
    public static func firstBrokenLink(_ events: [TraceEvent]) -> (seq: Int, problem: String)? {
        var previous = TraceHash.genesis
        for (index, event) in events.enumerated() {
            if let problem = brokenLink(event, at: index, previous: previous, rehash: true) { return (problem.seq, problem.problem) }
            previous = event.hash
        }
        return nil
    }

    /// What is wrong with `event` as the chain's `index`th link after a link hashed `previous`, if
    /// anything; `rehash` also recomputes its hash from its content.
    static func brokenLink(_ event: TraceEvent, at index: Int, previous: String, rehash: Bool) -> (seq: Int, problem: String)? {
        var label: String { "event \(event.seq) (\(event.kind.rawValue), step \(event.step), minute \(event.simMinute))" }
        if event.seq != index { return (index, "event \(index) is missing (found seq \(event.seq))") }
        if event.prevHash != previous { return (event.seq, "\(label): prev_hash does not match the previous event's hash") }
        if rehash, TraceHash.hash(of: event) != event.hash {
            return (event.seq, "\(label): hash does not match its content; the event was altered after it was written")
        }
        return nil
    }
}
