import Foundation

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
    /// Normalised phrase → catalog id (the first action, in catalog order, to claim it).
    private let exact: [String: String]
    /// Whole phrases two actions share that differ only by route (adrenaline
    /// 1 mg IV in an arrest, 0.5 mg IM in anaphylaxis, once doses and routes
    /// are stripped): the text's route word chooses, and without one the
    /// text is refused with both, never guessed.
    private let byRoute: [String: [(route: String, id: String)]]
    /// Every id, name and synonym as word numbers into `vocabulary`.
    let phrases: [Phrase]
    /// The distinct words of all phrases, as bytes, with the phrases that use each.
    let vocabulary: [Word]
    let wordNumbers: [String: Int]
    /// Vocabulary word numbers by byte length (index = length), for the typo scan.
    private let wordsByLength: [[Int]]
    private let longestPhrase: Int
    /// Resolutions already made, by exact text (nil: memo off).
    private let memo: ResolutionMemo?

    struct Phrase: Sendable {
        var words: [Int]
        var action: Int
    }

    struct Word: Sendable {
        var bytes: [UInt8]
        var phrases: [Int]
    }

    /// `memoize`: remember each text's resolution (bounded; resolution is a
    /// pure function of the text, so this changes speed, never results).
    public init(catalog: ActionCatalog, memoize: Bool = true) {
        self.catalog = catalog
        self.memo = memoize ? ResolutionMemo() : nil
        var exact: [String: String] = [:]
        var byRoute: [String: [(route: String, id: String)]] = [:]
        var phrases: [Phrase] = []
        var vocabulary: [Word] = []
        var numbers: [String: Int] = [:]
        for (actionIndex, action) in catalog.actions.enumerated() {
            let texts = [action.id.replacingUnderscores, action.name] + action.synonyms
            for text in texts {
                let tokens = ActionResolver.tokens(of: text)
                if tokens.isEmpty { continue }
                let phrase = tokens.joined(separator: " ")
                if exact[phrase] == nil {
                    exact[phrase] = action.id
                } else if let route = action.route, let first = exact[phrase], first != action.id,
                    let other = catalog[first]?.route, other != route
                {
                    var variants = byRoute[phrase] ?? [(other, first)]
                    if !variants.contains(where: { $0.id == action.id }) { variants.append((route, action.id)) }
                    byRoute[phrase] = variants
                }
                var words: [Int] = []
                for token in tokens {
                    let number: Int
                    if let known = numbers[token] {
                        number = known
                    } else {
                        number = vocabulary.count
                        numbers[token] = number
                        vocabulary.append(Word(bytes: Array(token.utf8), phrases: []))
                    }
                    if vocabulary[number].phrases.last != phrases.count { vocabulary[number].phrases.append(phrases.count) }
                    words.append(number)
                }
                phrases.append(Phrase(words: words, action: actionIndex))
            }
        }
        self.exact = exact
        self.byRoute = byRoute
        self.phrases = phrases
        self.vocabulary = vocabulary
        self.wordNumbers = numbers
        var byLength: [[Int]] = Array(repeating: [], count: (vocabulary.map(\.bytes.count).max() ?? 0) + 1)
        for (number, word) in vocabulary.enumerated() { byLength[word.bytes.count].append(number) }
        self.wordsByLength = byLength
        self.longestPhrase = phrases.map(\.words.count).max() ?? 0
    }

    /// The longest action text accepted, in UTF-8 bytes. Longer text is
    /// rejected before any matching and is never echoed or stored whole.
    public static let maximumTextLength = 4096

    /// The canonical action for a text.
    public func resolve(_ text: String) throws(ActionResolutionError) -> CatalogAction {
        guard let memo else { return try resolveAfresh(text) }
        if let known = memo.lookup(text) { return try known.get() }
        let result = Result { () throws(ActionResolutionError) -> CatalogAction in try resolveAfresh(text) }
        memo.store(text, result)
        return try result.get()
    }

    private func resolveAfresh(_ text: String) throws(ActionResolutionError) -> CatalogAction {
        let length = text.utf8.count
        guard length <= Self.maximumTextLength else {
            throw ActionResolutionError(text: ActionResolutionError.clip(text), suggestions: [], length: length)
        }
        let tokens = ActionResolver.tokens(of: text)
        guard !tokens.isEmpty else {
            throw ActionResolutionError(text: text, suggestions: [])
        }
        let phrase = tokens.joined(separator: " ")
        if let variants = byRoute[phrase] {
            if let route = ActionResolver.route(of: text), let chosen = variants.first(where: { $0.route == route }),
                let action = catalog[chosen.id]
            {
                return action
            }
            throw ActionResolutionError(text: text, suggestions: variants.map(\.id), routeNeeded: true)
        }
        if let id = exact[phrase], let action = catalog[id] {
            return action
        }
        let ranked = rank(tokens)
        if let best = ranked.first, best.score >= 0.8 {
            let runnerUp = ranked.dropFirst().first { $0.actionID != best.actionID }
            if runnerUp == nil || best.score - runnerUp!.score >= 0.1, let action = catalog[best.actionID] {
                // A close match that also names another action ("reassure and discharge home") is
                // refused, never half-taken.
                if case .several(let ids) = sentence(text) {
                    throw ActionResolutionError(text: text, suggestions: ids, several: true)
                }
                return action
            }
        }
        // No phrase is close to the whole text: a sentence naming one action whole, in ordinary words.
        switch sentenceResolution(text) {
        case .one(let action): return action
        case .several(let ids): throw ActionResolutionError(text: text, suggestions: ids, several: true)
        case .none: throw ActionResolutionError(text: text, suggestions: suggestions(from: ranked))
        }
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

    /// How one word of the text relates to the vocabulary: the identical word
    /// (if any) and the words within the typo allowance.
    private struct QueryWord {
        var identical: Int
        var close: [Int]
    }

    /// Candidates by descending similarity, ties broken by id so the order
    /// never depends on hashing. Only phrases sharing an identical or close
    /// word are scored: any other phrase has similarity 0.
    private func rank(_ tokens: [String]) -> [(actionID: String, score: Double)] {
        var query: [QueryWord] = []
        query.reserveCapacity(tokens.count)
        var candidates: [Int] = []
        for token in tokens {
            let bytes = Array(token.utf8)
            var word = QueryWord(identical: wordNumbers[token] ?? -1, close: [])
            if word.identical >= 0 { candidates += vocabulary[word.identical].phrases }
            if bytes.count >= 4 && !SentenceWords.otherTerms.contains(token) {  // a real word that means something else is not a typo
                // Only words within two letters of this length can be close enough.
                var close: [Int] = []
                let (shortest, longest) = (max(4, bytes.count - 2), min(wordsByLength.count - 1, bytes.count + 2))
                for length in stride(from: shortest, through: longest, by: 1) {
                    for number in wordsByLength[length]
                    where number != word.identical
                        && ActionResolver.closeEnough(bytes, vocabulary[number].bytes)
                    {
                        close.append(number)
                    }
                }
                close.sort()  // vocabulary order, as a full scan would find them
                for number in close { candidates += vocabulary[number].phrases }
                word.close = close
            }
            query.append(word)
        }
        candidates.sort()
        var best = [Double](repeating: -1, count: catalog.actions.count)
        var used = [Bool](repeating: false, count: longestPhrase)
        var previous = -1
        for index in candidates where index != previous {
            previous = index
            let phrase = phrases[index]
            let score = similarity(query, phrase.words, used: &used)
            if score > best[phrase.action] { best[phrase.action] = score }
        }
        var ranked: [(actionID: String, score: Double)] = []
        for (action, score) in best.enumerated() where score >= 0 {
            ranked.append((catalog.actions[action].id, score))
        }
        return ranked.sorted { $0.score != $1.score ? $0.score > $1.score : $0.actionID < $1.actionID }
    }

    /// Dice coefficient over words where two words count as equal when they
    /// are identical (1) or within a small edit distance (0.85), matched
    /// greedily in the text's order.
    private func similarity(_ query: [QueryWord], _ words: [Int], used: inout [Bool]) -> Double {
        for i in words.indices { used[i] = false }
        var matches = 0.0
        for token in query {
            if let i = words.indices.first(where: { !used[$0] && words[$0] == token.identical }) {
                matches += 1
                used[i] = true
            } else if let i = words.indices.first(where: { !used[$0] && token.close.contains(words[$0]) }) {
                matches += 0.85
                used[i] = true
            }
        }
        return 2 * matches / Double(query.count + words.count)
    }

    /// Whether two words are within the typo allowance: both at least 4
    /// letters, at most 1 edit apart (2 when both have 8 or more).
    static func closeEnough(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let shorter = min(a.count, b.count)
        guard shorter >= 4 else { return false }
        let allowed = shorter >= 8 ? 2 : 1
        return editDistance(a, b, limit: allowed) <= allowed
    }

    /// Levenshtein distance, or `limit + 1` once it must exceed `limit`;
    /// two rows on the stack, no heap allocation.
    static func editDistance(_ x: [UInt8], _ y: [UInt8], limit: Int) -> Int {
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty { return y.count }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * (y.count + 1)) { rows in
            var previous = rows.baseAddress!
            var current = previous + (y.count + 1)
            for j in 0...y.count { previous[j] = j }
            for i in 1...x.count {
                current[0] = i
                var rowMinimum = i
                for j in stride(from: 1, through: y.count, by: 1) {
                    let cost = x[i - 1] == y[j - 1] ? 0 : 1
                    let value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                    current[j] = value
                    rowMinimum = min(rowMinimum, value)
                }
                if rowMinimum > limit { return limit + 1 }
                swap(&previous, &current)
            }
            return previous[y.count]
        }
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
        "subcutaneous", "subcutaneously", "subcut", "sublingual", "io", "intraosseous", "meq", "mmol", "h", "hr", "hour", "per", "min", "minutes", "mg/kg",
        "over",
    ]
    /// Words with one canonical spelling.
    static let canonicalWords: [String: String] = [
        "angiogram": "angio", "angiography": "angio", "thorax": "chest", "thoracic": "chest", "ekg": "ecg",
        "electrocardiogram": "ecg", "call": "consult", "page": "consult", "xray": "x ray", "x-ray": "x ray", "radiograph": "x ray", "ultrasound": "us",
        "sonogram": "us", "abdominal": "abdomen", "consultation": "consult", "paediatric": "pediatric",
        "troponins": "troponin", "labs": "lab", "cultures": "culture", "pressures": "pressure",
        "examination": "exam", "examine": "exam", "exams": "exam", "allergy": "allergies", "allergic": "allergies",
        "radiate": "radiation", "radiates": "radiation", "radiating": "radiation", "dehydrated": "dehydration",
        "medication": "medications", "meds": "medications", "used": "use", "using": "use", "bps": "bp", "flanks": "flank",
        "gtt": "drip", "infuse": "infusion", "micrograms": "mcg", "milligrams": "mg", "noradrenaline": "norepinephrine",
        "surgeons": "surgeon", "hx": "history", "echocardiography": "echocardiogram", "ketones": "ketone",
    ]

    /// The route a text names ("im", "iv"), or nil: the words the tokens drop as dosing.
    static func route(of text: String) -> String? {
        var cleaned = ""
        for scalar in text.lowercased().unicodeScalars {
            if CharacterSetLite.isWordScalar(scalar) { cleaned.unicodeScalars.append(scalar) } else { cleaned.append(" ") }
        }
        for word in cleaned.split(separator: " ") {
            switch word {
            case "im", "intramuscular", "intramuscularly", "thigh": return "im"
            case "iv", "intravenous", "intravenously", "io", "intraosseous": return "iv"
            default: continue
            }
        }
        return nil
    }

    /// A number written with its unit or count, "20mg", "0.1u", "x2": a dose, not a word. (`word` is one
    /// of the tokens' words: ASCII, read by byte.)
    static func isGluedDose(_ word: String) -> Bool {
        let bytes = word.utf8
        guard let first = bytes.first else { return false }
        if first == UInt8(ascii: "x"), bytes.count > 1, bytes.dropFirst().allSatisfy(isDigit) { return true }
        guard isDigit(first) else { return false }
        return doseUnits.contains(String(decoding: bytes.drop { isDigit($0) || $0 == UInt8(ascii: ".") }, as: UTF8.self))
    }

    private static let doseUnits: Set<String> = [
        "mg", "mcg", "ug", "g", "kg", "ml", "l", "u", "units", "h", "hr", "hrs", "min", "mmol", "meq", "j", "mm", "cm",
        "mg/kg", "ml/kg", "u/kg",
    ]

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Lower-cased words with punctuation, fillers, doses and units removed.
    static func tokens(of text: String) -> [String] {
        // Every scalar outside a word becomes a space, so what is left is ASCII: it is read by byte.
        var cleaned: [UInt8] = []
        cleaned.reserveCapacity(text.utf8.count)
        for scalar in text.lowercased().unicodeScalars {
            cleaned.append(CharacterSetLite.isWordScalar(scalar) ? UInt8(truncatingIfNeeded: scalar.value) : UInt8(ascii: " "))
        }
        let raws = cleaned.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        var words: [String] = []
        func keep(_ word: String) {
            if fillers.contains(word) || dosing.contains(word) { return }
            if word.utf8.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ".") }) { return }
            if ActionResolver.isGluedDose(word) { return }
            words.append(word)
        }
        for raw in raws {
            guard let mapped = canonicalWords[raw] else {
                keep(raw)
                continue
            }
            for word in mapped.split(separator: " ") { keep(String(word)) }
        }
        if words.isEmpty {
            // A text made only of filler ("iv") still means something on its own.
            return raws.map { canonicalWords[$0] ?? $0 }
        }
        return words
    }
}

