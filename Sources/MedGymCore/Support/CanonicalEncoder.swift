import Foundation

/// Writes any `Encodable` as MedGym's canonical JSON — snake_case keys
/// (Foundation's `convertToSnakeCase`), sorted by their UTF-8 bytes, slashes
/// unescaped, numbers as Foundation writes them — without Foundation's
/// intermediate dictionaries: the same bytes as `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]`, several times faster.
///
/// `CanonicalJSONTests` proves the bytes equal over every shipped fixture and
/// many played episodes.
struct CanonicalEncoder {
    /// The encoded bytes of `value`.
    static func encode(_ value: some Encodable, numbers: CanonicalJSON.NumberStyle = .canonical) throws -> [UInt8] {
        // Canonical JSON leaves a nil optional's key out: it is not recorded at all (typed JSON writes it).
        let omitting = OmittedKeys.flag
        let outer = omitting.omit
        omitting.omit = numbers == .canonical
        defer { omitting.omit = outer }
        let root = try Node.make(value, path: [])
        var out: [UInt8] = []
        out.reserveCapacity(512)
        root.write(into: &out, typed: numbers == .typed)
        return out
    }
}

/// One JSON value being built. Objects and arrays are reference nodes so a
/// container handed out by the encoder can keep adding to them.
enum Node {
    case string(String)
    case number(String)
    /// A floating-point value in Foundation's form; `whole` when a trailing ".0" was dropped.
    case float(String, whole: Bool)
    /// A nil optional of a scalar type, or one left out by `encodeIfPresent`: in canonical JSON null, or no
    /// key when `omitted`; in typed JSON the type's empty value ("", false, 0) so a column keeps one type.
    case absent(Absent, omitted: Bool)

    /// What a nil optional was an optional of.
    enum Absent { case string, bool, integer, other }
    case bool(Bool)
    case null
    case object(ObjectBox)
    case array(ArrayBox)

    /// The empty value typed JSON writes for a nil `T?`.
    static func absentKind<T>(of type: T.Type) -> Absent {
        if T.self == String.self { return .string }
        if T.self == Bool.self { return .bool }
        if T.self == Int.self || T.self == UInt64.self || T.self == Int64.self { return .integer }
        return .other
    }

    /// Encodes `value`, taking the primitive types directly.
    static func make<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> Node {
        // Metatype comparisons, not dynamic casts: this runs for every value.
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int.self { return .number(String(value as! Int)) }
        if T.self == Double.self { return try number(value as! Double, path: path) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == UInt64.self { return .number(String(value as! UInt64)) }
        // An explicit nil of a scalar type: null in canonical JSON, the type's empty value in typed JSON.
        if T.self == String?.self, (value as! String?) == nil { return .absent(.string, omitted: false) }
        if T.self == Bool?.self, (value as! Bool?) == nil { return .absent(.bool, omitted: false) }
        if T.self == Int?.self, (value as! Int?) == nil { return .absent(.integer, omitted: false) }
        let encoder = NodeEncoder(codingPath: path)
        try value.encode(to: encoder)
        return encoder.result ?? .object(ObjectBox())
    }

    /// Foundation's form: `description`, a trailing ".0" dropped; not-a-number and infinities are errors.
    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F, path: [any CodingKey]) throws -> Node {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value,
                EncodingError.Context(
                    codingPath: path, debugDescription: "Unable to encode \(value) directly in JSON."))
        }
        var text = value.description
        guard text.hasSuffix(".0") else { return .float(text, whole: false) }
        text.removeLast(2)
        return .float(text, whole: true)
    }

    /// `typed`: a whole floating-point value keeps a ".0" (25.0, not 25) and an absent optional is null.
    func write(into out: inout [UInt8], typed: Bool = false) {
        switch self {
        case .string(let text): Self.writeString(text, into: &out)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .float(let text, let whole):
            out.append(contentsOf: text.utf8)
            if whole && typed { out.append(contentsOf: ".0".utf8) }
        case .bool(let flag): out.append(contentsOf: flag ? Array("true".utf8) : Array("false".utf8))
        case .null: out.append(contentsOf: "null".utf8)
        case .absent(let kind, _):
            switch typed ? kind : .other {
            case .string: out.append(contentsOf: "\"\"".utf8)
            case .bool: out.append(contentsOf: "false".utf8)
            case .integer: out.append(UInt8(ascii: "0"))
            case .other: out.append(contentsOf: "null".utf8)
            }
        case .array(let box):
            out.append(UInt8(ascii: "["))
            for (index, element) in box.elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out, typed: typed)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let box):
            out.append(UInt8(ascii: "{"))
            // Sorted by UTF-8 bytes; of equal keys the last one written wins, as in Foundation's dictionary.
            let order = box.keys.indices.sorted { a, b in
                let (x, y) = (box.keys[a], box.keys[b])
                if x == y { return a < b }
                return x.utf8.lexicographicallyPrecedes(y.utf8)
            }
            var first = true
            for (position, index) in order.enumerated() {
                if position + 1 < order.count, box.keys[order[position + 1]] == box.keys[index] { continue }
                if case .absent(_, omitted: true) = box.values[index], !typed { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                Self.writeString(box.keys[index], into: &out)
                out.append(UInt8(ascii: ":"))
                box.values[index].write(into: &out, typed: typed)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Foundation's escapes: quote, backslash, \b \f \n \r \t, other controls as \u00XX; slashes as they are.
    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text  // (withUTF8 reads a native string's bytes in place)
        text.withUTF8 { bytes in
            // Runs without an escape are copied whole; each byte that needs one is written escaped.
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                escape(byte, into: &out)
                start = index + 1
            }
            if start < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// One byte as its escape.
    private static func escape(_ byte: UInt8, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            out.append(UInt8(ascii: "u"))
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "0"))
            out.append(hex.utf8Start[Int(byte >> 4)])
            out.append(hex.utf8Start[Int(byte & 0xF)])
        }
    }
}

