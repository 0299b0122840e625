/// A fixture that cannot be used: which file, which field, what is wrong.
public struct FixtureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or fixture name) at fault.
    public let file: String
    /// Dotted path of the field, e.g. `answer_key.items[2].source`; empty for the whole file.
    public let field: String
    public let problem: String

    public init(file: String, field: String, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var description: String {
        field.isEmpty ? "\(file): \(problem)" : "\(file): field '\(field)': \(problem)"
    }
}

/// A fixture name that is not shipped.
public struct UnknownFixtureError: Error, CustomStringConvertible, Equatable, Sendable {
    public let name: String
    public let known: [String]

    public init(name: String, known: [String]) {
        self.name = name
        self.known = known
    }

    public var description: String {
        "unknown fixture '\(name)'; known fixtures: \(known.joined(separator: ", ")) (or pass a path to a .json archetype file)"
    }
}
