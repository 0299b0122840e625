/// What a ``Scorer`` keeps between the states of one episode scored as it
/// moves forward (a server scores every step): where each action was taken,
/// each harm item's offending actions, and each answer-key item's last score,
/// read again only when one of its actions was taken since (or, for a target
/// item, until it is decided). The cards are the ones a fresh score gives.
public struct ScoreMemo: Sendable {
    /// A key item's last score; `final` once nothing later can change it.
    struct Cached: Sendable {
        var item: ScoreItem
        var final: Bool
    }

    /// A harm item's offending actions so far: how many, and the first's index.
    struct HarmHits: Sendable {
        var count = 0
        var first: Int?
    }

    /// Whether a score has sized it (a fresh memo has not).
    var started = false
    /// Actions in the last state scored.
    var actions = 0
    /// Where each of those actions was taken (indices into the state's actions).
    var taken: [String: [Int]] = [:]
    /// Each key item's last score.
    var keyItems: [Cached?] = []
    /// Each harm item's offending actions among those.
    var harmHits: [HarmHits] = []
    /// Whether it was filled scoring with details (a memo serves one setting).
    var details = true

    public init() {}

    init(items: Int, harms: Int, details: Bool) {
        keyItems = Array(repeating: nil, count: items)
        harmHits = Array(repeating: HarmHits(), count: harms)
        self.details = details
        started = true
    }
}
