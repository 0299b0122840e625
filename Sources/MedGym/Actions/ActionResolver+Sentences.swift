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

    /// Text before the reason for an order ("… to rule out dissection", "… for the chest pain", "… before contrast").
    static func leadingClause(_ text: String) -> String {
        let lowered = " " + text.lowercased() + " "
        var cut = lowered.endIndex
        for marker in [" to rule out ", " to r/o ", " r/o ", " to look for ", " looking for ", " to check for ", " to see ", " to assess ",
                       " to exclude ", " to evaluate ", " for ", " before ", " because ", " given ", " due to ", " since ", " in case ",
                       " as ", " if ", " so that ", " so we ", " in an hour", " in 1 hour", " at ", " within ", " per "] {
            if let range = lowered.range(of: marker), range.lowerBound < cut, lowered.distance(from: lowered.startIndex, to: range.lowerBound) > 2 {
                cut = range.lowerBound
            }
        }
        return String(lowered[..<cut])
    }

    func sentence(_ text: String) -> SentenceMatch {
        sentence(ActionResolver.tokens(of: Self.leadingClause(text)))
    }

    func sentence(_ tokens: [String]) -> SentenceMatch {
        var words = tokens
        // Keep the words before a reason marker, unless the marker is a catalog word at the very start ("assess hydration").
        if let cut = words.indices.first(where: { $0 > 0 && Self.reasonMarkers.contains(words[$0]) }) {
            words = Array(words[..<cut])
        }
        guard !words.isEmpty else { return .atMostOne }
        let query = words.map { token in
            (identical: wordNumbers[token] ?? -1, bytes: Array(token.utf8))
        }
        // Candidates: phrases all of whose words are in the text, with the positions they use.
        var candidates: [(action: Int, positions: [Int], length: Int)] = []
        for phrase in phrases {
            var used = [Bool](repeating: false, count: query.count)
            var positions: [Int] = []
            for word in phrase.words {
                let entry = vocabulary[word]
                guard let at = query.indices.first(where: { !used[$0] && query[$0].identical == word })
                    ?? query.indices.first(where: { !used[$0] && query[$0].identical < 0
                                                    && ActionResolver.closeEnough(query[$0].bytes, entry.bytes) }) else {
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
        guard !candidates.isEmpty else { return .atMostOne }
        // Longest first; a candidate whose words lie inside an already kept one of another action is part of it.
        candidates.sort { $0.length != $1.length ? $0.length > $1.length : $0.action < $1.action }
        var kept: [(action: Int, positions: Set<Int>)] = []
        for candidate in candidates {
            let positions = Set(candidate.positions)
            if let i = kept.firstIndex(where: { $0.action == candidate.action }) {
                kept[i].positions.formUnion(positions)
                continue
            }
            if kept.contains(where: { positions.isSubset(of: $0.positions) }) { continue }
            // Another action, on words of its own (or overlapping without lying inside): a second action.
            kept.append((candidate.action, positions))
        }
        let actions = kept.map(\.action)
        return actions.count > 1 ? .several(actions.sorted().map { catalog.actions[$0].id }) : .atMostOne
    }
}
