import Foundation

extension AdversarialSuite {
    /// The shipped strategies for a fixture, or nil when it has none.
    public static func shipped(for fixtureID: String) throws -> AdversarialStrategies? {
        let json: Data
        do {
            guard let found = try ShippedContent.adversarialJSON(for: fixtureID) else { return nil }
            json = found
        } catch {
            throw FixtureError(file: "adversarial/\(fixtureID).json", field: "", problem: "\(error)")
        }
        return try decode(json, fixtureID: fixtureID)
    }

    /// Plays every strategy against the shipped catalog.
    public static func run(_ suite: AdversarialStrategies, fixture: Fixture, seeds: [UInt64] = AdversarialSuite.seeds) throws -> [StrategyResult] {
        try run(suite, fixture: fixture, resolver: .shipped, seeds: seeds)
    }
}
