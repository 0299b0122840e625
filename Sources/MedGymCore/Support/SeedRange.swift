/// Parses "7" or "1-20" into a seed range.
public enum SeedRange {
    public static func parse(_ text: String) throws -> ClosedRange<UInt64> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 1 {
            let s = try SeedParser.parse(parts[0])
            return s...s
        }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw SeedRangeError(text: text) }
        let low: UInt64
        let high: UInt64
        do { (low, high) = (try SeedParser.parse(parts[0]), try SeedParser.parse(parts[1])) } catch { throw SeedRangeError(text: text) }
        guard low <= high else { throw SeedRangeError(text: text) }
        return low...high
    }
}

/// A `--seeds` value that is neither N nor A-B with A ≤ B.
public struct SeedRangeError: Error, CustomStringConvertible, Equatable {
    public let text: String
    public var description: String {
        "invalid seeds '\(text)': give one seed N or a range A-B with A ≤ B (e.g. 1-100), seeds being whole numbers 0…\(UInt64.max)"
    }
}
