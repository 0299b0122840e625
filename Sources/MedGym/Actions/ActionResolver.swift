/// Maps free text ("CTA chest", "ct angio thorax", "labetalol 20 mg iv") to a
/// canonical catalog action.
///
/// Matching is deterministic: the text is normalised (case, punctuation,
/// doses, units, routes, filler words, common synonyms), then matched exactly
/// against every action's id, name and synonyms, then by token overlap with a
/// small edit-distance allowance for typos. A text that matches nothing well
/// enough is an ``ActionResolutionError`` naming the nearest entries.
public struct ActionResolver: Sendable {
    public let catalog: ActionCatalog
    private let phrases: [(phrase: String, tokens: [String], actionID: String)]

    public init(catalog: ActionCatalog) {
        self.catalog = catalog
        var phrases: [(String, [String], String)] = []
        for action in catalog.actions {
            let texts = [action.id.replacingUnderscores, action.name] + action.synonyms
            for text in texts {
                let tokens = ActionResolver.tokens(of: text)
                if tokens.isEmpty { continue }
                phrases.append((tokens.joined(separator: " "), tokens, action.id))
            }
        }
        self.phrases = phrases
    }

    /// The canonical action for a text.
    public func resolve(_ text: String) throws(ActionResolutionError) -> CatalogAction {
        let tokens = ActionResolver.tokens(of: text)
        guard !tokens.isEmpty else {
            throw ActionResolutionError(text: text, suggestions: [])
        }
        let phrase = tokens.joined(separator: " ")
        if let exact = phrases.first(where: { $0.phrase == phrase }), let action = catalog[exact.actionID] {
            return action
        }
        let ranked = rank(tokens)
        if let best = ranked.first, best.score >= 0.8 {
            let runnerUp = ranked.dropFirst().first { $0.actionID != best.actionID }
            if runnerUp == nil || best.score - runnerUp!.score >= 0.1, let action = catalog[best.actionID] {
                return action
            }
        }
        throw ActionResolutionError(text: text, suggestions: suggestions(from: ranked))
    }

    /// Up to `limit` catalog ids nearest to a text, best first.
    public func nearest(_ text: String, limit: Int = 3) -> [String] {
        Array(suggestions(from: rank(ActionResolver.tokens(of: text))).prefix(limit))
    }

    private func suggestions(from ranked: [(actionID: String, score: Double)]) -> [String] {
        var seen: [String] = []
        for candidate in ranked where candidate.score > 0.2 && !seen.contains(candidate.actionID) {
            seen.append(candidate.actionID)
            if seen.count == 3 { break }
        }
        return seen
    }

    /// Candidates by descending similarity, ties broken by id so the order
    /// never depends on hashing.
    private func rank(_ tokens: [String]) -> [(actionID: String, score: Double)] {
        var best: [String: Double] = [:]
        for entry in phrases {
            let score = ActionResolver.similarity(tokens, entry.tokens)
            if score > best[entry.actionID, default: -1] { best[entry.actionID] = score }
        }
        return best.map { ($0.key, $0.value) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            .map { (actionID: $0.0, score: $0.1) }
    }

    /// Dice coefficient over tokens where two tokens count as equal when
    /// they are identical or within a small edit distance.
    static func similarity(_ a: [String], _ b: [String]) -> Double {
        var unmatched = b
        var matches = 0.0
        for token in a {
            if let i = unmatched.firstIndex(of: token) {
                matches += 1
                unmatched.remove(at: i)
            } else if let i = unmatched.firstIndex(where: { closeEnough(token, $0) }) {
                matches += 0.85
                unmatched.remove(at: i)
            }
        }
        return 2 * matches / Double(a.count + b.count)
    }

    static func closeEnough(_ a: String, _ b: String) -> Bool {
        let shorter = min(a.count, b.count)
        guard shorter >= 4 else { return false }
        let allowed = shorter >= 8 ? 2 : 1
        return editDistance(a, b, limit: allowed) <= allowed
    }

    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var previous = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in stride(from: 1, through: y.count, by: 1) {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[y.count]
    }

    /// Words that carry no meaning for choosing an action.
    static let fillers: Set<String> = [
        "a", "an", "the", "of", "for", "to", "and", "please", "order", "give", "start", "send", "get", "obtain",
        "check", "stat", "now", "administer", "perform", "do", "request", "patient", "pt", "with", "on", "me",
        "i", "will", "lets", "let", "s", "urgent", "urgently", "immediate", "immediately", "x1", "once",
    ]
    /// Route and unit words: "labetalol 20 mg iv" is labetalol.
    static let dosing: Set<String> = [
        "mg", "mcg", "ug", "g", "gram", "grams", "ml", "l", "u", "units", "unit", "kg", "mg/kg", "ml/kg", "u/kg",
        "iv", "im", "po", "sc", "sq", "sl", "intravenous", "intravenously", "intramuscular", "oral", "orally",
        "subcutaneous", "sublingual", "meq", "mmol", "h", "hr", "hour", "per", "min", "minutes", "mg/kg", "over",
    ]
    /// Words with one canonical spelling.
    static let canonicalWords: [String: String] = [
        "angiogram": "angio", "angiography": "angio", "thorax": "chest", "thoracic": "chest", "ekg": "ecg",
        "electrocardiogram": "ecg", "call": "consult", "page": "consult", "xray": "x ray", "x-ray": "x ray", "radiograph": "x ray", "ultrasound": "us",
        "sonogram": "us", "abdominal": "abdomen", "consultation": "consult", "paediatric": "pediatric",
        "troponins": "troponin", "labs": "lab", "cultures": "culture", "pressures": "pressure",
    ]

    /// Lower-cased words with punctuation, fillers, doses and units removed.
    static func tokens(of text: String) -> [String] {
        var cleaned = ""
        for scalar in text.lowercased().unicodeScalars {
            if CharacterSetLite.isWordScalar(scalar) { cleaned.unicodeScalars.append(scalar) } else { cleaned.append(" ") }
        }
        var words: [String] = []
        for raw in cleaned.split(separator: " ").map(String.init) {
            let mapped = canonicalWords[raw] ?? raw
            for word in mapped.split(separator: " ").map(String.init) {
                if fillers.contains(word) || dosing.contains(word) { continue }
                if word.allSatisfy({ $0.isNumber || $0 == "." }) { continue }
                words.append(word)
            }
        }
        if words.isEmpty {
            // A text made only of filler ("iv") still means something on its own.
            return cleaned.split(separator: " ").map { canonicalWords[String($0)] ?? String($0) }
        }
        return words
    }
}

/// Characters that belong inside a word for action matching.
enum CharacterSetLite {
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "0" && s <= "9") || s == "%" || s == "." || s == "&"
    }
}

/// Free text that names no catalog action.
public struct ActionResolutionError: Error, CustomStringConvertible, Hashable, Sendable, Codable {
    /// The text as given.
    public let text: String
    /// The nearest catalog ids, best first.
    public let suggestions: [String]

    public var description: String {
        if suggestions.isEmpty {
            return "unknown action '\(text)': no catalog action is close; run 'medgym actions' to list them"
        }
        return "unknown action '\(text)'; did you mean: \(suggestions.joined(separator: ", "))?"
    }
}

extension String {
    var replacingUnderscores: String { split(separator: "_").joined(separator: " ") }
}
