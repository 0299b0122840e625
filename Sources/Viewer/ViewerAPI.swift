import Foundation
import MedGym
import Replay
import TraceStore

/// The viewer's JSON endpoints, as functions of a request's parameters: the server only routes to
/// them. Every body is canonical JSON (sorted keys, snake_case); an error is a ``ViewerError``.
struct ViewerAPI: Sendable {
    let gate: StoreGate
    let options: ViewerOptions
    /// Where the runs started from the live page are published (nil without --allow-run).
    let feed: LiveFeed?
    let facetCache = FacetCache()
    let specialties = Specialties()

    // MARK: GET /api/episodes

    /// One page of stored episodes, filtered and sorted, each row checked against its trace.
    func episodes(_ parameters: [String: String]) async throws -> Data {
        var query = try Self.query(parameters)
        let specialties = self.specialties
        if let specialty = parameters["specialty"], !specialty.isEmpty {
            // The store's fixtures of that specialty (the fixtures facet, cached until an episode is added).
            let fixtures = try await storeFacets().first { $0.name == "fixture" }?.values ?? []
            query.fixtures = fixtures.filter { specialties.of($0) == specialty }
        }
        let chosen = query
        return try await gate.read { store in
            let query = chosen
            let page = try store.page(query)
            let checker = store.checker
            let rows = page.rows.map { row -> EpisodeRow in
                let id = row.header.episodeID
                do {
                    let checked = try checker.check(row, outline: try store.outline(id))
                    return EpisodeRow(row, unverifiedReason: checked.unverifiedReason)
                } catch {
                    return EpisodeRow(row, check: "broken", reason: "\(error)")
                }
            }
            return try CanonicalJSON.data(EpisodesPage(total: page.total, offset: query.offset, limit: query.limit, rows: rows))
        }
    }

    /// The query a request's parameters make; an unknown parameter or a bad value is a 400 naming it.
    static func query(_ p: [String: String]) throws(ViewerError) -> EpisodeQuery {
        let known = [
            "fixture", "specialty", "agent", "label", "outcome", "harm", "min_tier", "max_tier", "min_composite", "max_composite", "from", "until",
            "forks", "sort", "order", "offset", "limit",
        ]
        for name in p.keys.sorted() where !known.contains(name) {
            let near = known.filter { $0.hasPrefix(String(name.prefix(3))) }
            throw .badRequest("unknown parameter '\(name)'", suggestions: near.isEmpty ? known : near)
        }
        var q = EpisodeQuery()
        func text(_ name: String) -> String? { p[name].flatMap { $0.isEmpty ? nil : $0 } }
        func whole(_ name: String, _ range: ClosedRange<Int>) throws(ViewerError) -> Int? {
            guard let value = text(name) else { return nil }
            guard let n = Int(value), range.contains(n) else {
                throw .badRequest("\(name) '\(value)' is not a whole number in \(range.lowerBound)…\(range.upperBound)")
            }
            return n
        }
        func number(_ name: String) throws(ViewerError) -> Double? {
            guard let value = text(name) else { return nil }
            guard let n = Double(value), n.isFinite else { throw .badRequest("\(name) '\(value)' is not a number") }
            return n
        }
        (q.fixture, q.agent, q.label, q.outcome, q.harm) = (text("fixture"), text("agent"), text("label"), text("outcome"), text("harm"))
        (q.minTier, q.maxTier) = (try whole("min_tier", 1...100), try whole("max_tier", 1...100))
        (q.minComposite, q.maxComposite) = (try number("min_composite"), try number("max_composite"))
        (q.from, q.until) = (text("from"), text("until"))
        if let forks = text("forks") {
            guard let flag = Bool(forks) else { throw .badRequest("forks '\(forks)' is not true or false") }
            q.forks = flag
        }
        if let sort = text("sort") {
            guard let chosen = EpisodeQuery.Sort(rawValue: sort) else {
                throw .badRequest("sort '\(sort)' is not a column", suggestions: EpisodeQuery.Sort.allCases.map(\.rawValue))
            }
            q.sort = chosen
        }
        if let order = text("order") {
            guard order == "asc" || order == "desc" else { throw .badRequest("order '\(order)' is not asc or desc", suggestions: ["asc", "desc"]) }
            q.descending = order == "desc"
        }
        q.offset = try whole("offset", 0...Int(Int32.max)) ?? 0
        q.limit = try whole("limit", 1...EpisodeQuery.maximumLimit) ?? 50
        return q
    }

