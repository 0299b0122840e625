/// What a browser of the store asks for: episodes filtered, sorted and paged in SQL, so a page of a
/// store of 100,000 episodes reads its fifty rows, not the store.
public struct EpisodeQuery: Sendable, Hashable {
    /// The orders a page can be in (each then by recording order).
    public enum Sort: String, Sendable, Hashable, CaseIterable {
        case recorded, fixture, agent, tier, composite, steps, outcome, harm

        var column: String {
            switch self {
            case .recorded: "e.id"
            case .fixture: "e.fixture"
            case .agent: "e.agent"
            case .tier: "e.tier"
            case .composite: "s.composite"
            case .steps: "s.steps"
            case .outcome: "s.outcome"
            case .harm: "s.harm_level"
            }
        }
    }

    /// A fixture id or a shell-style pattern (`adv_*`, `aortic_dissection/*`).
    public var fixture: String?
    /// One of these fixtures (a specialty's, say); none match an empty list.
    public var fixtures: [String]?
    public var agent: String?
    public var label: String?
    public var outcome: String?
    public var harm: String?
    public var minTier: Int?
    public var maxTier: Int?
    public var minComposite: Double?
    public var maxComposite: Double?
    /// Recorded on or after / before this `created_at` prefix (`2026-12-07`, `2026-12-07T10:00`).
    public var from: String?
    public var until: String?
    /// Saved forks too (by default only recorded runs).
    public var forks = false
    public var sort = Sort.recorded
    public var descending = true
    public var offset = 0
    public var limit = 50

    public init() {}

    /// The most rows one page may ask for.
    public static let maximumLimit = 500

    /// The SQL a store's database speaks, where the two differ.
    public enum Dialect: Sendable {
        case sqlite, postgres
    }

    /// The WHERE clause (over `episodes e LEFT JOIN summaries s`) and its values, bound in order to
    /// its `?` placeholders.
    public func filter(_ dialect: Dialect = .sqlite) -> (clause: String, values: [SQLiteValue]) {
        // (a PostgreSQL store holds finished episodes only: each is written in one transaction)
        var terms = dialect == .sqlite ? ["e.finished = 1"] : ["TRUE"]
        var values: [SQLiteValue] = []
        func add(_ term: String, _ value: SQLiteValue) {
            terms.append(term)
            values.append(value)
        }
        if !forks { terms.append("e.parent_id IS NULL") }
        if let fixture {
            switch dialect {
            case .sqlite: add("e.fixture GLOB ?", .text(fixture))
            case .postgres: add("e.fixture ~ ?", .text(Self.regex(glob: fixture)))
            }
        }
        if let fixtures {
            terms.append(fixtures.isEmpty ? "1 = 0" : "e.fixture IN (" + fixtures.map { _ in "?" }.joined(separator: ", ") + ")")
            values += fixtures.map { .text($0) }
        }
        if let agent { add("e.agent = ?", .text(agent)) }
        if let label { add("e.label = ?", .text(label)) }
        if let outcome { add("s.outcome = ?", .text(outcome)) }
        if let harm { add("s.harm_level = ?", .text(harm)) }
        if let minTier { add("e.tier >= ?", .int(minTier)) }
        if let maxTier { add("e.tier <= ?", .int(maxTier)) }
        if let minComposite { add("s.composite >= ?", .double(minComposite)) }
        if let maxComposite { add("s.composite <= ?", .double(maxComposite)) }
        // (compared by their bytes in either database; `until` is a prefix: everything that starts with it is before its end)
        let createdAt = dialect == .sqlite ? "e.created_at" : "e.created_at COLLATE \"C\""
        if let from { add("\(createdAt) >= ?", .text(from)) }
        if let until { add("\(createdAt) < ?", .text(until + "\u{10FFFF}")) }
        return ("WHERE " + terms.joined(separator: " AND "), values)
    }

