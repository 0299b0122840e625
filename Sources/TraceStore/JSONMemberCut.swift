/// A JSON text with one member of a nested object cut out, found by walking
/// the text's structure (strings, escapes, nesting) without decoding it: what
/// lets a reader decode a score event's card without scanning its items.
enum JSONMemberCut {
    /// `text` without the member `key` of the object that is member `outer` of the top-level
    /// object; nil when the text does not have that shape (the caller then decodes it whole).
    static func cut(_ key: String, of outer: String, in text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var walker = Walker(bytes: bytes)
            guard let value = walker.member(Array(outer.utf8)), bytes[value] == UInt8(ascii: "{") else { return nil }
            walker.at = value
            guard let range = walker.memberRange(Array(key.utf8)) else { return nil }
            var out = [UInt8]()
            out.reserveCapacity(bytes.count - range.count)
            out.append(contentsOf: bytes[..<range.lowerBound])
            out.append(contentsOf: bytes[range.upperBound...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    struct Walker {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        mutating func space() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        /// Past a string whose opening quote is at `at`.
        mutating func skipString() -> Bool {
            at += 1
            while at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "\\"): at += 2
                case UInt8(ascii: "\""):
                    at += 1
                    return true
                default: at += 1
                }
            }
            return false
        }

        /// Past the value starting at `at`.
        mutating func skipValue() -> Bool {
            space()
            guard at < bytes.count else { return false }
            switch bytes[at] {
            case UInt8(ascii: "\""): return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while at < bytes.count {
                    switch bytes[at] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            at += 1
                            return true
                        }
                    default: break
                    }
                    at += 1
                }
                return false
            default:
                while at < bytes.count, bytes[at] != UInt8(ascii: ","), bytes[at] != UInt8(ascii: "}"), bytes[at] != UInt8(ascii: "]") { at += 1 }
                return at < bytes.count
            }
        }

        /// The members of the object at `at`: for each, the key's bytes (escapes as written), where
        /// the member starts (its key's quote) and where its value starts; `body` returns false to stop
        /// with `at` at the value. Returns false when the text is not an object there.
        mutating func members(_ body: (UnsafeBufferPointer<UInt8>.SubSequence, Int, Int) -> Bool) -> Bool {
            space()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "{") else { return false }
            at += 1
            while true {
                space()
                guard at < bytes.count else { return false }
                if bytes[at] == UInt8(ascii: "}") { return true }
                if bytes[at] == UInt8(ascii: ",") {
                    at += 1
                    space()
                }
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return false }
                let start = at
                guard skipString() else { return false }
                let key = bytes[(start + 1)..<(at - 1)]
                space()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return false }
                at += 1
                space()
                if !body(key, start, at) { return true }
                guard skipValue() else { return false }
            }
        }

        /// Where the value of member `key` of the object at `at` starts, or nil.
        mutating func member(_ key: [UInt8]) -> Int? {
            var found: Int?
            guard
                members({ k, _, value in
                    if k.elementsEqual(key) { found = value }
                    return found == nil
                })
            else { return nil }
            return found
        }

        /// The bytes to cut to remove member `key` of the object at `at` (with one adjacent comma), or nil.
        mutating func memberRange(_ key: [UInt8]) -> Range<Int>? {
            var start: Int?
            guard
                members({ k, memberStart, _ in
                    if k.elementsEqual(key) { start = memberStart }
                    return start == nil
                })
            else { return nil }
            guard let start else { return nil }
            guard skipValue() else { return nil }
            let end = at
            space()
            if at < bytes.count, bytes[at] == UInt8(ascii: ",") { return start..<(at + 1) }  // "key":value, → through the comma
            // The last member: cut the comma before it, if any.
            var before = start - 1
            while before >= 0, bytes[before] == 0x20 || bytes[before] == 0x0A || bytes[before] == 0x0D || bytes[before] == 0x09 { before -= 1 }
            if before >= 0, bytes[before] == UInt8(ascii: ",") { return before..<end }
            return start..<end
        }
    }
}
