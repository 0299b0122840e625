import Foundation
import MedGym

/// Who and what an episode is: metadata kept beside the events, outside the
/// hash chain (so the same trace recorded twice hashes the same).
public struct EpisodeHeader: Sendable, Hashable, Codable {
    /// `ep_` + 12 hex digits.
    public var episodeID: String
    public var fixture: String
    public var tier: Int?
    /// The variant of a scenario's person (`3` for `aortic_dissection/t40/v3`); nil for curated fixtures
    /// and files (``variant(ofFixture:)``).
    public var variant: String?
    public var seed: UInt64
    /// The agent id (`expert`, `anchoring`, `script:path`, `fork:original`, …).
    public var agent: String
    /// A free model or version label (`gpt-x-2026-10`, `wave1b`).
    public var label: String?
    public var libraryVersion: String
    /// ISO 8601, UTC. Metadata only: never hashed, never compared.
    public var createdAt: String
    /// For a saved fork: the episode it was forked from and at which step.
    public var parentID: String?
    public var forkStep: Int?

    /// The variant a fixture id names: a scenario id's variant number, nil for any other name.
    public static func variant(ofFixture id: String) -> String? {
        (try? ScenarioID(parsing: id))??.variant.description
    }

    public init(
        episodeID: String, fixture: String, tier: Int? = nil, variant: String? = nil, seed: UInt64, agent: String,
        label: String? = nil, libraryVersion: String = MedGymVersion.current, createdAt: String,
        parentID: String? = nil, forkStep: Int? = nil
    ) {
        self.episodeID = episodeID
        self.fixture = fixture
        self.tier = tier
        self.variant = variant
        self.seed = seed
        self.agent = agent
        self.label = label
        self.libraryVersion = libraryVersion
        self.createdAt = createdAt
        self.parentID = parentID
        self.forkStep = forkStep
    }
}

/// A whole recorded episode, ready to store: header, events and the score
/// the events end with, and the final state where it was played here.
public struct RecordedEpisode: Sendable, Hashable {
    public var header: EpisodeHeader
    /// Changing the events forgets that this process built their chain.
    public var events: [TraceEvent] { didSet { chainBuiltHere = false } }
    public var score: ScoreCard
    /// The environment at the end, when the episode was played or re-executed
    /// here; nil for a trace of another simulation version (kept, not re-run).
    public var finalState: EpisodeState?
    /// Signatures carried with the trace (from an imported log); the store
    /// adds its own signing key's when it has one.
    public var signatures: [EpisodeSignature] = []
    /// True only for traces this module's ``TraceBuilder`` chained in this
    /// process (a recording or a re-execution): ``TraceStore/save(_:sameContent:)``
    /// then skips re-checking the chain it just built. Set nowhere else, so
    /// anything assembled from outside (an import's input, a fork) is checked.
    public internal(set) var chainBuiltHere = false

    /// Steps taken and the last simulated minute: from the final state, or
    /// from the events for a trace not re-executed (an older simulation).
    public var extent: (steps: Int, minute: Int) {
        if let finalState { return (finalState.step, finalState.minute) }
        let actions = events.filter { $0.kind == .actionReceived || $0.kind == .noAction }
        return (actions.last?.step ?? 0, events.last?.simMinute ?? 0)
    }

    public init(header: EpisodeHeader, events: [TraceEvent], score: ScoreCard, finalState: EpisodeState?) {
        self.header = header
        self.events = events
        self.score = score
        self.finalState = finalState
    }

    /// The hash of the last event: a digest of the whole trace.
    public var headHash: String { events.last?.hash ?? TraceHash.genesis }
}

/// Episode ids: `ep_` and 12 lowercase hex digits.
public enum EpisodeID {
    /// Whether `text` is a well-formed episode id.
    public static func isValid(_ text: String) -> Bool {
        guard text.hasPrefix("ep_"), text.count == 15 else { return false }
        return text.dropFirst(3).allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// A content-derived id: the same trace by the same agent (and parent)
    /// always gets the same id, so recording it twice stores it once.
    public static func derive(headHash: String, agent: String, label: String?, parentID: String?, forkStep: Int?) -> String {
        let material = [headHash, agent, label ?? "", parentID ?? "", forkStep.map(String.init) ?? ""].joined(separator: "\n")
        return "ep_" + TraceHash.sha256(Data(material.utf8)).prefix(12)
    }
}
