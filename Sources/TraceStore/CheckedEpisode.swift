import Foundation
import MedGym

/// An episode as the store serves it: every field of its row checked
/// against its hash chain. The chain links and ends where the row says;
/// fixture, seed, agent, label and library version are the ones its
/// `episode_started` names; tier is the fixture's; a fork's parent and step
/// are the ones its content-derived id was made from; the summary is its
/// score event's, its tokens the sum its replies record; and the trace ends
/// with that score event.
///
/// What this does not prove: that the events are what the simulation does
/// (``isReexecutable`` says whether `replay verify` can re-execute them here),
/// or who recorded them (a signature does: see ``EpisodeSignature``).
public struct CheckedEpisode: Sendable {
    public var listing: EpisodeListing
    public var events: [TraceEvent]
    public var start: TraceStart
    /// The trace's last event, its score event (checked to be one).
    let scoreEvent: TraceEvent
    /// The store it was read from (for errors).
    let storePath: String

    /// The score card the trace ends with, decoded on first use (listing
    /// episodes needs only the headline the row was checked against).
    public var score: ScoreCard {
        get throws(StoreError) {
            do {
                guard let card = try scoreEvent.decodedPayload().score else { throw TraceFormatError.noScoreCard }
                return card
            } catch {
                throw .rowMismatch(id: id, path: storePath, problem: "its score event does not decode: \(error)")
            }
        }
    }

    /// The score card the trace ends with, without its items (`items` empty): what leaderboards,
    /// diffs, lists and selections read. Building the items (every answer-key entry, its detail and
    /// source) is most of a card's decoding; the rest is the same as ``score``'s.
    public var scoreWithoutItems: ScoreCard {
        get throws(StoreError) {
            do {
                return try ItemlessScore.card(scoreEvent.payload)
            } catch {
                throw .rowMismatch(id: id, path: storePath, problem: "its score event does not decode: \(error)")
            }
        }
    }

    public var header: EpisodeHeader { listing.header }
    public var id: String { listing.header.episodeID }

    /// Whether this MedGym's simulation recorded it, so `replay verify` can
    /// re-execute it and its score was computed here. Another version's
    /// episode is unverified: chain checked, score as recorded.
    public var isReexecutable: Bool { start.isCurrentSimulation }

    /// Why this episode's score cannot count on a leaderboard, a diff or a
    /// corpus, or nil when it can: another simulation version, or a trace
    /// format whose agent and label lie outside the chain.
    public var unverifiedReason: String? { start.unverifiedReason }
}

extension TraceStart {
    /// Why an episode that starts so cannot count on a leaderboard, a diff or a corpus, or nil when it
    /// can: another simulation version, or a trace format whose agent and label lie outside the chain.
    public var unverifiedReason: String? {
        if !isCurrentSimulation {
            return
                "recorded by simulation \(simulation) (this MedGym re-executes simulation \(MedGymVersion.simulation) only; MedGym \(MedGymVersion.release(ofSimulation: simulation)) can verify it)"
        }
        if provenance == nil {
            return "trace format 1: its agent and label are outside the hash chain"
        }
        return nil
    }
}

/// Where a store row disagrees with the trace it indexes.
public enum RowCheck {
    /// Every disagreement between `listing` and `events`, as
    /// `field: row says X, the trace says Y`; empty when they agree.
    /// `fixtureTier` is the tier of the fixture the trace names, when that
    /// fixture is the one it was recorded against.
    public static func disagreements(
        _ listing: EpisodeListing, start: TraceStart, events: [TraceEvent],
        score: ScoreHeadline?, fixtureTier: Int??
    ) -> [String] {
        let h = listing.header
        var found: [String] = []
        if !listing.finished {
            found.append(
                "finished: the row says 0, but MedGym writes an episode whole and the trace ends with its \(score == nil ? "last event" : "score event")")
        }
        if start.fixture != h.fixture || start.seed != h.seed {
            found.append("fixture/seed: the row says \(h.fixture) seed \(h.seed), episode_started says \(start.fixture) seed \(start.seed)")
        }
        if let provenance = start.provenance {
            found += provenance.disagreements(with: h)
        }
        if let fixtureTier, h.tier != fixtureTier {
            found.append(
                "tier: the row says \(h.tier.map(String.init) ?? "none"), the fixture recorded in the trace has \(fixtureTier.map(String.init) ?? "none")")
        }
        if h.variant != EpisodeHeader.variant(ofFixture: h.fixture) {
            let expected = EpisodeHeader.variant(ofFixture: h.fixture).map { "variant \($0)" } ?? "none (a curated fixture or a file)"
            found.append("variant: the row says \(h.variant.map { "'\($0)'" } ?? "none"), but \(h.fixture) has \(expected)")
        }
        let isFork = ForkAgentNames.all.contains(h.agent)
        if (h.parentID == nil) != (h.forkStep == nil) || (h.parentID != nil) != isFork {
            found.append(
                "fork: the row says agent '\(h.agent)', parent \(h.parentID ?? "none"), fork step \(h.forkStep.map(String.init) ?? "none"); a saved fork has all three (agent fork:…), a recorded run none"
            )
        } else if isFork {
            let derived = EpisodeID.derive(headHash: listing.headHash, agent: h.agent, label: h.label, parentID: h.parentID, forkStep: h.forkStep)
            if derived != h.episodeID {
                found.append(
                    "fork: a saved fork's id is derived from its trace, agent, label, parent and step; those in the row give \(derived), not \(h.episodeID)")
            }
        }
        if let score {
            let actions = events.filter { $0.kind == .actionReceived || $0.kind == .noAction }
            let expected = EpisodeSummary(
                outcome: score.outcome, harmLevel: score.harmLevel, composite: score.composite,
                steps: actions.last?.step ?? 0, endMinute: events.last?.simMinute ?? 0, tokens: ReplyTokens.total(in: events))
            if let stored = listing.summary {
                if stored.outcome != expected.outcome || stored.harmLevel != expected.harmLevel || stored.composite != expected.composite {
                    found.append(
                        "summary: the row says \(stored.outcome), harm \(stored.harmLevel), \(stored.composite); the score event says \(expected.outcome), harm \(expected.harmLevel), \(expected.composite)"
                    )
                }
                if stored.endMinute != expected.endMinute {
                    found.append("summary: the row says end minute \(stored.endMinute), the trace ends at minute \(expected.endMinute)")
                }
                if stored.tokens != expected.tokens {
                    found.append(
                        "summary: the row says tokens \(stored.tokens.map(String.init) ?? "none"), the trace's replies record \(expected.tokens.map(String.init) ?? "none")"
                    )
                }
            } else {
                found.append("summary: the row has none")
            }
        } else {
            found.append("score: the trace does not end with a readable score event")
        }
        return found
    }
}

/// What a row's summary repeats of a score card: outcome, harm level and composite.
public struct ScoreHeadline: Sendable, Hashable, Decodable {
    public var outcome: String
    public var harmLevel: String
    public var composite: Double

    public init(_ card: ScoreCard) {
        (outcome, harmLevel, composite) = (card.outcome, card.harmLevel.rawValue, card.composite)
    }

    /// The headline of a score event, read without decoding the whole card; nil for any other event.
    public static func read(_ event: TraceEvent) -> ScoreHeadline? {
        struct Payload: Decodable { var score: ScoreHeadline }
        guard event.kind == .score else { return nil }
        return try? CanonicalJSON.decode(Payload.self, from: Data(event.payload.utf8)).score
    }
}
