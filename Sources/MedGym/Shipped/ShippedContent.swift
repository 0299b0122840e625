import Foundation

/// The content shipped in the library's bundle (the action catalog, the
/// archetypes, the adversarial strategies). The core (`MedGymCore`) takes
/// its input from memory (``ActionCatalog/init(json:)``,
/// ``FixtureDecoder/decode(_:file:resolver:)``,
/// ``AdversarialSuite/decode(_:fixtureID:)``), so a caller can hand it a
/// catalog and fixtures of its own; this is where the shipped ones come from.
public enum ShippedContent {
    /// The shipped action catalog, read and checked (``ActionCatalog/shipped``
    /// is this, read once).
    public static func catalog() throws -> ActionCatalog {
        try ActionCatalog(json: try catalogJSON())
    }

    /// `Resources/catalog/actions.json`.
    static func catalogJSON() throws(CatalogError) -> Data {
        guard let url = Bundle.module.url(forResource: "actions", withExtension: "json", subdirectory: "catalog") else {
            throw CatalogError(message: "Resources/catalog/actions.json is missing from the MedGym bundle")
        }
        do { return try Data(contentsOf: url) } catch {
            throw CatalogError(message: "Resources/catalog/actions.json cannot be read: \(error.localizedDescription)")
        }
    }

    /// The shipped archetype files, sorted by name.
    static func archetypeURLs() -> [URL] {
        guard let dir = Bundle.module.url(forResource: "archetypes", withExtension: nil) else { return [] }
        let urls = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        return urls.filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The shared disease courses (`Resources/courses/*.json`), read once per process.
    public static var courses: CourseLibrary { get throws { try sharedCourses.get() } }

    private static let sharedCourses: Result<CourseLibrary, FixtureError> = Result {
        () throws(FixtureError) -> CourseLibrary in
        guard let dir = Bundle.module.url(forResource: "courses", withExtension: nil) else { return .empty }
        let urls = ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var courses: [SharedCourse] = []
        for url in urls {
            let file = "courses/\(url.lastPathComponent)"
            do {
                let data = try Data(contentsOf: url)
                let course = try CanonicalJSON.treeDecode(SharedCourse.self, from: data, keys: .fromSnakeCase) ?? decoder.decode(SharedCourse.self, from: data)
                if "\(course.course).json" != url.lastPathComponent {
                    throw FixtureError(file: file, field: "course", problem: "is '\(course.course)' but the file is named '\(url.lastPathComponent)'")
                }
                for (i, pair) in zip(course.stages, course.stages.dropFirst()).enumerated() where pair.1.progress <= pair.0.progress {
                    throw FixtureError(file: file, field: "stages[\(i + 1)].progress", problem: "must be greater than the previous stage's")
                }
                for (i, stage) in course.stages.enumerated() {
                    for (field, _) in stage.change.sortedEntries where !Vitals.fieldNames.contains(field) {
                        throw FixtureError(file: file, field: "stages[\(i)].change.\(field)", problem: "is not a vital sign")
                    }
                }
                courses.append(course)
            } catch let error as FixtureError {
                throw error
            } catch let error as DecodingError {
                throw FixtureDecoder.describe(error, file: file)
            } catch {
                throw FixtureError(file: file, field: "", problem: "\(error)")
            }
        }
        return CourseLibrary(courses)
    }

    /// The shipped adversarial strategies of a fixture, or nil when it has none.
    static func adversarialJSON(for fixtureID: String) throws -> Data? {
        guard let url = Bundle.module.url(forResource: fixtureID, withExtension: "json", subdirectory: "adversarial") else { return nil }
        return try Data(contentsOf: url)
    }
}
