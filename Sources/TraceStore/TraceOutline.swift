import Foundation
import MedGym

/// An episode's trace as the reports over many episodes read it (``TraceStore/outline(_:)``): how many
/// events rows it has, and of its events only those a row's check needs (the start, the replies and
/// the clock running out, the last two), each with its payload only where the check reads one (the
/// start, the replies, the last event); every other payload is empty.
public struct TraceOutline: Sendable {
    /// The events read, in order. Only the first event and the last two carry their hash and rng
    /// state (what the check re-hashes and links); the others' are empty, as is the `prevHash` of an
    /// event whose predecessor was not read.
    public var events: [TraceEvent]
    /// The events rows the episode's range holds.
    public var count: Int

    public init(events: [TraceEvent], count: Int) {
        self.events = events
        self.count = count
    }

    /// Whether the outline carries the payload of the event `seq` of `kind` in a trace of `count` events.
    public static func carriesPayload(seq: Int, kind: TraceEventKind, count: Int) -> Bool {
        seq == 0 || seq == count - 1 || kind == .actionReceived || kind == .actionRejected
    }
}

/// An episode's row checked against its trace's outline (see ``EpisodeChecker/check(_:outline:)``):
/// what a leaderboard, a diff or a list needs, without the events.
public struct CheckedOutline: Sendable {
    public var listing: EpisodeListing
    public var start: TraceStart
    /// The score card the trace ends with, without its items.
    public var scoreWithoutItems: ScoreCard
    public var eventCount: Int
    /// Its `action_received` events (payloads read; the hashes of those between the start and the end not re-checked).
    public var actionEvents: [TraceEvent]

    public var header: EpisodeHeader { listing.header }

    /// Why this episode's score cannot count (see ``CheckedEpisode/unverifiedReason``).
    public var unverifiedReason: String? { start.unverifiedReason }
}
