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
        let archetype: Archetype
        do { archetype = try self.archetype(named: id.archetype) } catch let error as ScenarioError {
            throw ScenarioError(error.kind, scenario: id.description, problem: error.problem)
        }
        let base = try FixtureLoader.fixture(named: archetype.base, resolver: resolver)
        return try validated(try ScenarioEngine.fixture(id, archetype: archetype, base: base), resolver: resolver)
    }

    /// Every scenario of the chosen archetypes (all when nil) at the chosen tiers, in id order,
    /// each with its fixture.
    public static func scenarios(
        archetype: String? = nil, specialty: String? = nil, tiers: ClosedRange<Int> = ScenarioID.tiers, resolver: ActionResolver = .shipped
    ) throws -> [(id: ScenarioID, fixture: Fixture)] {
        var chosen = try archetypes()
        if let archetype {
            chosen = chosen.filter { $0.archetype == archetype }
            if chosen.isEmpty { _ = try self.archetype(named: archetype) }  // says which exist
        }
        var out: [(id: ScenarioID, fixture: Fixture)] = []
        for entry in chosen {
            let base = try FixtureLoader.fixture(named: entry.base, resolver: resolver)
            if let specialty, base.specialty != specialty { continue }
            for tier in tiers.clamped(to: ScenarioID.tiers) {
                for variant in 0..<entry.variants {
                    let id = ScenarioID(archetype: entry.archetype, tier: tier, variant: variant)
                    out.append((id, try ScenarioEngine.fixture(id, archetype: entry, base: base)))
                }
            }
        }
        return out
    }

    /// The fixtures of many scenarios, each archetype and base read once.
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
        var ids: [ScenarioID] = []
        for archetype in try archetypes() where fnmatch(pattern.archetype, archetype.archetype, 0) == 0 {
            for tier in ScenarioID.tiers {
                for variant in 0..<archetype.variants {
                    let id = ScenarioID(archetype: archetype.archetype, tier: tier, variant: variant)
                    if pattern.matches(id) { ids.append(id) }
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
