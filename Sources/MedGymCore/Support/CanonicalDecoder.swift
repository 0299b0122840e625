import Foundation

/// Decodes what the canonical encoder wrote (snake_case keys turned back into
/// property names as ``SnakeKey`` does), in one pass over the bytes into a
/// tree and then through `Decodable`, without Foundation's generic machinery
/// (its per-key coding paths were most of the cost of reading a trace).
///
/// It decodes exactly what `JSONDecoder` with ``CanonicalJSON``'s key
/// strategy decodes, or gives up: a text it does not take (malformed, a
/// number out of range, a type it does not handle such as `Date`), or any
/// decoding error, is left to `JSONDecoder`, so results and error messages are
/// Foundation's whenever anything is unusual.
///
/// Its parser stands beside ``JSONParser`` rather than on it: decoding needs
/// numbers as their text (a `UInt64` seed above `Int64.max` must not pass
/// through a `Double`), members in order with their property names made once,
/// and no error text, where `JSONParser` gives the stdio protocol values and
/// byte offsets for its refusals.
public enum CanonicalDecoder {
    /// How JSON keys become property names: as the `JSONDecoder` a caller would otherwise use
    /// turns them (its `keyDecodingStrategy`). `[String: Value]` keys are never turned, as there.
    public enum KeyStyle: Sendable, Hashable {
        /// ``SnakeKey/init(camelCase:)``: `fixture_id` → `fixtureID` (``CanonicalJSON``'s).
        case canonical
        /// `.convertFromSnakeCase`: `fixture_id` → `fixtureId` (fixtures, courses, archetypes).
        case fromSnakeCase
        /// `.useDefaultKeys`.
        case asWritten
    }

