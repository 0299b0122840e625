import CLITestSupport
import Foundation
import MedGym
import Testing

@testable import TraceStore

/// A model's per-reply token counts: recorded with each reply only when
/// reported, fed back on re-execution, summed into the summary row and
/// checked there; on real SQLite files in temp folders.
struct ReplyTokensTests {
    /// A scripted agent whose replies report the given token counts, in order (nil: no count).
    struct CountingAgent: Agent {
        var script: ScriptedAgent
        let counts: [Int?]
        var replies = 0
        var replyTokens: Int?

        var id: String { script.id }

        init(actions: [String], counts: [Int?]) {
            script = ScriptedAgent(id: "script", actions: actions)
            self.counts = counts
        }

        mutating func act(on observation: Observation) -> String? {
            replyTokens = replies < counts.count ? counts[replies] : nil
            replies += 1
            return script.act(on: observation)
        }
    }

    /// Applied actions, a text naming no action (rejected) and a disposition.
    static let actions = ["ECG", "zzzz qqqq", "bedside ultrasound of the aorta", "CT angiography", "to the operating room"]

    func record(counts: [Int?]) throws -> RecordedEpisode {
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var agent = CountingAgent(actions: Self.actions, counts: counts)
        return try EpisodeRecorder(fixture: fixture, invalidActions: .reject(limit: 5)).record(seed: 3, agent: &agent, createdAt: "x")
    }

    func replies(_ events: [TraceEvent]) -> [TraceEvent] {
        events.filter { $0.kind == .actionReceived || $0.kind == .actionRejected }
    }

    @Test func repliesWithoutCountsWriteTheTraceAsBeforeByteForByte() throws {
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var plain = ScriptedAgent(id: "script", actions: Self.actions)
        let before = try EpisodeRecorder(fixture: fixture, invalidActions: .reject(limit: 5)).record(seed: 3, agent: &plain, createdAt: "x")
        let uncounted = try record(counts: [])
        #expect(uncounted.events == before.events)
        #expect(uncounted.headHash == before.headHash)
        #expect(!uncounted.events.contains { $0.payload.contains("tokens") })
        #expect(ReplyTokens.total(in: uncounted.events) == nil)
    }

    @Test func countsAreRecordedPerReplyAndReexecuteByteForByte() throws {
        let counts: [Int?] = [120, 30, nil, 410, 75]
        let recorded = try record(counts: counts)
        let replies = replies(recorded.events)
        #expect(replies.map(\.kind) == [.actionReceived, .actionRejected, .actionReceived, .actionReceived, .actionReceived])
        #expect(try replies.map { try $0.decodedPayload().tokens } == counts)
        #expect(ReplyTokens.total(in: recorded.events) == 635)
        // The same trace as without counts but for the `tokens` fields.
        let uncounted = try record(counts: [])
        let stripped = recorded.events.map { $0.payload.replacingOccurrences(of: #","tokens":\d+"#, with: "", options: .regularExpression) }
        #expect(stripped == uncounted.events.map(\.payload))
        // Re-execution feeds the recorded counts back: the same events, hashes and all.
        let recorder = try EpisodeRecorder(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min"))
        #expect(try recorder.reexecute(recorded.events, header: recorded.header).events == recorded.events)
        // A fork point's restore re-executes and compares the same way.
        #expect(throws: Never.self) { try recorder.restoreAll(recorded.events) }
        #expect(Array(TraceExchange.all(in: recorded.events).map(\.tokens).prefix(counts.count)) == counts)
    }

    @Test func theSummaryRowSumsTheCountsAndIsCheckedAgainstTheTrace() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let counted = try record(counts: [120, 30, nil, 410, 75])
        let plain = try record(counts: [])
        for episode in [counted, plain] { #expect(try store.save(episode) == .inserted) }
        #expect(try store.checkedEpisode(counted.header.episodeID).listing.summary?.tokens == 635)
        #expect(try store.checkedEpisode(plain.header.episodeID).listing.summary?.tokens == nil)
        #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM summaries WHERE tokens IS NULL") == 1)

        // A row that says other than its trace's replies is refused, naming the field.
        let edits: [(id: String, sql: String, problem: String)] = [
            (counted.header.episodeID, "tokens = 636", "summary: the row says tokens 636, the trace's replies record 635"),
            (counted.header.episodeID, "tokens = NULL", "summary: the row says tokens none, the trace's replies record 635"),
            (plain.header.episodeID, "tokens = 5", "summary: the row says tokens 5, the trace's replies record none"),
        ]
        for edit in edits {
            let key = try #require(try store.connection.scalarInt("SELECT id FROM episodes WHERE episode_id = '\(edit.id)'"))
            let original = try store.connection.scalarInt("SELECT tokens FROM summaries WHERE episode = \(key)")
            try store.connection.execute("UPDATE summaries SET \(edit.sql) WHERE episode = \(key)")
            #expect {
                try store.checkedEpisode(edit.id)
            } throws: { error in
                guard case .rowMismatch(let id, _, let problem) = error as? StoreError else { return false }
                return id == edit.id && problem == edit.problem
            }
            try store.connection.execute("UPDATE summaries SET tokens = \(original.map(String.init) ?? "NULL") WHERE episode = \(key)")
            #expect(throws: Never.self) { try store.checkedEpisode(edit.id) }
        }
    }

    @Test func aSchema7StoreGainsTheTokensColumnAndKeepsItsEpisodes() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("v7.sqlite")
        let plain = try record(counts: [])
        do {
            // A store as schema 7 left it: summaries without the tokens column.
            let store = try TraceStore(path: path)
            try store.save(plain)
            try store.connection.execute(
                "ALTER TABLE summaries DROP COLUMN tokens; DROP TABLE live_runs; DROP TABLE live_events; UPDATE medgym_schema SET version = 7")
        }
        let store = try TraceStore(path: path)
        #expect(try store.schemaVersion() == StoreSchema.current)
        #expect(try store.connection.scalarInt("SELECT COUNT(*) FROM pragma_table_info('summaries') WHERE name = 'tokens'") == 1)
        #expect(try store.checkedEpisode(plain.header.episodeID).listing.summary?.tokens == nil)
        let counted = try record(counts: [7, 8])
        #expect(try store.save(counted) == .inserted)
        #expect(try store.checkedEpisode(counted.header.episodeID).listing.summary?.tokens == 15)
    }

    @Test func countsAddWithoutOverflowingAndOnlyTheKeyIsLookedFor() throws {
        #expect(ReplyTokens.adding(5, to: nil) == 5)
        #expect(ReplyTokens.adding(Int.max, to: 1) == Int.max)
        #expect(ReplyTokens.adding(Int.min, to: -1) == Int.min)
        #expect(ReplyTokens.mentionsCount(#"{"action":"ecg","text":"ECG","tokens":12}"#))
        #expect(ReplyTokens.mentionsCount(#""tokens":"#))
        #expect(!ReplyTokens.mentionsCount(#""tokens""#))
        // Inside a string the quotes are escaped: a reply quoting the key is not a count.
        let quoting = try CanonicalJSON.string(TracePayload(text: #"say "tokens": 5"#))
        #expect(!ReplyTokens.mentionsCount(quoting))
    }
}
