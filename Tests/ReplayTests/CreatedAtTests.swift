import Foundation
import Testing
import TraceStore

/// The created-at stamp, written by hand, is what Foundation's ISO 8601 formatter writes for UTC.
struct CreatedAtTests {
    @Test func theStampIsTheFormattersForEveryKindOfDate() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        // Epoch edges, leap days, century rules (1900, 2000, 2100), the end of a year, and a spread of moments.
        var moments: [Int64] = [0, 59, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_400, 1_798_761_599, 253_402_300_799]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            moments.append(Int64(state >> 33) % 4_102_444_800)  // up to 2100
        }
        for moment in moments {
            #expect(CreatedAt.string(secondsSince1970: moment) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(moment))), "\(moment)")
        }
    }

    @Test func sourceDateEpochPinsTheStamp() {
        #expect(CreatedAt.now(environment: ["SOURCE_DATE_EPOCH": "1700000000"]) == "2023-11-14T22:13:20Z")
        #expect(CreatedAt.now(environment: [:]).hasSuffix("Z"))
    }
}
