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

    /// The shipped adversarial strategies of a fixture, or nil when it has none.
    static func adversarialJSON(for fixtureID: String) throws -> Data? {
        guard let url = Bundle.module.url(forResource: fixtureID, withExtension: "json", subdirectory: "adversarial") else { return nil }
        return try Data(contentsOf: url)
    }
}
