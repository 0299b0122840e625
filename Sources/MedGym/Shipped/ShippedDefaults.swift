import Foundation

extension ActionCatalog {
    /// The catalog shipped in the library bundle (`Resources/catalog/actions.json`),
    /// read once. A missing or invalid shipped catalog is a broken install,
    /// not a condition a caller can recover from; `medgym fixtures lint` and
    /// the test suite read it through ``ShippedContent/catalog()``, which throws.
    public static let shipped: ActionCatalog = {
        do {
            return try ShippedContent.catalog()
        } catch {
            fatalError("the MedGym install is broken: \(error)")
        }
    }()
}

extension ActionResolver {
    /// A resolver over the shipped catalog, built once.
    public static let shipped = ActionResolver(catalog: .shipped)
}

// The core takes its catalog or resolver as an argument; these are the same
// initialisers with the shipped one filled in.

extension Environment {
    /// An environment over the shipped catalog.
    public init(fixture: Fixture, seed: UInt64 = 0) {
        self.init(fixture: fixture, resolver: .shipped, seed: seed)
    }

    /// An environment over the shipped catalog, resumed from a saved state.
    public init(fixture: Fixture, restoring state: EpisodeState) {
        self.init(fixture: fixture, resolver: .shipped, restoring: state)
    }
}

extension EpisodeRunner {
    /// A runner over the shipped catalog.
    public init(fixture: Fixture, invalidActions: InvalidActionPolicy = .fail) {
        self.init(fixture: fixture, resolver: .shipped, invalidActions: invalidActions)
    }
}

extension Scorer {
    /// A scorer over the shipped catalog.
    public init(fixture: Fixture) {
        self.init(fixture: fixture, catalog: .shipped)
    }
}

extension ActionTools {
    /// The tools over the shipped catalog.
    public init() {
        self.init(resolver: .shipped)
    }
}

extension ExpertAgent {
    /// The expert over the shipped catalog.
    public init(fixture: Fixture, skipping done: [String] = [], urgent: Bool = false) {
        self.init(fixture: fixture, resolver: .shipped, skipping: done, urgent: urgent)
    }
}

extension AnchoringAgent {
    /// The anchoring agent over the shipped catalog.
    public init(fixture: Fixture) {
        self.init(fixture: fixture, resolver: .shipped)
    }
}

extension RandomAgent {
    /// The random agent over the shipped catalog.
    public init(seed: UInt64, sample: Int = 0) {
        self.init(seed: seed, sample: sample, catalog: .shipped)
    }
}

extension EpisodeFormatter {
    /// The trajectory, actions named from the shipped catalog.
    public static func trajectory(_ episode: Episode) -> String {
        trajectory(episode, catalog: .shipped)
    }
}
