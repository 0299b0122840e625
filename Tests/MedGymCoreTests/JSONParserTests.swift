import Foundation
import MedGymCore
import Testing

/// The request parser reads what RFC 8259 allows and nothing else, and reads
/// back every value the canonical writer writes.
struct JSONParserTests {
    static let accepted: [(String, JSONValue)] = [
        (#" {"id":1,"method":"step"} "#, .object(["id": .integer(1), "method": .string("step")])),
        ("[]", .array([])), ("{}", .object([:])), ("null", .null), ("true", .bool(true)), ("-0", .integer(0)),
        ("1.5e2", .number(150)), ("-2.25", .number(-2.25)), ("9223372036854775807", .integer(.max)),
        ("9223372036854775808", .number(9_223_372_036_854_775_808)), ("1.0", .number(1)),
        (#""a\"b\\c\/d\b\f\n\r\t""#, .string("a\"b\\c/d\u{8}\u{C}\n\r\t")), (#""\u00e9\ud83d\ude00""#, .string("é😀")),
        (#""été · ≥""#, .string("été · ≥")), (#"{"a":1,"a":2}"#, .object(["a": .integer(2)])),
        ("[1,[2,[3]],{\"x\":[]}]", .array([.integer(1), .array([.integer(2), .array([.integer(3)])]), .object(["x": .array([])])])),
    ]

    @Test(arguments: accepted.indices)
    func readsValidJSON(_ index: Int) throws {
        let (text, value) = Self.accepted[index]
        #expect(try JSONParser.parse(Array(text.utf8)) == value)
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil, "Foundation reads it too")
    }

    static let refused = [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "{\"a\" 1}", "01", "1.", ".5", "1e", "-", "+1", "tru", "nul", "NaN", "Infinity",
        "\"abc", "\"a\u{1}b\"", #""\x""#, #""\u12g4""#, #""\ud83d""#, #""\ude00""#, "[1] [2]", "{} x", "1e999",
    ]

    @Test(arguments: refused)
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func refusesBytesThatAreNotUTF8AndNestingTooDeep() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
        let deep = String(repeating: "[", count: JSONParser.maximumDepth + 1) + String(repeating: "]", count: JSONParser.maximumDepth + 1)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect((try? JSONParser.parse(Array(fine.utf8))) != nil)
    }

    @Test func readsBackEveryValueTheWriterWrites() throws {
        var random = RandomStream(seed: 2026, purpose: "json.parser.test")
        func value(_ depth: Int) -> JSONValue {
            switch random.next(below: depth > 3 ? 5 : 7) {
            case 0: return .null
            case 1: return .bool(random.next(below: 2) == 0)
            case 2: return .integer(Int64(random.next(below: 2_000_001)) - 1_000_000)
            case 3: return .number(Double(Int(random.next(below: 100_000)) - 50_000) / 64)
            case 4:
                let pool = Array("ab \"\\/\n\t\u{1}é😀·")
                return .string(String((0..<random.next(below: 12)).map { _ in pool[random.next(below: pool.count)] }))
            case 5: return .array((0..<random.next(below: 4)).map { _ in value(depth + 1) })
            default:
                let members = (0..<random.next(below: 4)).map { _ in ("k\(random.next(below: 6))", value(depth + 1)) }
                return .object(Dictionary(members, uniquingKeysWith: { $1 }))
            }
        }
        for _ in 0..<2_000 {
            let original = value(0)
            let read = try JSONParser.parse(Array(original.text.utf8))
            #expect(read.text == original.text)
        }
    }
}
