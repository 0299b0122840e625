import Foundation

/// A tier or a range of tiers as a command takes it: `40`, `40-60` (or variants: `0-1`).
public enum TierRange {
    /// `text` as tiers within 1–100; a clear error otherwise.
    public static func parse(_ text: String) throws(TierRangeError) -> ClosedRange<Int> {
        try parse(text, within: ScenarioID.tiers, naming: "tiers")
    }

    /// `text` as variants (0 or more); a clear error otherwise.
    public static func parseVariants(_ text: String) throws(TierRangeError) -> ClosedRange<Int> {
        try parse(text, within: 0...Int.max, naming: "variants")
    }

    static func parse(_ text: String, within bounds: ClosedRange<Int>, naming what: String) throws(TierRangeError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let low = parts.first!, let high = parts.last!, low <= high,
            bounds.contains(low), bounds.contains(high)
        else { throw TierRangeError(text: text, what: what) }
        return low...high
    }
}

/// A tier (or variant) range that is not one.
public struct TierRangeError: Error, CustomStringConvertible, Equatable, Sendable {
    public let text: String
    /// `tiers` or `variants`.
    public var what = "tiers"

    public var description: String {
        what == "tiers"
            ? "invalid tiers '\(text)': give one tier N or a range A-B with 1 ≤ A ≤ B ≤ 100 (e.g. 40-60)"
            : "invalid \(what) '\(text)': give one number N or a range A-B with 0 ≤ A ≤ B (e.g. 0-1)"
    }
}
