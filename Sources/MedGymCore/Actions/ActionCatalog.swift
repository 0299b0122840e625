import Foundation

/// A catalog of canonical actions, indexed by id (the shipped one is
/// `ActionCatalog.shipped` in the `MedGym` module).
public struct ActionCatalog: Sendable {
    /// Actions in file order.
    public let actions: [CatalogAction]
    private let byID: [String: Int]

    public init(actions: [CatalogAction]) throws(CatalogError) {
        var index: [String: Int] = [:]
        for (offset, action) in actions.enumerated() {
            if index[action.id] != nil { throw CatalogError(message: "duplicate action id '\(action.id)'") }
            index[action.id] = offset
        }
        self.actions = actions
        self.byID = index
    }

    /// A catalog from JSON in memory (`{"actions": [...]}`, the shipped file's shape).
    public init(json: Data) throws {
        struct File: Decodable { var actions: [CatalogAction] }
        let file = try CanonicalJSON.treeDecode(File.self, from: json, keys: .asWritten) ?? JSONDecoder().decode(File.self, from: json)
        try self.init(actions: file.actions)
    }

    /// The action with this canonical id.
    public subscript(id: String) -> CatalogAction? {
        byID[id].map { actions[$0] }
    }

    /// The position of an action in ``actions``.
    public func index(of id: String) -> Int? { byID[id] }

    /// Whether an id names a catalog action.
    public func contains(_ id: String) -> Bool { byID[id] != nil }
}

/// A problem with the action catalog itself.
public struct CatalogError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { "action catalog: \(message)" }
}
