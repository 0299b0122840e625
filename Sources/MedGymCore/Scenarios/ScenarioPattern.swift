import Foundation

/// A pattern over scenario ids, as `batch --fixtures` takes it:
/// `ARCHETYPE/tTIERS/vVARIANTS`, each part a glob (`stemi_*`, `*`) or, for
/// tiers and variants, a number or a range (`t1-20`, `v0-4`).
public struct ScenarioPattern: Sendable, Hashable {
    public var archetype: String
    public var tiers: ClosedRange<Int>?
    public var variants: ClosedRange<Int>?

    /// `text` as a scenario pattern, or nil when it is not one (no `/`); a malformed one throws.
    public init?(parsing text: String) throws(ScenarioError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !text.hasSuffix(".json") else { return nil }
        func range(_ part: String, _ letter: Character, _ what: String) throws(ScenarioError) -> ClosedRange<Int>? {
            if part == "*" || part == "\(letter)*" { return nil }
            let body = part.first == letter ? String(part.dropFirst()) : ""
            let bounds = body.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, low <= high, low >= 0 else {
                throw ScenarioError(
                    .outOfRange, scenario: text,
                    problem: "'\(part)' is not a \(what): give \(letter)N, \(letter)A-B or * (e.g. \(letter == "t" ? "t1-20" : "v0-4"))")
            }
            return low...high
        }
        archetype = parts[0]
        tiers = try range(parts[1], "t", "tier range")
        variants = try range(parts[2], "v", "variant range")
        if let tiers, tiers.lowerBound < 1 || tiers.upperBound > 100 {
            throw ScenarioError(.outOfRange, scenario: text, problem: "tiers run from 1 to 100")
        }
    }

    /// Whether `id` is one the pattern names.
    public func matches(_ id: ScenarioID) -> Bool {
        fnmatch(archetype, id.archetype, 0) == 0 && (tiers?.contains(id.tier) ?? true) && (variants?.contains(id.variant) ?? true)
    }
}
