import Foundation
import MedGym
import TraceStore

/// Which stored episodes a report or an export covers: recorded runs (not
/// saved forks) of the fixtures matching shell-style patterns, optionally
/// with one label, each checked against its trace before it counts.
public enum EpisodeSelection {
    /// Comma-separated patterns ("adv_*, peds_dka"), trimmed, empties dropped; nil gives none.
    public static func patterns(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Whether `fixture` matches any of `patterns` (all match when there are none).
    public static func matches(_ fixture: String, _ patterns: [String]) -> Bool {
        patterns.isEmpty || patterns.contains { fnmatch($0, fixture, 0) == 0 }
    }

    /// The recorded runs (forks excluded) of matching fixtures, in store
    /// order, with `label` when one is given: only those whose row matches
    /// their trace, that this MedGym can re-execute, and (with `trust`)
    /// that a trusted key signed. Every other matching row is left out, with
    /// its reason.
    public static func checked(
        _ store: TraceStore, fixtures patterns: [String], label: String? = nil,
        trust: TrustedKeys? = nil
    ) throws -> CheckedSelection {
        var selection = CheckedSelection(runs: [], leftOut: [])
        for row in try store.list(includeUnfinished: true) {
            let h = row.header
            guard matches(h.fixture, patterns), label == nil || h.label == label else { continue }
            let checked: CheckedEpisode
            do {
                checked = try store.checkedEpisode(h.episodeID)
            } catch {
                selection.leftOut.append(LeftOut(episodeID: h.episodeID, agent: h.agent, label: h.label, kind: .broken, reason: error.problem))
                continue
            }
            if checked.header.parentID != nil { continue }
            if let reason = checked.unverifiedReason {
                selection.leftOut.append(LeftOut(episodeID: h.episodeID, agent: h.agent, label: h.label, kind: .unverified, reason: reason))
                continue
            }
            if let trust,
                let refusal = trust.refusal(
                    try store.signatures(h.episodeID), header: checked.header,
                    headHash: checked.listing.headHash, eventCount: checked.events.count)
            {
                selection.leftOut.append(LeftOut(episodeID: h.episodeID, agent: h.agent, label: h.label, kind: .untrusted, reason: refusal))
                continue
            }
            do {
                selection.runs.append(CheckedRun(listing: checked.listing, score: try checked.score))
            } catch {
                selection.leftOut.append(LeftOut(episodeID: h.episodeID, agent: h.agent, label: h.label, kind: .broken, reason: error.problem))
            }
        }
        return selection
    }
}

/// An episode that counts: its row (checked) and the score its trace ends with.
public struct CheckedRun: Sendable {
    public var listing: EpisodeListing
    public var score: ScoreCard
    public var header: EpisodeHeader { listing.header }
}

/// A matching episode a report did not count, and why.
public struct LeftOut: Sendable, Hashable, Codable {
    /// Why, in a word.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Its row does not match its trace, or its chain is broken.
        case broken
        /// Another simulation version (or trace format 1): chain checked, not re-executed.
        case unverified
        /// Not signed by a key the reader trusts.
        case untrusted
    }
    public var episodeID: String
    /// The agent and label its row names (unchecked, when the row is what failed).
    public var agent: String
    public var label: String?
    public var kind: Kind
    public var reason: String
}

/// The episodes a report counts and the ones it left out.
public struct CheckedSelection: Sendable {
    public var runs: [CheckedRun]
    public var leftOut: [LeftOut]

    /// One line per kind left out (`left out 2 unverified episodes (ep_…, ep_…): recorded by …`); empty when none were.
    public static func summary(_ leftOut: [LeftOut]) -> [String] {
        LeftOut.Kind.allCases.compactMap { kind in
            let some = leftOut.filter { $0.kind == kind }
            guard let first = some.first else { return nil }
            let ids = some.prefix(3).map(\.episodeID).joined(separator: ", ") + (some.count > 3 ? ", …" : "")
            let what: String =
                switch kind {
                case .broken: "whose row or chain does not check (run 'replay verify')"
                case .unverified: "unverified"
                case .untrusted: "not signed by a trusted key"
                }
            return "left out \(some.count) \(what) episode\(some.count == 1 ? "" : "s") (\(ids)): \(first.reason)\(some.count > 1 ? " (first)" : "")"
        }
    }
}
