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
    /// that a trusted key signed, and that the agent played to its end (an
    /// episode its caller abandoned counts only with `includeAbandoned`).
    /// Every other matching row is left out, with its reason.
    public static func checked(
        _ store: any EpisodeStore, fixtures patterns: [String], label: String? = nil,
        trust: TrustedKeys? = nil, includeAbandoned: Bool = false, jobs: Int = 1
    ) throws -> CheckedSelection {
        var selection = CheckedSelection(runs: [], leftOut: [])
        let rows = try store.list(includeUnfinished: true).filter { row in
            matches(row.header.fixture, patterns) && (label == nil || row.header.label == label)
        }
        // Each of `jobs` workers reads and checks a contiguous share of the rows on its own connection;
        // the shares are joined in store order, so the selection is the same for any `jobs`.
        let checker = store.checker
        let outcomes = try OrderedWork.inShares(rows, workers: try store.connections(min(jobs, rows.count))) { reader, row in
            examine(read(row, from: reader, trust: trust), checker: checker, trust: trust, includeAbandoned: includeAbandoned)
        }
        for outcome in outcomes {
            switch outcome {
            case .run(let run): selection.runs.append(run)
            case .leftOut(let leftOut): selection.leftOut.append(leftOut)
            case .fork: break
            }
        }
        return selection
    }

    /// One row's outline (and signatures, with `trust`) as `store` holds them; a failure to read is kept.
    static func read(_ row: EpisodeListing, from store: any EpisodeStore, trust: TrustedKeys?) -> Read {
        var item = Read(header: row.header, listing: row, outline: TraceOutline(events: [], count: 0), signatures: [], failure: nil)
        do throws(StoreError) {
            item.outline = try store.outline(row.header.episodeID)
            if trust != nil { item.signatures = try store.signatures(row.header.episodeID) }
        } catch {
            item.failure = error.problem
        }
        return item
    }

    /// One row as read from the store, before it is checked.
    struct Read: Sendable {
        var header: EpisodeHeader
        var listing: EpisodeListing?
        var outline: TraceOutline
        var signatures: [EpisodeSignature]
        /// Why it could not be read.
        var failure: String?
    }

    /// What a row is to a selection.
    enum Examined: Sendable {
        case run(CheckedRun)
        case leftOut(LeftOut)
        /// A saved fork: never counted, never listed as left out.
        case fork
    }

    /// One row, checked as the selection checks it.
    static func examine(_ read: Read, checker: EpisodeChecker, trust: TrustedKeys?, includeAbandoned: Bool) -> Examined {
        let h = read.header
        func leftOut(_ kind: LeftOut.Kind, _ reason: String) -> Examined {
            .leftOut(LeftOut(episodeID: h.episodeID, agent: h.agent, label: h.label, kind: kind, reason: reason))
        }
        guard let listing = read.listing, read.failure == nil else { return leftOut(.broken, read.failure ?? "unreadable") }
        let checked: CheckedOutline
        do {
            checked = try checker.check(listing, outline: read.outline)
        } catch {
            return leftOut(.broken, error.problem)
        }
        if checked.header.parentID != nil { return .fork }
        if let reason = checked.unverifiedReason { return leftOut(.unverified, reason) }
        if let trust,
            let refusal = trust.refusal(read.signatures, header: checked.header, headHash: checked.listing.headHash, eventCount: checked.eventCount)
        {
            return leftOut(.untrusted, refusal)
        }
        let score = checked.scoreWithoutItems
        if let why = score.abandoned, !includeAbandoned { return leftOut(.abandoned, why) }
        return .run(CheckedRun(listing: checked.listing, score: score, provenance: checked.start.provenance))
    }

    /// Named episodes, each checked before anything is written from them: an
    /// unknown id or a row that does not match its trace throws its
    /// ``StoreError``; another simulation's episode, or (with `trust`) one no
    /// trusted key signed, is a ``SelectionRefusal``.
    public static func requireCounted(_ ids: [String], in store: any EpisodeStore, trust: TrustedKeys? = nil) throws {
        for id in ids {
            let checked = try store.checkedEpisode(id)
            if let reason = checked.unverifiedReason { throw SelectionRefusal.unverified(episode: id, reason: reason) }
            if let trust,
                let refusal = trust.refusal(
                    try store.signatures(id), header: checked.header, headHash: checked.listing.headHash, eventCount: checked.events.count)
            {
                throw SelectionRefusal.untrusted(episode: id, reason: refusal)
            }
        }
    }

    /// Every row of the store (finished or not: hiding a row is what an edit would want), each checked
    /// against its trace: what `replay list` shows.
    public static func index(_ store: any EpisodeStore, jobs: Int = 1) throws -> [IndexedEpisode] {
        let rows = try store.list(includeUnfinished: true)
        // As `checked`: each worker a contiguous share on its own connection, joined in store order.
        let checker = store.checker
        return try OrderedWork.inShares(rows, workers: try store.connections(min(jobs, rows.count))) { reader, row in
            let id = row.header.episodeID
            do throws(StoreError) {
                let checked = try checker.check(row, outline: try reader.outline(id))
                let reason = checked.unverifiedReason
                return IndexedEpisode(
                    episode: id, check: reason == nil ? .checked : .unverified, reason: reason, listing: checked.listing,
                    abandoned: checked.scoreWithoutItems.abandoned)
            } catch {
                return IndexedEpisode(episode: id, check: .broken, reason: error.problem, listing: nil)
            }
        }
    }
}

/// A named episode a corpus cannot be made from.
public enum SelectionRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case unverified(episode: String, reason: String)
    case untrusted(episode: String, reason: String)

    public var description: String {
        switch self {
        case .unverified(let id, let reason): "\(id) is unverified (\(reason)): a corpus needs episodes this MedGym re-executes"
        case .untrusted(let id, let reason): "\(id) is \(reason); --trust exports only episodes a trusted key signed"
        }
    }
}

/// A store row as listed: checked against its trace first; the row itself only when it checks.
public struct IndexedEpisode: Sendable, Encodable {
    /// How the row checked.
    public enum Check: String, Sendable, Hashable, Encodable {
        /// Row and chain agree, and this MedGym re-executes it.
        case checked
        /// Row and chain agree, but another simulation recorded it.
        case unverified
        /// Not served: the row or the chain does not check.
        case broken
    }
    public var episode: String
    public var check: Check
    public var reason: String?
    public var listing: EpisodeListing?
    /// Why its caller abandoned it, when it did (reports leave it out).
    public var abandoned: String? = nil
}

/// An episode that counts: its row (checked) and the score its trace ends with.
public struct CheckedRun: Sendable {
    public var listing: EpisodeListing
    public var score: ScoreCard
    /// Who recorded it, with the model's settings (absent in format-1 traces).
    public var provenance: Provenance? = nil
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
        /// Ended by its caller before the agent did (a reset or close mid-episode, a client gone).
        case abandoned
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
                case .abandoned: "abandoned"
                }
            let hint = kind == .abandoned ? "; --include-abandoned counts them" : ""
            return "left out \(some.count) \(what) episode\(some.count == 1 ? "" : "s") (\(ids)): \(first.reason)\(some.count > 1 ? " (first)" : "")\(hint)"
        }
    }
}
