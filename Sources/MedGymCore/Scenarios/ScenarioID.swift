/// A scenario's name: `ARCHETYPE/tTIER/vVARIANT` (`aortic_dissection/t40/v3`),
/// an archetype at a difficulty tier (1–100) and a variant of the person (0
/// is the archetype's own patient).
public struct ScenarioID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var archetype: String
    public var tier: Int
    public var variant: Int

    /// The tiers every archetype is played at.
    public static let tiers = 1...100

    public init(archetype: String, tier: Int, variant: Int) {
        self.archetype = archetype
        self.tier = tier
        self.variant = variant
    }

    /// `text` read as a scenario id, or nil when it does not have the form
    /// (a curated name or a file path). A well-formed id out of range throws.
    public init?(parsing text: String) throws(ScenarioError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, Self.isArchetypeName(parts[0]), parts[1].first == "t", parts[2].first == "v",
            let tier = Int(parts[1].dropFirst()), let variant = Int(parts[2].dropFirst())
        else { return nil }
        guard Self.tiers.contains(tier) else {
            throw ScenarioError(.outOfRange, scenario: text, problem: "tier \(tier) is out of range; tiers run from 1 to 100")
        }
        guard variant >= 0 else { throw ScenarioError(.outOfRange, scenario: text, problem: "variant \(variant) is out of range; variants start at 0") }
        self.init(archetype: String(parts[0]), tier: tier, variant: variant)
    }

    /// Lowercase letters, digits and underscores, starting with a letter.
    static func isArchetypeName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isLetter else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
    }

    public var description: String { "\(archetype)/t\(tier)/v\(variant)" }

    public static func < (a: ScenarioID, b: ScenarioID) -> Bool {
        (a.archetype, a.tier, a.variant) < (b.archetype, b.tier, b.variant)
    }
}

/// A scenario id or archetype that cannot be played, and why.
public struct ScenarioError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of mistake it is (a command's exit status follows it).
    public enum Kind: Sendable, Hashable {
        /// No archetype of that name.
        case unknownArchetype
        /// A tier or variant outside the archetype's range.
        case outOfRange
    }

    public var kind: Kind
    public var scenario: String
    public var problem: String

    public init(_ kind: Kind, scenario: String, problem: String) {
        self.kind = kind
        self.scenario = scenario
        self.problem = problem
    }

    public var description: String { "scenario '\(scenario)': \(problem)" }
}
