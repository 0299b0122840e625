/// Which catalog actions a text names whole: the resolver uses it to refuse
/// a text that names two actions ("reassure and discharge home", "CTA chest
/// and call surgery") rather than take the closer half of it.
///
/// The reason a clinician appends ("to rule out …", "given …", "because …")
/// is cut first. Then every catalog phrase whose words all appear in what
/// remains (typos allowed) is a candidate; candidates of one action, and
/// phrases lying inside a longer candidate of another, are merged.
extension ActionResolver {
    /// The actions a text names: none or one, or several (their ids, sorted by catalog position).
    enum SentenceMatch {
        case atMostOne
        case several([String])
    }

    /// Words that start the reason for an order: everything from them on is cut.
    static let reasonMarkers: Set<String> = [
        "rule", "ro", "because", "given", "due", "since", "suspected", "suspect", "suspicion", "concern", "concerned",
        "query", "possible", "likely", "worried", "worry", "considering", "evaluate", "assess", "exclude",
    ]

    /// Markers that start the reason for an order: what follows is never part of the action.
    static let reasonClauses = [
        " to rule out ", " to r/o ", " r/o ", " to look for ", " looking for ", " to check for ",
        " to assess ", " to exclude ", " to evaluate ", " for ", " before ", " because ", " given ",
        " due to ", " since ", " in case ", " as ", " if ", " so that ", " so we ", " in an hour",
        " in 1 hour", " within ", " per ", " to keep ", " to monitor ", " to confirm ",
        " to help ", " until ", " while ",
    ]
    /// Markers that usually start a detail ("call urology about the stone", "discharge home with
    /// follow-up"), but sometimes the action itself ("ask about allergies"): cut only when what
    /// remains still names the action.
    static let detailClauses = [
        " including ", " such as ", " like ", " with ", " about ", " to see ", " to look ",
        " on the phone", " titrate", " titrated ", ": ", " — ", " - ", " – ", ", ", " at ", " on ",
    ]

    /// Text before the reason for an order ("… to rule out dissection", "… for the chest pain", "… before contrast").
    static func leadingClause(_ text: String) -> String {
        let lowered = " " + text.lowercased() + " "
        var cut = lowered.endIndex
        for marker in reasonClauses {
            if let range = lowered.range(of: marker), range.lowerBound < cut, lowered.distance(from: lowered.startIndex, to: range.lowerBound) > 2 {
                cut = range.lowerBound
            }
        }
        return String(lowered[..<cut])
    }

    /// The clause cut before each detail marker in it, shortest first, then the clause itself.
    static func narrowings(of clause: String) -> [String] {
        var cuts: [String.Index] = []
        for marker in detailClauses {
            var from = clause.startIndex
            while let range = clause.range(of: marker, range: from..<clause.endIndex) {
                if clause.distance(from: clause.startIndex, to: range.lowerBound) > 2 { cuts.append(range.lowerBound) }
                from = range.upperBound
            }
        }
        return Set(cuts).sorted().map { String(clause[..<$0]) } + [clause]
    }

    /// Words that join one order to the next: a reason ends there ("CTA chest to rule out
    /// dissection and give esmolol" orders two things).
    static let clauseJoins = [" and ", " then ", "; ", " plus ", " as well as ", " also "]

    /// The actions a text names, clause by clause: each clause's reason is cut, and the
    /// actions named in any clause (or across the leading clause) are counted together.
    func sentence(_ text: String) -> SentenceMatch {
        var clauses = [" " + text.lowercased() + " "]
        for join in Self.clauseJoins {
            clauses = clauses.flatMap { $0.components(separatedBy: join) }
        }
        var actions = Set(containment(ActionResolver.tokens(of: Self.leadingClause(text))).kept.map(\.action))
        if clauses.count > 1 {
            for clause in clauses {
                actions.formUnion(containment(ActionResolver.tokens(of: Self.leadingClause(clause))).kept.map(\.action))
            }
        }
        return actions.count > 1 ? .several(actions.sorted().map { catalog.actions[$0].id }) : .atMostOne
    }

    func sentence(_ tokens: [String]) -> SentenceMatch {
        let found = containment(tokens)
        return found.kept.count > 1 ? .several(found.kept.map(\.action).sorted().map { catalog.actions[$0].id }) : .atMostOne
    }

    /// What a sentence resolves to when no catalog phrase is close to all of it.
    enum SentenceResolution {
        case one(CatalogAction)
        case several([String])
        case none
    }

