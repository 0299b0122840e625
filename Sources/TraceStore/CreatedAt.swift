import Foundation

/// The created-at stamp for an episode header: now, in UTC, ISO 8601 to the
/// second — or `SOURCE_DATE_EPOCH` when set, for reproducible logs. Metadata
/// only: it is never hashed and never read by the simulation.
///
/// Written by hand from the seconds since 1970 (the proleptic Gregorian
/// calendar, as `ISO8601DateFormatter` with `.withInternetDateTime` writes
/// UTC): a batch stamps every episode, and a formatter built through ICU on
/// each call was 8 % of its time.
public enum CreatedAt {
    /// Now (or `SOURCE_DATE_EPOCH` from `environment`, else from the process's environment).
    public static func now(environment: [String: String]? = nil) -> String {
        let epoch = environment.map { $0["SOURCE_DATE_EPOCH"] } ?? getenv("SOURCE_DATE_EPOCH").map { String(cString: $0) }
        let seconds = epoch.flatMap(TimeInterval.init) ?? Date().timeIntervalSince1970
        return string(secondsSince1970: Int64(seconds.rounded(.down)))
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` for a moment given in whole seconds since 1970-01-01T00:00:00Z.
    public static func string(secondsSince1970 seconds: Int64) -> String {
        let (days, second) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, secondOfDay) = second < 0 ? (days - 1, second + 86_400) : (days, second)
        // Days since 1970 to a civil date (H. Hinnant, "chrono-compatible low-level date algorithms").
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let digits = String(year)  // years 0 to 9999 take four digits, as the formatter writes them
        let yearText = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        return "\(yearText)-\(two(month))-\(two(dayOfMonth))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
    }
}
