import Foundation

/// The scenario catalogue: every shipped archetype (`Resources/scenarios/*.json`)
/// at tiers 1–100 and its variants, each a fixture made by ``ScenarioEngine``
/// from the archetype's base fixture. Scenario ids (`aortic_dissection/t40/v3`)
/// are accepted wherever a fixture name is.
public enum ScenarioCatalog {
    /// The shipped archetypes, sorted by name, each checked against its base fixture (read once a process).
    public static func archetypes() throws -> [Archetype] { try shipped.get() }

    /// The shipped archetypes, read the first time they are asked for (shipped content never changes).
    private static let shipped = Result { () throws(FixtureError) -> [Archetype] in try readArchetypes() }

    static func readArchetypes() throws(FixtureError) -> [Archetype] {
        var found: [Archetype] = []
        for url in archetypeURLs() {
            let file = "scenarios/\(url.lastPathComponent)"
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw FixtureError(file: file, field: "", problem: "cannot read the file (\(error.localizedDescription))")
            }
            let loose = try ArchetypeDecoder.decode(data, file: file)
            let base: Fixture
            do { base = try FixtureLoader.fixture(named: loose.base) } catch {
                throw FixtureError(file: file, field: "base", problem: "\(error)")
            }
            found.append(try ArchetypeDecoder.decode(data, file: file, base: base))
        }
        return found.sorted { $0.archetype < $1.archetype }
    }

    /// A shipped archetype by name.
    public static func archetype(named name: String) throws -> Archetype {
        let all = try archetypes()
        guard let found = all.first(where: { $0.archetype == name }) else {
            throw ScenarioError(
                .unknownArchetype, scenario: name, problem: "no such archetype; known archetypes: \(all.map(\.archetype).joined(separator: ", "))")
        }
        return found
    }

    /// The fixture of a scenario, validated like any fixture.
    public static func fixture(_ id: ScenarioID, resolver: ActionResolver = .shipped) throws -> Fixture {
        try fixtures([id], resolver: resolver)[id]!
    }

    /// Every scenario of the chosen archetype (all when nil), specialty, tiers and variants, in id
    /// order, each with its fixture (validated).
    public static func scenarios(
        archetype: String? = nil, specialty: String? = nil, tiers: ClosedRange<Int> = ScenarioID.tiers,
        variants: ClosedRange<Int>? = nil, resolver: ActionResolver = .shipped
    ) throws -> [(id: ScenarioID, fixture: Fixture)] {
        if let archetype { _ = try self.archetype(named: archetype) }  // an unknown name says which exist
        let ids = try allIDs { id in
            (archetype.map { $0 == id.archetype } ?? true) && tiers.contains(id.tier) && (variants?.contains(id.variant) ?? true)
        }
        let made = try fixtures(ids, resolver: resolver)
        return ids.map { ($0, made[$0]!) }.filter { specialty == nil || $0.fixture.specialty == specialty }
    }

    /// The fixtures of many scenarios, each archetype and base read once, each fixture validated.
    public static func fixtures(_ ids: [ScenarioID], resolver: ActionResolver = .shipped) throws -> [ScenarioID: Fixture] {
        guard !ids.isEmpty else { return [:] }
        var made: [ScenarioID: Fixture] = [:]
        var bases: [String: (Archetype, Fixture)] = [:]
        let all = try archetypes()
        for id in ids {
            if bases[id.archetype] == nil {
                guard let archetype = all.first(where: { $0.archetype == id.archetype }) else {
                    throw ScenarioError(
                        .unknownArchetype, scenario: id.description,
                        problem: "no such archetype; known archetypes: \(all.map(\.archetype).joined(separator: ", "))")
                }
                bases[id.archetype] = (archetype, try FixtureLoader.fixture(named: archetype.base, resolver: resolver))
            }
            let (archetype, base) = bases[id.archetype]!
            made[id] = try validated(try ScenarioEngine.fixture(id, archetype: archetype, base: base), resolver: resolver)
        }
        return made
    }

    /// The ids a pattern names, in id order.
    public static func ids(matching pattern: ScenarioPattern) throws -> [ScenarioID] {
        try allIDs(where: pattern.matches)
    }

    /// Every id of the catalogue that `include` keeps, in id order.
    static func allIDs(where include: (ScenarioID) -> Bool) throws -> [ScenarioID] {
        var ids: [ScenarioID] = []
        for archetype in try archetypes() {
            for tier in ScenarioID.tiers {
                for variant in 0..<archetype.variants {
                    let id = ScenarioID(archetype: archetype.archetype, tier: tier, variant: variant)
                    if include(id) { ids.append(id) }
                }
            }
        }
        return ids
    }

    /// A generated fixture through the same validation as a file's.
    static func validated(_ fixture: Fixture, resolver: ActionResolver) throws -> Fixture {
        try FixtureDecoder.validate(fixture, file: fixture.id, resolver: resolver)
        return fixture
    }

    static func archetypeURLs() -> [URL] {
        guard let dir = Bundle.module.url(forResource: "scenarios", withExtension: nil) else { return [] }
        let urls = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        return urls.filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
