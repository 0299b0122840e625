import Foundation

/// The facets as of the store's latest episode.
final class FacetCache: @unchecked Sendable {
    private var cached: (latest: Int, facets: [Facet])?
    private let lock = NSLock()

    func values(at latest: Int, _ read: () throws -> [Facet]) rethrows -> [Facet] {
        lock.lock()
        defer { lock.unlock() }
        if let cached, cached.latest == latest { return cached.facets }
        let facets = try read()
        cached = (latest, facets)
        return facets
    }
}
