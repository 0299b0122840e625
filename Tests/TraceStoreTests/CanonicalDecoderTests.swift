import CLITestSupport
import Foundation
import MedGym
import Testing

@testable import MedGymCore
@testable import TraceStore

/// The canonical decoder reads every payload MedGym writes exactly as `JSONDecoder` with the canonical
/// key strategy reads it, and leaves to `JSONDecoder` whatever it does not take.
struct CanonicalDecoderTests {
    /// Every event of episodes by each built-in agent on every shipped fixture, and of the committed
    /// logs (a model agent's replies, raw output, tokens, failures, settings, the demo).
    func payloads() throws -> [String] {
        var events: [TraceEvent] = []
        for fixture in try FixtureLoader.shipped() {
            for spec in [AgentSpec.expert, .anchoring, .random] {
                var agent = spec.makeAgent(fixture: fixture, seed: 3)
                events += try EpisodeRecorder(fixture: fixture).record(seed: 3, agent: &agent, createdAt: "t").events
            }
        }
        let legacy = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Legacy")
        for log in [CLI.demoLog, legacy.appendingPathComponent("ep_0fa72a32ec1d.sim1.jsonl"), legacy.appendingPathComponent("ep_0fa72a32ec1d.sim3.jsonl")] {
            events += try TraceLog.decode(String(contentsOf: log, encoding: .utf8), file: log.path).events
        }
        // What a model agent's trace adds: its endpoint and settings, raw replies with escapes and
        // non-ASCII text, token counts, failures.
        let model = [
            TracePayload(
                fixture: "adv_aaa_30min", fixtureDigest: "d", seed: .max, format: 3, simulation: 4,
                provenance: Provenance(
                    agent: "openai:gpt", label: "v2 \"quoted\"", answerKeyDigest: "k",
                    endpoint: EndpointSettings(baseURL: URL(string: "http://127.0.0.1:8000/v1")!, apiKeyVariable: "KEY", temperature: 0.7, maxTokens: 512),
                    settings: ["epoch": "1", "harness": "inspect_ai", "snake_key": "x"])),
            TracePayload(text: "CTA chest", action: "cta_chest", raw: "{\"tool\": \"imaging\"}\n\tdone — café ✓", tokens: 1234),
            TracePayload(text: "nonsense", error: "unknown action", suggestions: ["a", "b"], length: 9000, raw: "x\\y"),
            TracePayload(failure: AgentFailure(kind: .timeout, detail: "no reply in 30 s", fatal: false)),
        ]
        return events.map(\.payload) + (try model.map { try CanonicalJSON.string($0) })
    }

    @Test func everyPayloadDecodesAsJSONDecoderDecodesIt() throws {
        let payloads = try payloads()
        #expect(payloads.count > 3_000)
        var taken = 0
        for payload in payloads {
            let data = Data(payload.utf8)
            let reference = try CanonicalJSON.foundationDecode(TracePayload.self, from: data)
            let tree = data.withUnsafeBytes { CanonicalDecoder.decode(TracePayload.self, from: $0) }
            #expect(tree == nil || tree == reference, "\(payload.prefix(200))")
            taken += tree == nil ? 0 : 1
            #expect(try CanonicalJSON.decode(TracePayload.self, from: data) == reference)
        }
        #expect(taken == payloads.count, "the tree decoder takes every payload MedGym writes (\(taken) of \(payloads.count))")
    }

