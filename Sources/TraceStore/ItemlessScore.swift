import Foundation
import MedGym

/// A score event's card without its items: what the reports over many episodes read from every score
/// event. Canonical text (what MedGym writes: no escapes, no member it does not know) is read in one
/// pass that skips the items; anything else has its items cut from the text and the rest parsed
/// (``JSONParser``, ``ScoreCard/withoutItems(_:)``). Both give the same card.
enum ItemlessScore {
    static func card(_ payload: String) throws -> ScoreCard {
        if let card = canonicalCard(payload) { return card }
        return try parsedCard(payload)
    }

    /// The general path: the items cut, the rest parsed.
    static func parsedCard(_ payload: String) throws -> ScoreCard {
        let text = JSONMemberCut.cut("items", of: "score", in: payload) ?? payload
        guard case .object(let top) = try JSONParser.parse(text.utf8), let score = top["score"] else {
            throw ScoreCard.ReadFailure(field: "score")
        }
        return try ScoreCard.withoutItems(score)
    }

    /// The one-pass path, or nil when the text is not as MedGym writes it.
    static func canonicalCard(_ payload: String) -> ScoreCard? {
        var text = payload
        return text.withUTF8 { bytes in
            var reader = CardReader(walker: JSONMemberCut.Walker(bytes: bytes))
            return reader.payload()
        }
    }

    /// Reads `{"score":{…}}` member by member; nil at the first thing it does not expect.
    private struct CardReader {
        var walker: JSONMemberCut.Walker
        var bytes: UnsafeBufferPointer<UInt8> { walker.bytes }

        mutating func payload() -> ScoreCard? {
            var card: ScoreCard?
            guard
                object({ r, key in
                    guard key == "score", card == nil else { return false }
                    card = r.score()
                    return card != nil
                }), walker.at == bytes.count
            else { return nil }
            return card
        }

        mutating func score() -> ScoreCard? {
            var fixtureID: String?
            var outcome: String?
            var outcomeText: String?
            var harm: HarmLevel?
            var composite: Double?
            var dimensions: [DimensionScore]?
            var fate: PatientFate?
            var abandoned: String?
            let complete = object { r, key in
                switch key {
                case "items": return r.walker.skipValue()
                case "fixture_id": fixtureID = r.string()
                case "outcome": outcome = r.string()
                case "outcome_text": return r.optional { outcomeText = $0.string() } ?? (outcomeText != nil)
                case "abandoned": return r.optional { abandoned = $0.string() } ?? (abandoned != nil)
                case "harm_level": harm = r.string().flatMap(HarmLevel.init(rawValue:))
                case "composite": composite = r.number()
                case "dimensions": dimensions = r.list { $0.dimension() }
                case "fate": return r.optional { fate = $0.patientFate() } ?? (fate != nil)
                default: return false
                }
                // (a member read again, or one that did not read, leaves its field nil: the card is then not read here)
                return true
            }
            guard complete, let fixtureID, let outcome, let harm, let composite, let dimensions else { return nil }
            return ScoreCard(
                fixtureID: fixtureID, outcome: outcome, outcomeText: outcomeText, harmLevel: harm, composite: composite,
                dimensions: dimensions, items: [], fate: fate, abandoned: abandoned)
        }

        mutating func dimension() -> DimensionScore? {
            var dimension: ScoreDimension?
            var points: Double?
            var max: Double?
            guard
                object({ r, key in
                    switch key {
                    case "dimension": dimension = r.string().flatMap(ScoreDimension.init(rawValue:))
                    case "points": points = r.number()
                    case "max": max = r.number()
                    default: return false
                    }
                    return true
                }), let dimension, let points, let max
            else { return nil }
            return DimensionScore(dimension: dimension, points: points, max: max)
        }

