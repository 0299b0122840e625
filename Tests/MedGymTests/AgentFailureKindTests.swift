import Foundation
import MedGym
import Testing

/// Agent failure kinds are an enum a caller can switch on, recorded as the same strings as before.
struct AgentFailureKindTests {
    @Test(arguments: [
        ("crashed", AgentFailure.Kind.crashed), ("timeout", .timeout), ("not_json", .notJSON), ("too_long", .tooLong),
        ("protocol", .protocolError), ("redirect", .redirect), ("rejected", .rejected), ("client_closed", .clientClosed), ("abandoned", .abandoned),
    ])
    func eachKindIsRecordedAsItsString(_ text: String, _ kind: AgentFailure.Kind) throws {
        let json = try CanonicalJSON.string(AgentFailure(kind: kind, detail: "d", fatal: true))
        #expect(json.contains("\"kind\":\"\(text)\""))
        #expect(try CanonicalJSON.decode(AgentFailure.self, from: Data(json.utf8)).kind == kind)
    }

    @Test func aKindFromAnotherReleaseStillReads() throws {
        let failure = try CanonicalJSON.decode(AgentFailure.self, from: Data(#"{"detail":"d","fatal":false,"kind":"overheated"}"#.utf8))
        #expect(failure.kind == .other("overheated"))
        #expect(try CanonicalJSON.string(failure).contains("\"kind\":\"overheated\""))
    }
}
