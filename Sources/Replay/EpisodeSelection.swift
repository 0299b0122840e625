import Foundation
import TraceStore

/// Which stored episodes a report or an export covers: recorded runs (not
/// saved forks) of the fixtures matching shell-style patterns, optionally
/// with one label.
public enum EpisodeSelection {
    /// Comma-separated patterns ("adv_*, peds_dka"), trimmed, empties dropped; nil gives none.
    public static func patterns(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Whether `fixture` matches any of `patterns` (all match when there are none).
    public static func matches(_ fixture: String, _ patterns: [String]) -> Bool {
        patterns.isEmpty || patterns.contains { fnmatch($0, fixture, 0) == 0 }
    }

    /// The stored runs (forks excluded) of matching fixtures, in store order, with `label` when one is given.
    public static func listings(_ store: TraceStore, fixtures patterns: [String], label: String? = nil) throws -> [EpisodeListing] {
        try store.list().filter { listing in
            listing.header.parentID == nil && matches(listing.header.fixture, patterns) && (label == nil || listing.header.label == label)
        }
    }
}