/// A bounded memo of resolutions by text, shared by copies of a resolver.
final class ResolutionMemo: @unchecked Sendable {
    private var known: [String: Result<CatalogAction, ActionResolutionError>] = [:]
    private let lock = NSLock()
    private let capacity = 8_192

    func lookup(_ text: String) -> Result<CatalogAction, ActionResolutionError>? {
        lock.lock()
        defer { lock.unlock() }
        return known[text]
    }

    func store(_ text: String, _ result: Result<CatalogAction, ActionResolutionError>) {
        guard text.utf8.count <= 256 else { return }
        lock.lock()
        defer { lock.unlock() }
        if known.count >= capacity { known.removeAll(keepingCapacity: true) }
        known[text] = result
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
    /// The text as given (its first 200 characters and an ellipsis when it
    /// was over ``ActionResolver/maximumTextLength``).
    public let text: String
    /// The nearest catalog ids, best first.
    public let suggestions: [String]
    /// The text's length in bytes when it was over the limit.
    public let length: Int?
    /// True when the text names several actions (the suggestions are those actions).
    public let several: Bool?
    /// True when the text names a drug given by more than one route and
    /// says none (the suggestions are the routes' actions).
    public let routeNeeded: Bool?

    public init(text: String, suggestions: [String], length: Int? = nil, several: Bool = false, routeNeeded: Bool = false) {
        self.text = text
        self.suggestions = suggestions
        self.length = length
        self.several = several ? true : nil
        self.routeNeeded = routeNeeded ? true : nil
    }

    /// The first 200 characters of an over-long text, marked as cut.
    static func clip(_ text: String) -> String { String(text.prefix(200)) + "…" }

    public var description: String {
        if let length {
            return
                "action text of \(length) bytes is over the \(ActionResolver.maximumTextLength)-byte limit ('\(text.prefix(40))…'); write one action, such as 'CTA chest'"
        }
        if routeNeeded == true {
            return
                "'\(text)' is given by more than one route (\(suggestions.joined(separator: ", "))); say which, e.g. with 'IM' or 'IV'"
        }
        if several == true {
            return "'\(text)' names more than one action (\(suggestions.joined(separator: ", "))); send one action at a time"
        }
        if suggestions.isEmpty {
            return "unknown action '\(text)': no catalog action is close; run 'medgym actions' to list them"
        }
        return "unknown action '\(text)'; did you mean: \(suggestions.joined(separator: ", "))?"
    }
}

extension String {
    var replacingUnderscores: String { split(separator: "_").joined(separator: " ") }
}
