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

    @Test func theOnePassReaderReadsEveryCardMedGymWritesAsTheParserDoes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try store(in: dir)
        var payloads: [String] = []
        for id in try store.episodeIDs() {
            guard let last = try store.events(id).last, last.kind == .score else { continue }
            payloads.append(last.payload)
        }
        #expect(payloads.count == 90)
        for payload in payloads {
            let card = ItemlessScore.canonicalCard(payload)
            #expect(card != nil, "MedGym's own text is read in one pass")
            #expect(try card == ItemlessScore.parsedCard(payload))
        }
        // Texts MedGym does not write, and cards it writes less often, read alike either way.
        let sample = payloads[0]
        let variants = [
            sample.replacingOccurrences(of: #""outcome":"#, with: #" "outcome" : "#),
            sample.replacingOccurrences(of: #""fixture_id":"#, with: #""extra":[1,{"a":"\\"}],"fixture_id":"#),
            sample.replacingOccurrences(of: #""outcome_text":""#, with: #""outcome_text":"say \"caught\" "#),
            sample.replacingOccurrences(of: #""score":{"#, with: #""score":{"abandoned":"the caller stopped","#),
            sample.replacingOccurrences(of: #""score":{"#, with: #""score":{"abandoned":null,"outcome_text":null,"#),
            #"{"score":{"composite":1.5e1,"dimensions":[],"fate":null,"fixture_id":"f","harm_level":"none","items":[],"outcome":"o"}}"#,
        ]
        for (index, text) in variants.enumerated() {
            #expect(throws: Never.self, "variant \(index): \(text)") { try ItemlessScore.parsedCard(text) }
            #expect(try ItemlessScore.card(text) == ItemlessScore.parsedCard(text), "variant \(index)")
        }
        #expect(ItemlessScore.canonicalCard(variants[0]) == nil && ItemlessScore.canonicalCard(variants[2]) == nil)
        #expect(ItemlessScore.canonicalCard(variants[3])?.abandoned == "the caller stopped")
        #expect(ItemlessScore.canonicalCard(variants[5])?.composite == 15)
        #expect(sample.contains(#""composite":86.42,"#), "the sample's composite, which the broken numbers replace")
        let numbers = [#""composite":01"#, #""composite":+1"#, #""composite":.5"#, #""composite":1."#, #""composite":1e"#, #""composite":-"#]
        for broken in [#"{"score":{"composite":"x"}}"#, #"{"score":{}}"#, "{}", ""]
            + numbers.map({ sample.replacingOccurrences(of: #""composite":86.42"#, with: $0) })
        {
            #expect(ItemlessScore.canonicalCard(broken) == nil)
            #expect(throws: (any Error).self) { try ItemlessScore.card(broken) }
        }
    }
}