    /// A shell-style pattern as an anchored PostgreSQL regular expression that matches what SQLite's
    /// GLOB matches: `*`, `?`, and `[…]` classes (`[^…]` negated; a `]` first in a class is itself;
    /// every other character in a class is literal). A class never closed matches nothing, as in GLOB.
    static func regex(glob: String) -> String {
        let never = "[^\\s\\S]"
        var out = "^"
        let characters = Array(glob)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            switch c {
            case "*": out += ".*"
            case "?": out += "."
            case "[":
                var j = i + 1
                var negated = false
                if j < characters.count, characters[j] == "^" {
                    negated = true
                    j += 1
                }
                var members: [Character] = []
                if j < characters.count, characters[j] == "]" {
                    members.append("]")
                    j += 1
                }
                while j < characters.count, characters[j] != "]" {
                    members.append(characters[j])
                    j += 1
                }
                guard j < characters.count else { return never }
                // Ranges (a-z) are kept; every other member is escaped, so it is itself.
                var set = ""
                var k = 0
                while k < members.count {
                    if k + 2 < members.count, members[k + 1] == "-" {
                        set += Self.escaped(members[k]) + "-" + Self.escaped(members[k + 2])
                        k += 3
                    } else {
                        set += Self.escaped(members[k])
                        k += 1
                    }
                }
                out += "[" + (negated ? "^" : "") + set + "]"
                i = j
            default: out += Self.escaped(c)
            }
            i += 1
        }
        return out + "$"
    }

    /// A character as itself in a regular expression (escaped when it means something there).
    static func escaped(_ c: Character) -> String {
        c.isLetter || c.isNumber || c == "_" || c == " " || !c.isASCII ? String(c) : "\\" + String(c)
    }

    /// The ORDER BY terms. PostgreSQL is asked to sort as SQLite does: text by its bytes (collation
    /// "C"), and an empty value (NULL) before any other.
    public func order(_ dialect: Dialect = .sqlite) -> String {
        let direction = descending ? "DESC" : "ASC"
        guard sort != .recorded else { return "e.id \(direction)" }
        switch dialect {
        case .sqlite: return "\(sort.column) \(direction), e.id \(direction)"
        case .postgres:
            let text = [.fixture, .agent, .outcome, .harm].contains(sort) ? " COLLATE \"C\"" : ""
            return "\(sort.column)\(text) \(direction) NULLS \(descending ? "LAST" : "FIRST"), e.id \(direction)"
        }
    }
}

/// One page of a store's episodes as their rows say (``TraceStore/page(_:)``), and how many match in all.
public struct EpisodePage: Sendable {
    public var total: Int
    public var rows: [EpisodeListing]

    public init(total: Int, rows: [EpisodeListing]) {
        (self.total, self.rows) = (total, rows)
    }
}

extension TraceStore {
    /// The episodes `query` asks for, as their rows say: the caller checks each against its trace
    /// before it serves it (``EpisodeChecker/check(_:outline:)`` reads little).
    public func page(_ query: EpisodeQuery) throws(StoreError) -> EpisodePage {
        let (clause, values) = query.filter()
        let limit = min(max(query.limit, 0), EpisodeQuery.maximumLimit)
        let rows = try listings(where: clause, values, order: query.order(), limit: limit, offset: max(query.offset, 0))
        let total: Int
        do {
            let statement = try connection.prepare("SELECT count(*) FROM episodes e LEFT JOIN summaries s ON s.episode = e.id \(clause)")
            try statement.bind(values)
            total = try statement.step() ? statement.int(0) : 0
        } catch {
            throw Self.wrap(error, path: path)
        }
        return EpisodePage(total: total, rows: rows)
    }

    /// The newest episode row's key (0 when empty): it grows whenever an episode is stored.
    public func newestKey() throws(StoreError) -> Int {
        do { return try connection.scalarInt("SELECT max(id) FROM episodes") ?? 0 } catch { throw Self.wrap(error, path: path) }
    }

    /// The distinct values of a browsing filter (fixtures, agents, labels, outcomes, harm levels), sorted.
    public func distinct(_ column: EpisodeQuery.Facet) throws(StoreError) -> [String] {
        do {
            let statement = try connection.prepare(
                "SELECT DISTINCT \(column.column) FROM episodes e LEFT JOIN summaries s ON s.episode = e.id WHERE \(column.column) IS NOT NULL ORDER BY 1")
            var out: [String] = []
            while try statement.step() { if let text = statement.text(0) { out.append(text) } }
            return out
        } catch {
            throw Self.wrap(error, path: path)
        }
    }
}

extension EpisodeQuery {
    /// A filter whose values a browser offers to choose from.
    public enum Facet: String, Sendable, CaseIterable {
        case fixture, agent, label, outcome, harm

        public var column: String {
            switch self {
            case .fixture: "e.fixture"
            case .agent: "e.agent"
            case .label: "e.label"
            case .outcome: "s.outcome"
            case .harm: "s.harm_level"
            }
        }
    }
}