        mutating func patientFate() -> PatientFate? {
            var status: FateStatus?
            var course: String?
            var description: String?
            var mortality: Double?
            var horizon: Int?
            var notes: [String]?
            var injuries: [String]?
            guard
                object({ r, key in
                    switch key {
                    case "status": status = r.string().flatMap(FateStatus.init(rawValue:))
                    case "course": course = r.string()
                    case "description": description = r.string()
                    case "mortality": mortality = r.number()
                    case "horizon_days": horizon = r.integer()
                    case "notes": notes = r.list { $0.string() }
                    case "injuries": injuries = r.list { $0.string() }
                    default: return false
                    }
                    return true
                }), let status, let course, let description, let mortality, let horizon, let notes, let injuries
            else { return nil }
            return PatientFate(
                status: status, course: course, description: description, mortality: mortality, horizonDays: horizon, notes: notes,
                injuries: injuries)
        }

        /// An object's members, each key handed to `member` with the reader at its value; `member`
        /// reads the value (or returns false to give up). Keys with escapes give up.
        mutating func object(_ member: (inout CardReader, String) -> Bool) -> Bool {
            guard peek("{") else { return false }
            walker.at += 1
            if peek("}") {
                walker.at += 1
                return true
            }
            while true {
                guard let key = string(), peek(":") else { return false }
                walker.at += 1
                guard member(&self, key) else { return false }
                if peek(",") {
                    walker.at += 1
                    continue
                }
                guard peek("}") else { return false }
                walker.at += 1
                return true
            }
        }

        /// An array, each element read by `element`.
        mutating func list<T>(_ element: (inout CardReader) -> T?) -> [T]? {
            guard peek("[") else { return nil }
            walker.at += 1
            var out: [T] = []
            if peek("]") {
                walker.at += 1
                return out
            }
            while true {
                guard let value = element(&self) else { return nil }
                out.append(value)
                if peek(",") {
                    walker.at += 1
                    continue
                }
                guard peek("]") else { return nil }
                walker.at += 1
                return out
            }
        }

        /// `null` (the member read as absent: true), else `read()` (its result).
        mutating func optional(_ read: (inout CardReader) -> Void) -> Bool? {
            if bytes[walker.at...].starts(with: "null".utf8) {
                walker.at += 4
                return true
            }
            read(&self)
            return nil
        }

        /// A string without escapes.
        mutating func string() -> String? {
            guard peek("\"") else { return nil }
            let start = walker.at + 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                if bytes[end] == UInt8(ascii: "\\") || bytes[end] < 0x20 { return nil }
                end += 1
            }
            guard end < bytes.count else { return nil }
            walker.at = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        /// A number as ``JSONParser`` reads it: a whole one through `Int64`, any other through `Double`.
        mutating func number() -> Double? {
            guard let (text, whole) = numberText() else { return nil }
            if whole, let integer = Int64(text) { return Double(integer) }
            guard let double = Double(text), double.isFinite else { return nil }
            return double
        }

        mutating func integer() -> Int? {
            guard let (text, whole) = numberText(), whole else { return nil }
            return Int(text)
        }

        /// A number's text by JSON's grammar (as ``JSONParser`` takes it), and whether it is whole.
        private mutating func numberText() -> (String, Bool)? {
            let start = walker.at
            func digits() -> Int {
                let first = walker.at
                while walker.at < bytes.count, bytes[walker.at] >= UInt8(ascii: "0"), bytes[walker.at] <= UInt8(ascii: "9") { walker.at += 1 }
                return walker.at - first
            }
            if peek("-") { walker.at += 1 }
            if peek("0") {
                walker.at += 1
            } else if digits() == 0 {
                return nil
            }
            var whole = true
            if peek(".") {
                walker.at += 1
                whole = false
                guard digits() > 0 else { return nil }
            }
            if peek("e") || peek("E") {
                walker.at += 1
                whole = false
                if peek("+") || peek("-") { walker.at += 1 }
                guard digits() > 0 else { return nil }
            }
            return (String(decoding: bytes[start..<walker.at], as: UTF8.self), whole)
        }

        private func peek(_ character: Unicode.Scalar) -> Bool {
            walker.at < bytes.count && bytes[walker.at] == UInt8(ascii: character)
        }
    }
}
