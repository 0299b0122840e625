import Foundation
import MedGym

/// The specialty of each fixture a store names: a shipped fixture's own, a scenario's archetype's base
/// fixture's. Each is looked up once.
final class Specialties: @unchecked Sendable {
    private var known: [String: String?] = [:]
    private let lock = NSLock()

    func of(_ fixture: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let hit = known[fixture] { return hit }
        var name = fixture
        if let id = (try? ScenarioID(parsing: fixture)) ?? nil, let archetype = try? ScenarioCatalog.archetype(named: id.archetype) {
            name = archetype.base
        }
        let specialty = (try? FixtureLoader.fixture(named: name))?.specialty
        known[fixture] = .some(specialty)
        return specialty
    }
}
