import CLITestSupport
import Foundation
import MedGym
import Testing

@testable import TraceStore

/// The outline a leaderboard, a diff or a list reads instead of every event: what it serves is what
/// the whole trace serves, and what it checks still catches an edited row, a missing event and an
/// altered start or score event.
struct TraceOutlineTests {
    func store(in dir: TempDir) throws -> TraceStore {
        let store = try TraceStore(path: dir.path("store.sqlite"))
        _ = try BatchRecorder(fixtures: try FixtureLoader.shipped(), seeds: 1...2, agents: [.expert, .anchoring, .random])
            .run(into: store, createdAt: { "2026-12-07T00:00:00Z" })
        return store
    }

    @Test func theOutlineServesWhatTheWholeTraceServes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try store(in: dir)
        let ids = try store.episodeIDs()
        #expect(ids.count == 90)
        for id in ids {
            let whole = try store.checkedEpisode(id)
            let outline = try store.outline(id)
            #expect(outline.count == whole.events.count)
            #expect(outline.events.count < whole.events.count, "\(id): the outline reads fewer events")
            let checked = try store.checker.check(try store.listing(id), outline: outline)
            var card = try whole.score
            card.items = []
            #expect(checked.scoreWithoutItems == card, "\(id)")
            #expect(try whole.scoreWithoutItems == card, "\(id)")
            #expect(checked.listing == whole.listing && checked.eventCount == whole.events.count)
            #expect(checked.start.provenance == whole.start.provenance && checked.unverifiedReason == whole.unverifiedReason)
        }
    }

    @Test func anEditedRowAMissingEventAndAnAlteredStartOrEndAreCaught() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try store(in: dir)
        let ids = try store.episodeIDs()
        func range(_ i: Int) -> String { "(SELECT first_event FROM episodes WHERE episode_id = '\(ids[i])')" }
        try store.connection.execute(
            """
            DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
            UPDATE events SET hash = zeroblob(32) WHERE id = \(range(0));
            UPDATE events SET hash = zeroblob(32) WHERE id = (SELECT first_event + event_count - 1 FROM episodes WHERE episode_id = '\(ids[1])');
            DELETE FROM events WHERE id = \(range(2)) + 5;
            UPDATE episodes SET label = 'v2' WHERE episode_id = '\(ids[3])';
            """)
        let expected: [(Int, String)] = [
            (0, "event 0 (episode_started, step 0, minute 0): hash does not match its content"),
            (1, ": hash does not match its content"),
            (2, "events table holds"),
            (3, "label"),
        ]
        for (index, message) in expected {
            let id = ids[index]
            let problem: String
            do {
                _ = try store.checker.check(try store.listing(id), outline: try store.outline(id))
                problem = "served"
            } catch {
                problem = error.problem
            }
            #expect(problem.contains(message), "\(id): \(problem)")
            // The whole trace is refused too: the outline never serves what the whole trace would not.
            #expect(throws: StoreError.self) { try store.checkedEpisode(id) }
        }
        #expect(throws: Never.self) { try store.checker.check(try store.listing(ids[4]), outline: try store.outline(ids[4])) }
    }

    @Test func cuttingAMemberWalksStringsEscapesAndNesting() {
        let cases: [(String, String?)] = [
            (#"{"score":{"a":1,"items":[{"x":"]}"}],"z":2}}"#, #"{"score":{"a":1,"z":2}}"#),
            (#"{"score":{"a":"\"items\":[","items":[],"z":[1,{"items":3}]}}"#, #"{"score":{"a":"\"items\":[","z":[1,{"items":3}]}}"#),
            (#"{"score":{"a":1,"items":{"k":"\\"}}}"#, #"{"score":{"a":1}}"#),
            (#"{"score":{"items":[1]}}"#, #"{"score":{}}"#),
            (#"{ "other" : {"items":1} , "score" : { "a" : null , "items" : [ 1 , 2 ] } }"#, #"{ "other" : {"items":1} , "score" : { "a" : null  } }"#),
            (#"{"score":{"a":1}}"#, nil),
            (#"{"score":[1]}"#, nil),
            (#"{"score":{"a":"unterminated"#, nil),
            (#"not json"#, nil),
        ]
        for (text, cut) in cases {
            #expect(JSONMemberCut.cut("items", of: "score", in: text) == cut, "\(text)")
        }
    }
}
