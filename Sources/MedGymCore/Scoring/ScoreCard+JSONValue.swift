/// A score card read from a parsed JSON value, its items left out: what the
/// reports over many episodes read from every score event, without the
/// generic decoder (it was most of a leaderboard's time).
extension ScoreCard {
    /// Why a JSON value is not a score card, naming the field.
    public struct ReadFailure: Error, Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public init(field: String) { self.field = field }
        public var description: String { "score card: '\(field)' is missing or not of its type" }
    }

    /// The card `value` holds (snake_case keys, as ``CanonicalJSON`` writes them), with `items` empty.
    public static func withoutItems(_ value: JSONValue) throws(ReadFailure) -> ScoreCard {
        guard case .object(let card) = value else { throw ReadFailure(field: "score") }
        let dimensions = try card.list("dimensions").map { (entry) throws(ReadFailure) -> DimensionScore in
            guard case .object(let d) = entry, let dimension = ScoreDimension(rawValue: try d.string("dimension")) else {
                throw ReadFailure(field: "dimensions.dimension")
            }
            return DimensionScore(dimension: dimension, points: try d.number("points"), max: try d.number("max"))
        }
        var fate: PatientFate?
        if let value = card["fate"], value != .null {
            guard case .object(let f) = value, let status = FateStatus(rawValue: try f.string("status")) else { throw ReadFailure(field: "fate.status") }
            guard case .integer(let horizon)? = f["horizon_days"], let days = Int(exactly: horizon) else { throw ReadFailure(field: "fate.horizon_days") }
            fate = PatientFate(
                status: status, course: try f.string("course"), description: try f.string("description"), mortality: try f.number("mortality"),
                horizonDays: days, notes: try f.list("notes").map { (v) throws(ReadFailure) in try v.text("fate.notes") },
                injuries: try f.list("injuries").map { (v) throws(ReadFailure) in try v.text("fate.injuries") })
        }
        guard let harm = HarmLevel(rawValue: try card.string("harm_level")) else { throw ReadFailure(field: "harm_level") }
        return ScoreCard(
            fixtureID: try card.string("fixture_id"), outcome: try card.string("outcome"), outcomeText: try card.optionalString("outcome_text"),
            harmLevel: harm, composite: try card.number("composite"), dimensions: dimensions, items: [], fate: fate,
            abandoned: try card.optionalString("abandoned"))
    }
}

extension JSONValue {
    fileprivate func text(_ field: String) throws(ScoreCard.ReadFailure) -> String {
        guard case .string(let s) = self else { throw .init(field: field) }
        return s
    }
}

extension [String: JSONValue] {
    fileprivate func string(_ key: String) throws(ScoreCard.ReadFailure) -> String {
        guard case .string(let s)? = self[key] else { throw .init(field: key) }
        return s
    }

    fileprivate func optionalString(_ key: String) throws(ScoreCard.ReadFailure) -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw .init(field: key)
        }
    }

    fileprivate func number(_ key: String) throws(ScoreCard.ReadFailure) -> Double {
        switch self[key] {
        case .number(let d)?: return d
        case .integer(let i)?: return Double(i)
        default: throw .init(field: key)
        }
    }

    fileprivate func list(_ key: String) throws(ScoreCard.ReadFailure) -> [JSONValue] {
        guard case .array(let a)? = self[key] else { throw .init(field: key) }
        return a
    }
}
