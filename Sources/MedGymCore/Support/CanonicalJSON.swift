import Foundation

/// The one JSON encoding used for everything MedGym writes or hashes:
/// snake_case keys, sorted, no escaped slashes. Byte-identical across
/// processes for the same value.
public enum CanonicalJSON {
    public static func data(_ value: some Encodable, pretty: Bool = false) throws -> Data {
        if !pretty { return Data(try CanonicalEncoder.encode(value)) }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .custom { path in
            SnakeKey(stringValue: SnakeCaseKeys.shared.converted(path.last?.stringValue ?? ""))
        }
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// How numbers are written.
    public enum NumberStyle: Sendable, Hashable {
        /// As Foundation writes them: a whole floating-point value without its ".0" (25). Everything hashed.
        case canonical
        /// A floating-point value always with a fraction (25.0), and an optional field that is nil written
        /// as null rather than left out, so a column reader (Arrow, `datasets`) gives every row the same
        /// columns and types a field as float from its first row: the training corpora.
        case typed
    }

    /// One line of JSON with numbers written in `style`.
    public static func string(_ value: some Encodable, numbers style: NumberStyle) throws -> String {
        String(decoding: try CanonicalEncoder.encode(value, numbers: style), as: UTF8.self)
    }

    public static func string(_ value: some Encodable, pretty: Bool = false) throws -> String {
        if !pretty { return String(decoding: try CanonicalEncoder.encode(value), as: UTF8.self) }
        return String(decoding: try data(value, pretty: true), as: UTF8.self)
    }

    /// Decodes what ``data(_:pretty:)`` wrote.
    /// A string as a JSON string literal, escaped as the canonical encoder escapes it.
    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        Node.writeString(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal, escaped as the canonical encoder escapes it
    /// (for writers that build a known shape straight into bytes).
    public static func appendQuoted(_ text: String, to out: inout [UInt8]) { Node.writeString(text, into: &out) }

    /// Appends a number as the canonical encoder writes a `Double` (Foundation's form, a whole
    /// value without ".0"); not-a-number and infinities are errors, as there.
    public static func appendNumber(_ value: Double, to out: inout [UInt8]) throws {
        try Node.number(value, path: []).write(into: &out)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        // The tree decoder when it takes the text; Foundation's otherwise (and for every error).
        if let value = data.withUnsafeBytes({ CanonicalDecoder.decode(type, from: $0) }) { return value }
        return try foundationDecode(type, from: data)
    }

    /// What `JSONDecoder` with the key strategy `keys` stands for decodes from `data`, read by the tree
    /// decoder; nil when it does not take the text (ask that `JSONDecoder`: its value and errors are the reference).
    public static func treeDecode<T: Decodable>(_ type: T.Type, from data: Data, keys: CanonicalDecoder.KeyStyle) -> T? {
        data.withUnsafeBytes { CanonicalDecoder.decode(type, from: $0, keys: keys) }
    }

    /// Decodes with `JSONDecoder` and the canonical key strategy (the reference ``decode(_:from:)`` agrees with).
    public static func foundationDecode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            SnakeKey(camelCase: path.last?.stringValue ?? "")
        }
        return try decoder.decode(type, from: data)
    }
}

/// Foundation's `convertToSnakeCase`, remembered per key name: each name is
/// converted once, by Foundation itself (so the bytes cannot differ from
/// `.convertToSnakeCase`), instead of on every encoded key.
///
/// Each thread keeps its own table (no lock on the way: every key of every
/// event goes through here, and one shared lock was where a batch's two
/// threads waited on each other); the shared table, behind its lock, is read
/// only for a name a thread has not met yet.
final class SnakeCaseKeys: @unchecked Sendable {
    static let shared = SnakeCaseKeys()
    private var known: [String: String] = [:]
    private let lock = NSLock()

    /// A thread's own table.
    final class ThreadTable {
        var known: [String: String] = [:]
    }

    private static let tables = PerThread { ThreadTable() }

    /// This thread's table, made on first use (released when the thread ends).
    private static var threadTable: ThreadTable { tables.value }

    func converted(_ key: String) -> String {
        let table = Self.threadTable
        if let hit = table.known[key] { return hit }
        lock.lock()
        let shared = known[key]
        lock.unlock()
        let value = shared ?? Self.byFoundation(key)
        if shared == nil {
            lock.lock()
            known[key] = value
            lock.unlock()
        }
        table.known[key] = value
        return value
    }

    /// Encodes `{key: 0}` with `.convertToSnakeCase` and reads the key back.
    static func byFoundation(_ key: String) -> String {
        struct One: Encodable {
            let key: String
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: SnakeKey.self)
                try container.encode(0, forKey: SnakeKey(stringValue: key))
            }
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let data = try? encoder.encode(One(key: key)),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Int],
            object.count == 1, let converted = object.first?.key
        else { return key }
        return converted
    }
}

/// Turns a snake_case key back into the property name it was encoded from,
/// restoring the `ID` acronym (`fixture_id` → `fixtureID`, `action_ids` →
/// `actionIDs`) that `convertFromSnakeCase` would spell `Id`.
struct SnakeKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    init(camelCase snake: String) {
        let parts = snake.split(separator: "_", omittingEmptySubsequences: true)
        guard parts.count > 1 else {
            self.stringValue = snake
            return
        }
        var name = String(parts[0])
        for part in parts.dropFirst() {
            switch part {
            case "id": name += "ID"
            case "ids": name += "IDs"
            default: name += part.prefix(1).uppercased() + part.dropFirst()
            }
        }
        self.stringValue = name
    }
}

/// Parses a seed given as text: a decimal integer in 0...UInt64.max.
public enum SeedParser {
    public static func parse(_ text: String) throws(SeedError) -> UInt64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let value = UInt64(trimmed) else { throw SeedError(text: text) }
        return value
    }
}

/// A seed that is not an integer between 0 and 18446744073709551615.
public struct SeedError: Error, CustomStringConvertible, Equatable {
    public let text: String
    public var description: String {
        "invalid seed '\(text)': a seed is a whole number from 0 to \(UInt64.max)"
    }
}
