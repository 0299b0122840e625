import Foundation

/// The one way reports lay text out in columns and write signed numbers.
public enum TextLayout {
    /// `text` padded with spaces on the right to `width` characters (never cut).
    public static func padRight(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `text` padded with spaces on the left to `width` characters (never cut).
    public static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// A signed number: `+12.5`, `-3`, `0` (as few digits as it needs), or
    /// with `decimals`, that many (`+12.50`, `-3.00`).
    public static func signed(_ x: Double, decimals: Int? = nil) -> String {
        let digits = decimals.map { String(format: "%.\($0)f", x) } ?? x.plain
        return x > 0 ? "+" + digits : digits
    }
}
