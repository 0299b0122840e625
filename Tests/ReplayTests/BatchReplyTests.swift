import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// The batch methods a vector environment calls every step: their reply line is written straight
/// into bytes, and must be the bytes the canonical encoder gives.
struct BatchReplyTests {
    static func entries(store: TraceStore?) throws -> [StdioReply.Batch.Entry] {
        let server = EnvServer(store: store)
        var entries: [StdioReply.Batch.Entry] = []
        for (index, observation) in [false, true].enumerated() {
            let env = "e\(index)"
            entries.append(.transition(try server.reset(env: env, fixture: "adv_cocaine_dissection", seed: 5, label: "v"), observation: observation))
            for action in ["12-lead ECG", "zzz qq", "CTA chest and esmolol", "troponin", "discharge home"] {
                entries.append(.transition(try server.step(env: env, action: action), observation: observation))
            }
        }
        do { _ = try server.step(env: "nobody", action: "CTA chest") } catch { entries.append(.failure(error)) }
        entries.append(.failure(EnvServer.Failure(.badRequest, "a \"quoted\" message\nwith a line break")))
        return entries
    }

    @Test(arguments: [false, true])
    func theBatchLineIsTheCanonicalEncoding(_ recording: Bool) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let entries = try Self.entries(store: recording ? try TraceStore(path: dir.path("s.sqlite")) : nil)
        #expect(entries.count == 14)
        for id: JSONValue in [.integer(7), .string("a\"b"), .null] {
            let batch = StdioReply.Batch(results: entries)
            #expect(try batch.line(id: id) == StdioReply.result(id: id, batch))
        }
        // Without a store nothing is recorded: an ended episode has a composite and no id.
        let ended = entries.compactMap { entry -> EnvServer.Transition? in
            if case .transition(let t, _) = entry, t.terminated { return t } else { return nil }
        }
        #expect(ended.count == 2 && ended.allSatisfy { $0.info.composite != nil && ($0.info.episodeID != nil) == recording })
    }

    @Test func aBatchRequestAnswersEachEnvironmentInOrder() throws {
        let server = EnvServer(store: nil)
        final class Box: @unchecked Sendable { var lines: [String] = [] }
        let box = Box()
        let handler = StdioProtocol(server: server) { box.lines.append($0) }
        _ = handler.handle(
            Data(
                #"{"id":1,"method":"reset_batch","params":{"resets":[{"env":"a","fixture":"adv_aaa_30min","seed":1},{"env":"b","fixture":"adv_aaa_30min","seed":"2"}]}}"#
                    .utf8))
        _ = handler.handle(
            Data(#"{"id":2,"method":"step_batch","params":{"steps":[{"env":"b","action":"12-lead ECG"},{"env":"c","action":"x"}],"observation":true}}"#.utf8))
        _ = handler.handle(Data(#"{"id":3,"method":"step_batch","params":{"steps":[{"env":"a"}]}}"#.utf8))
        let replies = try box.lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let reset = try #require((replies[0]["result"] as? [String: Any])?["results"] as? [[String: Any]])
        #expect(reset.count == 2 && reset.allSatisfy { ($0["text"] as? String)?.contains("The encounter ends at minute") == true })
        #expect(reset.allSatisfy { $0["observation"] == nil })
        let step = try #require((replies[1]["result"] as? [String: Any])?["results"] as? [[String: Any]])
        #expect(((step[0]["info"] as? [String: Any])?["action"] as? String) == "ecg" && step[0]["observation"] != nil)
        #expect(((step[1]["error"] as? [String: Any])?["code"] as? String) == "no_episode")
        #expect(((replies[2]["error"] as? [String: Any])?["message"] as? String) == "params.steps[0].action must be text (or reset: {fixture, seed, options})")
    }

    /// Sixteen environments through many step_batch requests (with autoresets), on `jobs` threads:
    /// the reply lines and the store's episodes in order.
    static func play(jobs: Int, store: TraceStore) throws -> (replies: [String], episodes: [String]) {
        final class Box: @unchecked Sendable { var lines: [String] = [] }
        let box = Box()
        let handler = StdioProtocol(server: EnvServer(store: store), jobs: jobs) { box.lines.append($0) }
        let names = (0..<16).map { "e\($0)" }
        let resets = names.enumerated().map { #"{"env":"\#($1)","fixture":"adv_cocaine_dissection","seed":\#($0)}"# }
        _ = handler.handle(Data(#"{"id":0,"method":"reset_batch","params":{"resets":[\#(resets.joined(separator: ","))]}}"#.utf8))
        let actions = ["12-lead ECG", "troponin", "discharge home", "zzz", "CTA chest", "esmolol IV", "observe and reassess"]
        var ended = Set<Int>()
        for request in 1...40 {
            let items = names.enumerated().map { index, name in
                ended.contains(index)
                    ? #"{"env":"\#(name)","reset":{"fixture":"adv_cocaine_dissection","seed":\#(request * 100 + index)}}"#
                    : #"{"env":"\#(name)","action":"\#(actions[(request + index) % actions.count])"}"#
            }
            _ = handler.handle(Data(#"{"id":\#(request),"method":"step_batch","params":{"steps":[\#(items.joined(separator: ","))]}}"#.utf8))
            let reply = try #require(try JSONSerialization.jsonObject(with: Data(box.lines.last!.utf8)) as? [String: Any])
            let results = try #require((reply["result"] as? [String: Any])?["results"] as? [[String: Any]])
            ended = Set(results.indices.filter { results[$0]["terminated"] as? Bool == true || results[$0]["truncated"] as? Bool == true })
        }
        return (box.lines, try store.list().map(\.header.episodeID))
    }

    @Test func aBatchOnTwoThreadsAnswersAndRecordsAsOnOne() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let one = try Self.play(jobs: 1, store: try TraceStore(path: dir.path("one.sqlite")))
        let two = try Self.play(jobs: 2, store: try TraceStore(path: dir.path("two.sqlite")))
        #expect(one.replies == two.replies)
        #expect(one.episodes == two.episodes && one.episodes.count > 16, "\(one.episodes.count) episodes")
    }
}
