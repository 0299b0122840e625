import Foundation

/// Loads archetype files: the ones shipped in the library bundle, or any
/// JSON file on disk, decoded and validated with precise errors.
public enum FixtureLoader {
    /// Names of the shipped fixtures, sorted.
    public static func shippedNames() -> [String] {
        shippedURLs().map { $0.deletingPathExtension().lastPathComponent }
    }

    /// Every shipped fixture, sorted by id.
    public static func shipped() throws -> [Fixture] {
        try shippedURLs().map { try load(contentsOf: $0) }
    }

    /// Shipped fixtures whose names match any of the glob patterns
    /// (`adv_*`), in pattern order without repeats. A pattern that matches
    /// nothing is an ``UnknownFixtureError`` listing the shipped names.
    public static func shipped(matching patterns: [String]) throws -> [Fixture] {
        let names = shippedNames()
        var chosen: [String] = []
        var seen = Set<String>()  // (membership only)
        var scenarios: [String: ScenarioID] = [:]
        for pattern in patterns {
            // A scenario pattern (`ruptured_aaa/t1-20/*`): the catalogue's scenarios it names.
            if let scenarioPattern = try ScenarioPattern(parsing: pattern) {
                let ids = try ScenarioCatalog.ids(matching: scenarioPattern)
                guard !ids.isEmpty else {
                    let known = try ScenarioCatalog.archetypes().map(\.archetype)
                    throw UnknownFixtureError(name: pattern, known: names + known.map { "\($0)/t1-100/*" })
                }
                for id in ids where seen.insert(id.description).inserted {
                    chosen.append(id.description)
                    scenarios[id.description] = id
                }
                continue
            }
            let hits = names.filter { fnmatch(pattern, $0, 0) == 0 }
            guard !hits.isEmpty else { throw UnknownFixtureError(name: pattern, known: names) }
            for hit in hits where seen.insert(hit).inserted { chosen.append(hit) }
        }
        let made = try ScenarioCatalog.fixtures(chosen.compactMap { scenarios[$0] })
        return try chosen.map { name in try scenarios[name].map { made[$0]! } ?? fixture(named: name) }
    }

    /// A shipped fixture by name, a scenario by id (`aortic_dissection/t40/v3`, ``ScenarioCatalog``),
    /// or a file when the argument is a path to a `.json` file.
    public static func fixture(named nameOrPath: String, resolver: ActionResolver = .shipped) throws -> Fixture {
        if !nameOrPath.hasSuffix(".json"), let id = try ScenarioID(parsing: nameOrPath) {
            return try ScenarioCatalog.fixture(id, resolver: resolver)
        }
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            return try load(contentsOf: URL(fileURLWithPath: nameOrPath), resolver: resolver)
        }
        guard let url = shippedURLs().first(where: { $0.deletingPathExtension().lastPathComponent == nameOrPath }) else {
            throw UnknownFixtureError(name: nameOrPath, known: shippedNames())
        }
        return try load(contentsOf: url, resolver: resolver)
    }

    /// A fixture to lint by name or path, with its adversarial strategies: a shipped fixture's own, or
    /// for a file `../adversarial/ID.json` beside it (the resources' layout) or `NAME.adversarial.json`
    /// next to it.
    public static func lintSubject(named nameOrPath: String) throws -> FixtureLint.Subject {
        let fixture = try fixture(named: nameOrPath)
        guard nameOrPath.hasSuffix(".json") else {
            return FixtureLint.Subject(
                fixture: fixture, file: "archetypes/\(fixture.id).json",
                adversarial: try AdversarialSuite.shipped(for: fixture.id).map { ($0, "adversarial/\(fixture.id).json") })
        }
        let url = URL(fileURLWithPath: nameOrPath)
        let candidates = [
            url.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("adversarial/\(fixture.id).json"),
            url.deletingPathExtension().appendingPathExtension("adversarial.json"),
        ]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path) {
            let data: Data
            do {
                data = try Data(contentsOf: candidate)
            } catch {
                throw FixtureError(file: candidate.path, field: "", problem: "cannot read the file (\(error.localizedDescription))")
            }
            let suite = try AdversarialSuite.decode(data, fixtureID: fixture.id)
            return FixtureLint.Subject(fixture: fixture, file: nameOrPath, adversarial: (suite, candidate.path))
        }
        return FixtureLint.Subject(fixture: fixture, file: nameOrPath, adversarial: nil)
    }

    /// Decodes and validates one archetype file.
    public static func load(contentsOf url: URL, resolver: ActionResolver = .shipped) throws(FixtureError) -> Fixture {
        let file = url.path.contains("esources/archetypes/") ? "archetypes/\(url.lastPathComponent)" : url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FixtureError(file: file, field: "", problem: "cannot read the file (\(error.localizedDescription))")
        }
        let courses: CourseLibrary
        do {
            courses = try ShippedContent.courses
        } catch let error as FixtureError {
            throw error
        } catch {
            throw FixtureError(file: "courses", field: "", problem: "\(error)")
        }
        return try FixtureDecoder.decode(data, file: file, resolver: resolver, courses: courses)
    }

    static func shippedURLs() -> [URL] { ShippedContent.archetypeURLs() }
}
