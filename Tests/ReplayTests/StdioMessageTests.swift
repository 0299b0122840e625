import Foundation
import MedGym
import Replay
import Testing

/// The stdio protocol's request and reply types as values: what a line
/// decodes to, what a refusal carries, and that a request a Swift client
/// writes is read back as the same request.
struct StdioMessageTests {
    static func decode(_ line: String) throws -> StdioRequest {
        try JSONDecoder().decode(StdioRequest.self, from: Data(line.utf8))
    }

    @Test func aResetLineDecodesToItsCall() throws {
        let request = try Self.decode(
            #"{"id":"a-7","method":"reset","params":{"env":"e2","fixture":"adv_aaa_30min","seed":"18446744073709551615","options":{"label":"v2","settings":{"temperature":0.7,"model":"m","stop":["x"]}}}}"#
        )
        #expect(request.id == .string("a-7"))
        #expect(request.env == "e2")
        #expect(
            request.call
                == .reset(
                    fixture: "adv_aaa_30min", seed: UInt64.max, label: "v2",
                    settings: ["temperature": "0.7", "model": "m", "stop": #"["x"]"#]))
    }

    static let calls: [StdioCall] = [
        .hello, .reset(fixture: "adv_aaa_30min", seed: 7, label: nil, settings: nil),
        .reset(fixture: "adv_pediatric_dka", seed: 1, label: "v1", settings: ["temperature": "0"]),
        .step(action: "CTA chest"), .step(action: "CTA chest", tool: "imaging", raw: "{}"),
        .fork(episode: "ep_0fa72a32ec1d", step: 13, action: "CTA chest", continuation: .expert),
        .bounds(episode: "ep_0fa72a32ec1d", step: 13, continuation: .none),
        .resetBatch([BatchReset(env: "a", fixture: "adv_aaa_30min", seed: 3, label: "v", settings: ["t": "0"])], observation: true),
        .stepBatch(
            [BatchStep(env: "a", action: "CTA chest"), BatchStep(env: "b", reset: BatchReset(env: "b", fixture: "adv_aaa_30min", seed: 9))],
            observation: false), .score(episode: "ep_0fa72a32ec1d"),
        .close(environment: true), .close(environment: true, record: true), .close(environment: false),
    ]

    @Test(arguments: calls)
    func aRequestWrittenIsReadBackTheSame(_ call: StdioCall) throws {
        let request = StdioRequest(id: .integer(3), env: call == .close(environment: false) ? "default" : "ward", call: call)
        #expect(try JSONDecoder().decode(StdioRequest.self, from: try JSONEncoder().encode(request)) == request)
    }

    static let refusals: [(line: String, refusal: StdioRefusal)] = [
        (#"[1]"#, StdioRefusal(id: .null, .badRequest, #"a line that is not a JSON object; send {"id":1,"method":"reset","params":{…}}"#)),
        (
            #"{"id":4}"#,
            StdioRefusal(
                id: .integer(4), .badRequest, "the request has no method; use hello, reset, step, reset_batch, step_batch, fork, bounds, score, stats or close")
        ),
        (
            #"{"id":4,"method":["step"]}"#,
            StdioRefusal(
                id: .integer(4), .badRequest, "method must be a string: hello, reset, step, reset_batch, step_batch, fork, bounds, score, stats or close")
        ),
        (
            #"{"id":{"n":1},"method":"fly"}"#,
            StdioRefusal(
                id: .object(["n": .integer(1)]), .unknownMethod,
                "unknown method 'fly'; use hello, reset, step, reset_batch, step_batch, fork, bounds, score, stats or close")
        ),
        (
            #"{"id":5,"method":"step_batch","params":{"steps":[]}}"#,
            StdioRefusal(id: .integer(5), .invalidParams, "step_batch needs params.steps: [{env, action}, …]")
        ),
        (
            #"{"id":6,"method":"reset_batch","params":{"resets":[{"env":"a","fixture":"f"}],"observation":"yes"}}"#,
            StdioRefusal(id: .integer(6), .invalidParams, "params.observation must be true or false")
        ),
        (
            #"{"id":7,"method":"step_batch","params":{"steps":[{"env":"a","reset":{"seed":1}}]}}"#,
            StdioRefusal(id: .integer(7), .invalidParams, "params.steps[0].reset.fixture must be a fixture name")
        ),
        (
            #"{"id":2,"method":"bounds","params":{"episode":"ep_0fa72a32ec1d"}}"#,
            StdioRefusal(id: .integer(2), .invalidParams, "bounds needs params.episode (an id) and params.step (a whole number)")
        ),
        (#"{"id":1,"method":"reset","params":[]}"#, StdioRefusal(id: .integer(1), .invalidParams, "params must be a JSON object")),
        (
            #"{"id":1,"method":"reset","params":{"fixture":"f","seed":-1}}"#,
            StdioRefusal(id: .integer(1), .invalidParams, "params.seed must be a whole number from 0 to 2^64−1 (or its decimal text)")
        ),
        (
            #"{"id":1,"method":"reset","params":{"fixture":"f","seed":false}}"#,
            StdioRefusal(id: .integer(1), .invalidParams, "params.seed must be a whole number from 0 to 2^64−1 (or its decimal text)")
        ),
        (
            #"{"id":1,"method":"reset","params":{"fixture":"f","options":{"settings":"t=1"}}}"#,
            StdioRefusal(id: .integer(1), .invalidParams, "params.options.settings must be a JSON object")
        ),
        (
            #"{"id":1,"method":"fork","params":{"episode":"e","step":1.5,"action":"x"}}"#,
            StdioRefusal(id: .integer(1), .invalidParams, "params.step must be a whole number")
        ),
        (
            #"{"id":1,"method":"fork","params":{"episode":"e","step":true,"action":"x"}}"#,
            StdioRefusal(id: .integer(1), .invalidParams, "params.step must be a whole number")
        ),
        (#"{"id":1,"method":"step","params":{"env":7,"action":"x"}}"#, StdioRefusal(id: .integer(1), .invalidParams, "params.env must be a string")),
    ]

    @Test(arguments: refusals.indices)
    func aBadLineIsARefusalCarryingItsIDAndTheFix(_ index: Int) {
        #expect(throws: Self.refusals[index].refusal) { try Self.decode(Self.refusals[index].line) }
    }

    @Test func anIDIsEchoedAsItCame() throws {
        var written: [String] = []
        let handler = StdioProtocol(server: EnvServer(store: nil)) { written.append($0) }
        for id in [#""x\"y""#, "12", "1.5", "null", #"{"a":1,"b":[true,null]}"#] {
            _ = handler.handle(Data(#"{"id":\#(id),"method":"fly"}"#.utf8))
            #expect(written.last?.hasSuffix(#","id":\#(id)}"#) == true, "\(written.last ?? "")")
        }
    }
}
