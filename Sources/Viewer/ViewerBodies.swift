import Foundation
import MedGym
import TraceStore

/// One row of the episode list: the stored row and how it checked against its trace.
struct EpisodeRow: Sendable, Encodable {
    var episodeID: String
    var fixture: String
    var tier: Int?
    var variant: String?
    var seed: String
    var agent: String
    var label: String?
    var createdAt: String
    var parentID: String?
    var forkStep: Int?
    var steps: Int?
    var endMinute: Int?
    var outcome: String?
    var harmLevel: String?
    var composite: Double?
    var tokens: Int?
    /// checked, unverified (another simulation) or broken (row and trace disagree: not served).
    var check: String
    var reason: String?

    /// A row that checked: `unverified` with the reason when another simulation recorded it.
    init(_ row: EpisodeListing, unverifiedReason: String?) {
        self.init(row, check: unverifiedReason == nil ? "checked" : "unverified", reason: unverifiedReason)
    }

    init(_ row: EpisodeListing, check: String, reason: String?) {
        let h = row.header
        (episodeID, fixture, tier, variant, seed, agent, label) = (h.episodeID, h.fixture, h.tier, h.variant, String(h.seed), h.agent, h.label)
        (createdAt, parentID, forkStep) = (h.createdAt, h.parentID, h.forkStep)
        (steps, endMinute, outcome, harmLevel, composite, tokens) = (
            row.summary?.steps, row.summary?.endMinute, row.summary?.outcome, row.summary?.harmLevel, row.summary?.composite,
            row.summary?.tokens
        )
        (self.check, self.reason) = (check, reason)
    }
}

struct EpisodesPage: Sendable, Encodable {
    var total: Int
    var offset: Int
    var limit: Int
    var rows: [EpisodeRow]
}

struct Facet: Sendable, Encodable {
    var name: String
    var values: [String]
}

struct Facets: Sendable, Encodable {
    var facets: [Facet]
    var store: String
    var allowSave: Bool
    var allowRun: Bool
    /// The shipped fixtures (the live page's choices; a scenario id is typed).
    var fixtures: [String]
}

struct EventHead: Sendable, Encodable {
    var seq: Int
    var step: Int
    var minute: Int
    var kind: String
}

struct ActionLookup: Sendable, Encodable {
    var text: String
    var action: String?
    var name: String?
    var suggestions: [String]
}

struct LiveStarted: Sendable, Encodable {
    var run: Int
    var stream: String
}

struct ForkRequest: Sendable, Decodable {
    var episode: String
    var step: Int
    var action: String
    var continuation: String?
    var save: Bool?
}