    /// A sentence that names one action whole, with nothing else in it but
    /// words of ordinary clinical speech: "I'd like to take a focused history
    /// of present illness", "Draw two sets of blood cultures", "Give ketorolac
    /// 30 mg IV for renal colic". Refused (`.none`) when a word is left over
    /// that MedGym does not know as ordinary speech (a word salad, a typo it
    /// cannot place) or that belongs to another catalog action ("send a urine
    /// culture" is not blood cultures); `.several` when it names two actions.
    func sentenceResolution(_ text: String) -> SentenceResolution {
        if case .several(let ids) = sentence(text) { return .several(ids) }
        let clause = Self.leadingClause(text)
        let wide = containment(ActionResolver.tokens(of: clause))
        if wide.kept.count > 1 {
            return .several(wide.kept.map(\.action).sorted().map { catalog.actions[$0].id })
        }
        guard let named = wide.kept.first?.action else { return .none }
        // The clause without its details first ("call urology about the stone"), then with them ("ask about allergies").
        for narrowed in Self.narrowings(of: clause) {
            let found = containment(ActionResolver.tokens(of: narrowed))
            guard found.kept.count == 1, let only = found.kept.first, only.action == named else { continue }
            let plain = found.words.indices.allSatisfy { only.positions.contains($0) || SentenceWords.ordinary.contains(found.words[$0]) }
            if plain { return .one(catalog.actions[named]) }
        }
        return .none
    }

    /// The catalog actions whose phrases lie whole in `tokens` (cut at a
    /// reason marker), merged: phrases of one action together, a phrase
    /// inside a longer one of another action dropped.
    func containment(_ tokens: [String]) -> (words: [String], kept: [(action: Int, positions: Set<Int>)]) {
        var words = tokens
        // Keep the words before a reason marker, unless the marker is a catalog word at the very start ("assess hydration").
        if let cut = words.indices.first(where: { $0 > 0 && Self.reasonMarkers.contains(words[$0]) }) {
            words = Array(words[..<cut])
        }
        guard !words.isEmpty else { return (words, []) }
        let query = words.map { token in
            (
                identical: wordNumbers[token] ?? -1, bytes: Array(token.utf8),
                known: SentenceWords.ordinary.contains(token) || SentenceWords.otherTerms.contains(token)
            )
        }
        // Candidates: phrases all of whose words are in the text, with the positions they use.
        var candidates: [(action: Int, positions: [Int], length: Int)] = []
        for phrase in phrases {
            // "or" is the operating room only on its own, never inside a sentence ("fentanyl or morphine").
            if phrase.words.count == 1, vocabulary[phrase.words[0]].bytes == Array("or".utf8) { continue }
            var used = [Bool](repeating: false, count: query.count)
            var positions: [Int] = []
            for word in phrase.words {
                let entry = vocabulary[word]
                // A typo is a word MedGym does not know; a real word that means something else is not one.
                guard
                    let at = query.indices.first(where: { !used[$0] && query[$0].identical == word })
                        ?? query.indices.first(where: {
                            !used[$0] && query[$0].identical < 0 && !query[$0].known
                                && ActionResolver.closeEnough(query[$0].bytes, entry.bytes)
                        })
                else {
                    positions = []
                    break
                }
                used[at] = true
                positions.append(at)
            }
            if positions.count == phrase.words.count && !positions.isEmpty {
                candidates.append((phrase.action, positions.sorted(), positions.count))
            }
        }
        guard !candidates.isEmpty else { return (words, []) }
        // One group per action: its phrases, each with the words it covers and those of them that carry content.
        typealias Found = (positions: Set<Int>, content: Set<Int>)
        var groups: [(action: Int, phrases: [Found], content: Int, length: Int)] = []
        for candidate in candidates {
            let found: Found = (Set(candidate.positions), Set(candidate.positions.filter { !SentenceWords.ordinary.contains(words[$0]) }))
            if let i = groups.firstIndex(where: { $0.action == candidate.action }) {
                groups[i].phrases.append(found)
                groups[i].content = max(groups[i].content, found.content.count)
                groups[i].length = max(groups[i].length, candidate.length)
            } else {
                groups.append((candidate.action, [found], found.content.count, candidate.length))
            }
        }
        // Most content first ("tox history" before "take a history"), then the longest phrase. A phrase
        // whose words (or content words) lie inside an action already kept is part of it; an action
        // with a phrase of its own is a second action.
        groups.sort { ($0.content, $0.length, -$0.action) > ($1.content, $1.length, -$1.action) }
        var kept: [(action: Int, positions: Set<Int>)] = []
        for group in groups {
            let own = group.phrases.filter { phrase in
                !kept.contains {
                    phrase.positions.isSubset(of: $0.positions)
                        || (!phrase.content.isEmpty && phrase.content.isSubset(of: $0.positions))
                }
            }
            if !own.isEmpty { kept.append((group.action, own.reduce(into: Set<Int>()) { $0.formUnion($1.positions) })) }
        }
        return (words, kept)
    }
}