    // MARK: GET /api/facets

    /// The values each filter can take in this store.
    func facets() async throws -> Data {
        let values = try await storeFacets()
        let fixtures = values.first { $0.name == "fixture" }?.values ?? []
        let specialty = Facet(name: "specialty", values: Array(Set(fixtures.compactMap(specialties.of))).sorted())
        return try CanonicalJSON.data(
            Facets(
                facets: values + [specialty], store: gate.path, allowSave: options.allowSave, allowRun: options.allowRun,
                fixtures: FixtureLoader.shippedNames()))
    }

    /// Each filter's values in the store: each a scan, read again only when an episode has been added since.
    func storeFacets() async throws -> [Facet] {
        let facetCache = self.facetCache
        return try await gate.read { store in
            let latest = try store.newestKey()
            return try facetCache.values(at: latest) {
                try EpisodeQuery.Facet.allCases.map { facet in Facet(name: facet.rawValue, values: try store.distinct(facet)) }
            }
        }
    }

    // MARK: GET /api/episodes/:id

    /// One episode, its whole chain checked: the row, every event as recorded, and the score card.
    func episode(_ id: String) async throws -> Data {
        let checked: CheckedEpisode = try await gate.read { store in
            do throws(StoreError) {
                return try store.checkedEpisode(id)
            } catch {
                if case .unknownEpisode(_, _, let suggestions) = error {
                    throw ViewerError(status: 404, message: "no episode '\(id)' in this store", suggestions: suggestions)
                }
                throw ViewerError(status: 409, message: "\(error)")
            }
        }
        // The events' payloads are the recorded canonical JSON, hash-checked: written into the body as they are.
        var body = Data("{\"episode\":".utf8)
        body += try CanonicalJSON.data(EpisodeRow(checked.listing, unverifiedReason: checked.unverifiedReason))
        body += Data(",\"events\":[".utf8)
        for (index, event) in checked.events.enumerated() {
            if index > 0 { body += Data(",".utf8) }
            body += try CanonicalJSON.data(EventHead(seq: event.seq, step: event.step, minute: event.simMinute, kind: event.kind.rawValue)).dropLast()
            body += Data(",\"payload\":".utf8) + Data(event.payload.utf8) + Data("}".utf8)
        }
        body += Data("]}".utf8)
        return body
    }

    // MARK: GET /api/actions?q=

    /// What a text resolves to, or the nearest catalog actions: the fork form's suggestions as you type.
    func actions(_ text: String) throws -> Data {
        let resolver = ActionResolver.shipped
        var reply = ActionLookup(text: text, action: nil, name: nil, suggestions: [])
        if !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let action = try resolver.resolve(text)
                (reply.action, reply.name) = (action.id, action.name)
            } catch {
                // What is being typed first ("esmo" is esmolol on its way), then the resolver's nearest.
                var found = Self.completions(of: text, in: resolver.catalog)
                for id in error.suggestions + resolver.nearest(text, limit: 8) where !found.contains(id) { found.append(id) }
                reply.suggestions = Array(found.prefix(8))
            }
        }
        return try CanonicalJSON.data(reply)
    }

    /// Catalog actions one of whose id, name or synonyms has, for every word typed, a word starting with
    /// it ("CT ang" → cta_chest), in catalog order.
    static func completions(of text: String, in catalog: ActionCatalog) -> [String] {
        func words(_ s: String) -> [Substring] { s.lowercased().split { !$0.isLetter && !$0.isNumber } }
        let typed = words(text)
        guard !typed.isEmpty else { return [] }
        return catalog.actions.filter { action in
            ([action.id, action.name] + action.synonyms).contains { phrase in
                let have = words(phrase.replacingOccurrences(of: "_", with: " "))
                return typed.allSatisfy { word in have.contains { $0.hasPrefix(word) } }
            }
        }.map(\.id)
    }
}
