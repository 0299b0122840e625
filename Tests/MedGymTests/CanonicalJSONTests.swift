import Foundation
import Testing

@testable import MedGym
@testable import MedGymCore

/// CanonicalJSON remembers key conversions; its bytes must stay exactly
/// what Foundation's `.convertToSnakeCase` writes.
struct CanonicalJSONTests {
    static func foundationBytes(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    @Test func writesTheSameBytesAsFoundationsSnakeCase() throws {
        var checked = 0
        let shipped = try FixtureLoader.shipped()
        for fixture in shipped {
            #expect(try CanonicalJSON.data(fixture) == Self.foundationBytes(fixture))
            let runner = EpisodeRunner(fixture: fixture, invalidActions: .reject(limit: 50))
            for spec in [AgentSpec.expert, .anchoring, .random] {
                for seed in UInt64(1)...4 {
                    var agent = spec.makeAgent(fixture: fixture, seed: seed)
                    let episode = try runner.run(seed: seed, agent: &agent)
                    #expect(try CanonicalJSON.data(episode) == Self.foundationBytes(episode))
                    checked += 1
                }
            }
        }
        #expect(checked == shipped.count * 12)  // (every fixture × 3 agents × 4 seeds)
    }

    struct Edge: Encodable {
        enum Kind: String, Encodable { case alpha, betaGamma }
        struct Inner: Encodable {
            var zeta: Int
            var alphaBeta: [Double]
            var none: String?
        }
        var text: String
        var doubles: [Double]
        var ints: [Int]
        var seed: UInt64
        var flag: Bool
        var kind: Kind
        var nested: [Inner]
        var empty: [Int]
        var emptyObject: [Inner]
        var optionalSet: Int?
        var optionalNil: Int?
        var urlLike: String
        var fixtureID: String
    }

    /// Encodes through super encoders, as a Codable subclass would.
    struct WithSuper: Encodable {
        enum Key: String, CodingKey { case plainValue, superKey, listOfThings }
        func encode(to encoder: any Encoder) throws {
            var keyed = encoder.container(keyedBy: Key.self)
            try keyed.encode(1, forKey: .plainValue)
            try Edge.Inner(zeta: 3, alphaBeta: [0.5], none: nil).encode(to: keyed.superEncoder())
            try [1, 2].encode(to: keyed.superEncoder(forKey: .superKey))
            var list = keyed.nestedUnkeyedContainer(forKey: .listOfThings)
            try list.encode("first")
            try "in an array".encode(to: list.superEncoder())
        }
    }

    @Test func edgeCasesMatchFoundation() throws {
        #expect(try CanonicalJSON.data(WithSuper()) == Self.foundationBytes(WithSuper()))
        let doubles: [Double] = [0, -0.0, 0.1, 1.5, 30, -12.5, 1e-7, 1e21, 123456789.125, 2.0 / 3.0, 1e300, .ulpOfOne, -99.99]
        let edge = Edge(
            text: "quote \" backslash \\ slash / tab \t newline \n cr \r bell \u{07} nul \u{00} esc \u{1B} del \u{7F} é ✓ 🫀",
            doubles: doubles, ints: [0, -1, Int.max, Int.min], seed: UInt64.max, flag: true, kind: .betaGamma,
            nested: [Edge.Inner(zeta: 1, alphaBeta: [2.5], none: nil), Edge.Inner(zeta: 2, alphaBeta: [], none: "x")],
            empty: [], emptyObject: [], optionalSet: 7, optionalNil: nil, urlLike: "http://a/b?c=d&e", fixtureID: "f")
        #expect(try CanonicalJSON.data(edge) == Self.foundationBytes(edge))
        #expect(try CanonicalJSON.data("top-level string") == Self.foundationBytes("top-level string"))
        #expect(try CanonicalJSON.data([3, 1, 2]) == Self.foundationBytes([3, 1, 2]))
        #expect(throws: EncodingError.self) { try CanonicalJSON.data([Double.nan]) }
    }

    @Test func convertsKeysAsFoundationDoes() {
        for (key, snake) in [
            ("fixtureID", "fixture_id"), ("myURLProperty", "my_url_property"), ("actionIDs", "action_i_ds"),
            ("lowestSBP", "lowest_sbp"), ("plain", "plain"), ("minutesIatrogenicHypoxaemia", "minutes_iatrogenic_hypoxaemia"),
        ] {
            #expect(SnakeCaseKeys.shared.converted(key) == snake)
            #expect(SnakeCaseKeys.byFoundation(key) == snake)
        }
    }
}
