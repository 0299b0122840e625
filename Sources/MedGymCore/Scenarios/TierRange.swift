import Foundation

/// A tier or a range of tiers as a command takes it: `40`, `40-60`.
public enum TierRange {
    /// `text` as tiers within 1–100; a clear error otherwise.
    public static func parse(_ text: String) throws(TierRangeError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let low = parts.first!, let high = parts.last!, low <= high,
            ScenarioID.tiers.contains(low), ScenarioID.tiers.contains(high)
        else { throw TierRangeError(text: text) }
        return low...high
    }
}

/// A tier range that is not one.
public struct TierRangeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let text: String
    public var description: String { "invalid tiers '\(text)': give one tier N or a range A-B with 1 ≤ A ≤ B ≤ 100 (e.g. 40-60)" }
}