    /// The value `bytes` hold, or nil when `JSONDecoder` should be asked instead.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer, keys: KeyStyle = .canonical) -> T? {
        try? decodeOrExplain(type, from: bytes, keys: keys).get()
    }

    /// The value, or why the tree decoder leaves the text to `JSONDecoder` (for tests).
    static func decodeOrExplain<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer, keys: KeyStyle) -> Result<T, any Error> {
        var parser = TreeParser(bytes: bytes, keys: keys)
        guard let root = parser.document() else { return .failure(GiveUp(reason: "text at byte \(parser.at)")) }
        return Result { try TreeDecoder(root).decode(type) }
    }

    /// One JSON value; numbers kept as their text, object keys as property names.
    indirect enum Tree {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([Tree])
        /// Members in text order, each key as written (`raw`) and as a property name (`name`).
        case object([(raw: String, name: String, value: Tree)])
    }

    /// Why the tree decoder gave up (never shown: `JSONDecoder` is asked instead).
    struct GiveUp: Error {
        var reason = ""
    }

    /// Reads a whole document, or nil for anything but plain well-formed JSON.
    struct TreeParser {
        let bytes: UnsafeRawBufferPointer
        let keys: KeyStyle
        var at = 0
        static let maximumDepth = 256

        mutating func document() -> Tree? {
            space()
            guard let value = value(depth: 0) else { return nil }
            space()
            return at == bytes.count ? value : nil
        }

        mutating func space() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        mutating func value(depth: Int) -> Tree? {
            guard at < bytes.count, depth < Self.maximumDepth else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "{"):
                at += 1
                var members: [(raw: String, name: String, value: Tree)] = []
                space()
                if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
                    at += 1
                    return .object(members)
                }
                while true {
                    space()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: "\""), let key = string(), let name = PropertyNames.name(key, keys) else {
                        return nil
                    }
                    space()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return nil }
                    at += 1
                    space()
                    guard let member = value(depth: depth + 1) else { return nil }
                    members.append((key, name, member))
                    space()
                    guard at < bytes.count else { return nil }
                    if bytes[at] == UInt8(ascii: ",") {
                        at += 1
                        continue
                    }
                    guard bytes[at] == UInt8(ascii: "}") else { return nil }
                    at += 1
                    return .object(members)
                }
            case UInt8(ascii: "["):
                at += 1
                var items: [Tree] = []
                space()
                if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
                    at += 1
                    return .array(items)
                }
                while true {
                    space()
                    guard let item = value(depth: depth + 1) else { return nil }
                    items.append(item)
                    space()
                    guard at < bytes.count else { return nil }
                    if bytes[at] == UInt8(ascii: ",") {
                        at += 1
                        continue
                    }
                    guard bytes[at] == UInt8(ascii: "]") else { return nil }
                    at += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""):
                return string().map(Tree.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = at
                while at < bytes.count {
                    switch bytes[at] {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"),
                        UInt8(ascii: "E"):
                        at += 1
                    default:
                        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self))
                    }
                }
                return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self))
            default:
                return nil
            }
        }

        mutating func literal(_ word: StaticString, _ value: Tree) -> Tree? {
            let count = word.utf8CodeUnitCount
            guard at + count <= bytes.count else { return nil }
            for i in 0..<count where bytes[at + i] != word.utf8Start[i] { return nil }
            at += count
            return value
        }

        /// Four hex digits at `at` of `body`, or nil.
        func hex4(_ body: UnsafeRawBufferPointer, _ at: Int) -> UInt32? {
            guard at + 4 <= body.count else { return nil }
            var value: UInt32 = 0
            for byte in body[at..<(at + 4)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// A string: taken as it stands without escapes, else unescaped (a `\u` surrogate pair joined;
        /// a lone surrogate or an unknown escape is left to Foundation). Raw control characters are not JSON.
        mutating func string() -> String? {
            at += 1
            let start = at
            var plain = true
            while at < bytes.count {
                let byte = bytes[at]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { return nil }
                if byte == UInt8(ascii: "\\") {
                    plain = false
                    at += 2
                    continue
                }
                at += 1
            }
            guard at < bytes.count else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: bytes[start..<at])
            at += 1
            if plain { return String(validating: body, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(body.count)
            var i = 0
            while i < body.count {
                let byte = body[i]
                guard byte == UInt8(ascii: "\\") else {
                    out.append(byte)
                    i += 1
                    continue
                }
                guard i + 1 < body.count else { return nil }
                switch body[i + 1] {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    // A code point, or a surrogate pair; a lone surrogate is Foundation's to judge.
                    guard var scalar = hex4(body, i + 2) else { return nil }
                    i += 6
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 1 < body.count, body[i] == UInt8(ascii: "\\"), body[i + 1] == UInt8(ascii: "u"), let low = hex4(body, i + 2),
                            (0xDC00...0xDFFF).contains(low)
                        else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    continue
                default: return nil
                }
                i += 2
            }
            return String(validating: out, as: UTF8.self)
        }
    }

    /// Property names of JSON keys, remembered per thread and key style.
    enum PropertyNames {
        final class Table {
            var names: [KeyStyle: [String: String]] = [:]
        }

        private static let tables = PerThread { Table() }

        /// The property name `key` stands for, or nil when only Foundation can say.
        static func name(_ key: String, _ style: KeyStyle) -> String? {
            if style == .asWritten { return key }
            let table = tables.value
            if let known = table.names[style]?[key] { return known }
            let name: String?
            switch style {
            case .canonical: name = SnakeKey(camelCase: key).stringValue
            case .fromSnakeCase: name = fromSnakeCase(key)
            case .asWritten: name = key
            }
            if let name { table.names[style, default: [:]][key] = name }
            return name
        }

        /// Foundation's `convertFromSnakeCase`: a key with one word between its leading and trailing
        /// underscores is kept as written; otherwise, for words of lowercase ASCII letters and digits
        /// each starting with a letter, the words after the first capitalised and joined. Nil for any
        /// other key, whose capitalisation only Foundation defines.
        static func fromSnakeCase(_ key: String) -> String? {
            let bytes = Array(key.utf8)
            guard let first = bytes.firstIndex(where: { $0 != 0x5F }), let last = bytes.lastIndex(where: { $0 != 0x5F }) else { return key }
            let words = bytes[first...last].split(separator: 0x5F)
            guard words.count > 1 else { return key }
            func lowercaseLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) }
            guard words.allSatisfy({ word in lowercaseLetter(word.first!) && word.allSatisfy { lowercaseLetter($0) || (0x30...0x39).contains($0) } })
            else { return nil }
            var out = Array(bytes[..<first])
            for (i, word) in words.enumerated() {
                out += word
                if i > 0 { out[out.count - word.count] -= 0x20 }
            }
            out += bytes[(last + 1)...]
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// A `[String: Value]`, whose keys `JSONDecoder` takes as written (no key strategy).
protocol StringKeyedDictionary {
    static func decoded(from tree: CanonicalDecoder.Tree) throws -> Self
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Decodable {
    static func decoded(from tree: CanonicalDecoder.Tree) throws -> Self {
        guard case .object(let members) = tree else { throw CanonicalDecoder.GiveUp() }
        var out: [String: Value] = [:]
        for member in members { out[member.raw] = try TreeDecoder(member.value).decode(Value.self) }
        return out
    }
}

/// A `Decoder` over one tree node.
struct TreeDecoder: Decoder {
    let tree: CanonicalDecoder.Tree
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// No coding path is kept: on any error the caller asks `JSONDecoder`, whose errors carry it.
    init(_ tree: CanonicalDecoder.Tree) {
        self.tree = tree
    }

    /// `type` decoded from this node: scalars read here, everything else through its `init(from:)`.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        // By the node first, then by comparing metatypes (a pointer compare; a protocol cast is asked
        // only of an object, which may be a `[String: Value]`).
        switch tree {
        case .string(let s):
            if T.self == String.self { return s as! T }
            if T.self == URL.self {
                // As JSONDecoder reads a URL: from its string.
                guard let url = URL(string: s) else { throw CanonicalDecoder.GiveUp() }
                return url as! T
            }
            if T.self == Data.self || T.self == Date.self { throw CanonicalDecoder.GiveUp() }
        case .number:
            if T.self == Double.self { return try number(Double.init) as! T }
            if T.self == Int.self { return try number(Int.init) as! T }
            if T.self == Int64.self { return try number(Int64.init) as! T }
            if T.self == UInt64.self { return try number(UInt64.init) as! T }
            if T.self == Int32.self { return try number(Int32.init) as! T }
            if T.self == UInt32.self { return try number(UInt32.init) as! T }
            if T.self == UInt.self { return try number(UInt.init) as! T }
            if T.self == Float.self || T.self == Int8.self || T.self == Int16.self || T.self == UInt8.self || T.self == UInt16.self
                || T.self == Date.self || T.self == Decimal.self
            {
                throw CanonicalDecoder.GiveUp()
            }
        case .bool(let b):
            if T.self == Bool.self { return b as! T }
        case .object:
            if let dictionary = T.self as? StringKeyedDictionary.Type { return try dictionary.decoded(from: tree) as! T }
        case .array, .null:
            break
        }
        // A scalar type met with another kind of node is a type mismatch (its own `init(from:)` would
        // ask this decoder for itself again): Foundation's to report.
        if T.self == String.self || T.self == Bool.self || T.self == Double.self || T.self == Float.self || T.self == Int.self
            || T.self == Int8.self || T.self == Int16.self || T.self == Int32.self || T.self == Int64.self || T.self == UInt.self
            || T.self == UInt8.self || T.self == UInt16.self || T.self == UInt32.self || T.self == UInt64.self || T.self == URL.self
            || T.self == Date.self || T.self == Data.self || T.self == Decimal.self
        {
            throw CanonicalDecoder.GiveUp(reason: "\(T.self) from another kind of value")
        }
        return try T(from: self)
    }

    /// A number read from its text (a whole number for the integer types, as Foundation reads them).
    private func number<N>(_ make: (String) -> N?) throws -> N {
        guard case .number(let text) = tree, let value = make(text) else { throw CanonicalDecoder.GiveUp() }
        return value
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = tree else { throw CanonicalDecoder.GiveUp() }
        return KeyedDecodingContainer(TreeKeyedContainer<Key>(members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = tree else { throw CanonicalDecoder.GiveUp() }
        return TreeUnkeyedContainer(items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { TreeSingleValue(decoder: self) }
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(raw: String, name: String, value: CanonicalDecoder.Tree)]
    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.name) } }

    private func value(_ key: Key) -> CanonicalDecoder.Tree? {
        let name = key.stringValue
        return members.first { $0.name == name }?.value
    }

    func contains(_ key: Key) -> Bool { value(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = value(key) else { throw CanonicalDecoder.GiveUp() }
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let value = value(key) else { throw CanonicalDecoder.GiveUp() }
        return try TreeDecoder(value).decode(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = value(key) else { return nil }
        if case .null = value { return nil }
        return try TreeDecoder(value).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        guard let value = value(key) else { throw CanonicalDecoder.GiveUp() }
        return try TreeDecoder(value).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let value = value(key) else { throw CanonicalDecoder.GiveUp() }
        return try TreeDecoder(value).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { throw CanonicalDecoder.GiveUp() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw CanonicalDecoder.GiveUp() }
}

struct TreeUnkeyedContainer: UnkeyedDecodingContainer {
    let items: [CanonicalDecoder.Tree]
    var codingPath: [any CodingKey] { [] }
    var currentIndex = 0

    init(items: [CanonicalDecoder.Tree]) { self.items = items }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> CanonicalDecoder.Tree {
        guard currentIndex < items.count else { throw CanonicalDecoder.GiveUp() }
        defer { currentIndex += 1 }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard currentIndex < items.count else { throw CanonicalDecoder.GiveUp() }
        if case .null = items[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        return try TreeDecoder(try next()).decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        return try TreeDecoder(try next()).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        return try TreeDecoder(try next()).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { throw CanonicalDecoder.GiveUp() }
}

struct TreeSingleValue: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool {
        if case .null = decoder.tree { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type) }
}