    /// Every shipped file (archetypes, shared courses, adversarial suites, scenario archetypes, the
    /// catalog) is taken by the tree decoder and read as its `JSONDecoder` reads it.
    @Test func everyShippedFileDecodesAsJSONDecoderDecodesIt() throws {
        let resources = CLI.packageRoot.appendingPathComponent("Sources/MedGym/Resources")
        func files(_ folder: String) throws -> [Data] {
            let dir = resources.appendingPathComponent(folder)
            return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
                .map { try Data(contentsOf: dir.appendingPathComponent($0)) }
        }
        func same<T: Codable & Equatable>(_ type: T.Type, _ folder: String, _ keys: CanonicalDecoder.KeyStyle) throws -> Int {
            let decoder = JSONDecoder()
            if keys == .fromSnakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
            let all = try files(folder)
            for data in all {
                let reference = try decoder.decode(type, from: data)
                let tree = data.withUnsafeBytes { CanonicalDecoder.decodeOrExplain(type, from: $0, keys: keys) }
                guard case .success(let value) = tree else {
                    Issue.record("\(folder): the tree decoder leaves a file to JSONDecoder: \(tree)")
                    continue
                }
                #expect(value == reference, "\(folder)")
                #expect(try CanonicalJSON.string(value) == CanonicalJSON.string(reference), "\(folder)")
            }
            return all.count
        }
        struct Catalog: Codable, Equatable { var actions: [CatalogAction] }
        #expect(try same(Fixture.self, "archetypes", .fromSnakeCase) >= 15)
        #expect(try same(SharedCourse.self, "courses", .fromSnakeCase) >= 1)
        #expect(try same(AdversarialStrategies.self, "adversarial", .fromSnakeCase) >= 15)
        #expect(try same(Archetype.self, "scenarios", .fromSnakeCase) >= 10)
        #expect(try same(Catalog.self, "catalog", .asWritten) == 1)
        // Foundation's snake-case conversion, word by word.
        for (key, name) in [
            ("spo2", "spo2"), ("max_spo2", "maxSpo2"), ("_per_hour_", "_perHour_"), ("a__b", "aB"), ("___", "___"), ("fixture_id", "fixtureId"),
        ] {
            #expect(CanonicalDecoder.PropertyNames.fromSnakeCase(key) == name, "\(key)")
        }
        #expect(CanonicalDecoder.PropertyNames.fromSnakeCase("max_SBP") == nil && CanonicalDecoder.PropertyNames.fromSnakeCase("a_2b") == nil)
    }

    @Test func whatTheTreeDecoderDoesNotTakeIsJSONDecodersAndErrorsAreItsToo() throws {
        struct Sample: Codable, Equatable {
            var fixtureID: String
            var seed: UInt64
            var rate: Double?
            var names: [String: Int]?
        }
        let cases: [(String, Sample?)] = [
            (#"{"fixture_id":"a\u00e9","seed":18446744073709551615}"#, Sample(fixtureID: "aé", seed: .max, rate: nil, names: nil)),
            (#"{"fixture_id":"a","seed":1,"rate":1e-3,"names":{"x_y":2}}"#, Sample(fixtureID: "a", seed: 1, rate: 0.001, names: ["x_y": 2])),
            (#"{"fixture_id":"a","seed":1,"rate":null}"#, Sample(fixtureID: "a", seed: 1, rate: nil, names: nil)),
            (#"{"fixture_id":"a","seed":-1}"#, nil),
            // A value of another kind than the field's, for every kind: Foundation's type mismatch.
            (#"{"fixture_id":3,"seed":1}"#, nil),
            (#"{"fixture_id":true,"seed":1}"#, nil),
            (#"{"fixture_id":"a","seed":"1"}"#, nil),
            (#"{"fixture_id":"a","seed":[1]}"#, nil),
            (#"{"fixture_id":"a","seed":{"n":1}}"#, nil),
            (#"{"fixture_id":"a","seed":1,"rate":"x"}"#, nil),
            (#"{"fixture_id":"a","seed":1,"names":{"x":"y"}}"#, nil),
            (#"{"fixture_id":null,"seed":1}"#, nil),
            (#"{"fixture_id":"a"}"#, nil),
            (#"{"fixture_id":"a","seed":1"#, nil),
            (#"{"fixture_id":"a\ud800","seed":1}"#, nil),
        ]
        for (text, expected) in cases {
            let data = Data(text.utf8)
            if let expected {
                #expect(try CanonicalJSON.decode(Sample.self, from: data) == expected, "\(text)")
                #expect(try CanonicalJSON.foundationDecode(Sample.self, from: data) == expected, "\(text)")
            } else {
                var ours = ""
                var theirs = ""
                do { _ = try CanonicalJSON.decode(Sample.self, from: data) } catch { ours = "\(error)" }
                do { _ = try CanonicalJSON.foundationDecode(Sample.self, from: data) } catch { theirs = "\(error)" }
                #expect(!ours.isEmpty && ours == theirs, "\(text): \(ours)")
            }
        }
    }
}