/// Whether the encoding under way on this thread leaves out the keys of absent optionals, as
/// canonical JSON writes them (one flag per thread, set by ``CanonicalEncoder/encode(_:numbers:)`` for
/// the encode it runs and restored after, so an encode inside another keeps the outer one's).
enum OmittedKeys {
    final class Flag {
        var omit = false
    }

    private static let flags = PerThread { Flag() }

    /// This thread's flag, made on first use.
    static var flag: Flag { flags.value }
}

/// An object under construction: keys (already converted) and values in the order written.
final class ObjectBox {
    var keys: [String] = []
    var values: [Node] = []
}

/// An array under construction.
final class ArrayBox {
    var elements: [Node] = []
}

/// The `Encoder` that builds ``Node`` values. Coding paths are not tracked
/// (they only decorate errors, and the hot path should not allocate them).
final class NodeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var result: Node?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: ObjectBox
        if case .object(let existing) = result {
            box = existing
        } else {
            box = ObjectBox()
            result = .object(box)
        }
        return KeyedEncodingContainer(NodeKeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: ArrayBox
        if case .array(let existing) = result {
            box = existing
        } else {
            box = ArrayBox()
            result = .array(box)
        }
        return NodeUnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { NodeSingleValueContainer(encoder: self) }
}

struct NodeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: ObjectBox
    let codingPath: [any CodingKey]

    private func set(_ node: Node, _ key: Key) {
        if case .absent(_, omitted: true) = node, OmittedKeys.flag.omit { return }
        box.keys.append(SnakeCaseKeys.shared.converted(key.stringValue))
        box.values.append(node)
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try Node.number(value, path: codingPath), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try Node.number(value, path: codingPath), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.number(String(value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try Node.make(value, path: codingPath), key)
    }
    // A nil optional is kept as absent: left out of canonical JSON (as Foundation does), null in typed JSON,
    // so every row of a corpus has the same columns.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.bool, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.string, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.other, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.other, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(.integer, omitted: true), key) }
    }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { set(.absent(Node.absentKind(of: T.self), omitted: true), key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = ObjectBox()
        set(.object(nested), key)
        return KeyedEncodingContainer(NodeKeyedContainer<NestedKey>(box: nested, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        set(.array(nested), key)
        return NodeUnkeyedContainer(box: nested, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { slot(named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { slot(named: SnakeCaseKeys.shared.converted(key.stringValue)) }

    private func slot(named name: String) -> any Encoder {
        let box = self.box
        box.keys.append(name)
        box.values.append(.object(ObjectBox()))
        let index = box.values.count - 1
        return SlotEncoder { box.values[index] = $0 }
    }
}

/// A super encoder: whatever is encoded into it is stored by `store` (under
/// a key of the enclosing object, or in one element of an array).
final class SlotEncoder: Encoder {
    let inner = NodeEncoder(codingPath: [])
    let store: (Node) -> Void
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(store: @escaping (Node) -> Void) { self.store = store }

    private func sync() { if let result = inner.result { store(result) } }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        defer { sync() }
        return inner.container(keyedBy: type)
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        defer { sync() }
        return inner.unkeyedContainer()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        NodeSingleValueContainer(encoder: inner) { [self] in sync() }
    }
}

struct NodeUnkeyedContainer: UnkeyedEncodingContainer {
    let box: ArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.elements.count }

    mutating func encodeNil() throws { box.elements.append(.null) }
    mutating func encode(_ value: Bool) throws { box.elements.append(.bool(value)) }
    mutating func encode(_ value: String) throws { box.elements.append(.string(value)) }
    mutating func encode(_ value: Double) throws {
        box.elements.append(try Node.number(value, path: codingPath))
    }
    mutating func encode(_ value: Float) throws {
        box.elements.append(try Node.number(value, path: codingPath))
    }
    mutating func encode(_ value: Int) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { box.elements.append(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { box.elements.append(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        box.elements.append(try Node.make(value, path: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = ObjectBox()
        let path = codingPath
        box.elements.append(.object(nested))
        return KeyedEncodingContainer(NodeKeyedContainer<NestedKey>(box: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = ArrayBox()
        let path = codingPath
        box.elements.append(.array(nested))
        return NodeUnkeyedContainer(box: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let box = self.box
        box.elements.append(.object(ObjectBox()))
        let index = box.elements.count - 1
        return SlotEncoder { box.elements[index] = $0 }
    }
}

struct NodeSingleValueContainer: SingleValueEncodingContainer {
    let encoder: NodeEncoder
    var didSet: () -> Void = {}
    var codingPath: [any CodingKey] { encoder.codingPath }

    init(encoder: NodeEncoder, didSet: @escaping () -> Void = {}) {
        self.encoder = encoder
        self.didSet = didSet
    }

    private func set(_ node: Node) {
        encoder.result = node
        didSet()
    }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(try Node.number(value, path: codingPath)) }
    mutating func encode(_ value: Float) throws { set(try Node.number(value, path: codingPath)) }
    mutating func encode(_ value: Int) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { set(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { set(try Node.make(value, path: codingPath)) }
}
