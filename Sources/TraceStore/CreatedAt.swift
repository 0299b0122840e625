import Foundation

/// The created-at stamp for an episode header: now, in UTC, ISO 8601 to the
/// second — or `SOURCE_DATE_EPOCH` when set, for reproducible logs. Metadata
/// only: it is never hashed and never read by the simulation.
public enum CreatedAt {
    public static func now(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let date = environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init).map { Date(timeIntervalSince1970: $0) } ?? Date()
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
