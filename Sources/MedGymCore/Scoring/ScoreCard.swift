/// The score of one episode: nine dimensions, their composite, the outcome
/// label, the harm level, and every point as an item naming its answer-key
/// entry and source.
public struct ScoreCard: Sendable, Hashable, Codable {
    public var fixtureID: String
    public var outcome: String
    /// The outcome in words, diagnosis named (absent in traces from simulation 1).
    public var outcomeText: String?
    /// Harm level: the worst of the harm items, a missed lethal diagnosis,
    /// and death. The harm dimension sums the harm items' points only.
    public var harmLevel: HarmLevel
    /// Sum of the nine dimensions.
    public var composite: Double
    /// One entry per dimension, in ``ScoreDimension/allCases`` order.
    public var dimensions: [DimensionScore]
    public var items: [ScoreItem]
    /// What became of the patient after the ED (absent in traces from simulation 1).
    public var fate: PatientFate?
    /// Why the caller ended the encounter before the agent did, when it did:
    /// the score stands (the patient was left to the clock) but the episode
    /// says nothing of the agent and is left out of leaderboards, diffs and corpora.
    public var abandoned: String? = nil

    public init(
        fixtureID: String, outcome: String, outcomeText: String?, harmLevel: HarmLevel, composite: Double, dimensions: [DimensionScore],
        items: [ScoreItem], fate: PatientFate?, abandoned: String? = nil
    ) {
        (self.fixtureID, self.outcome, self.outcomeText, self.harmLevel, self.composite) = (fixtureID, outcome, outcomeText, harmLevel, composite)
        (self.dimensions, self.items, self.fate, self.abandoned) = (dimensions, items, fate, abandoned)
    }

    /// Points of one dimension.
    public func points(_ dimension: ScoreDimension) -> Double {
        dimensions.first { $0.dimension == dimension }?.points ?? 0
    }
}

/// Points earned on one dimension, and the most it can give.
public struct DimensionScore: Sendable, Hashable, Codable {
    public var dimension: ScoreDimension
    public var points: Double
    public var max: Double

    public init(dimension: ScoreDimension, points: Double, max: Double) {
        (self.dimension, self.points, self.max) = (dimension, points, max)
    }
}

/// One scored answer-key entry.
public struct ScoreItem: Sendable, Hashable, Codable {
    public var dimension: ScoreDimension
    /// The answer-key entry id (e.g. `cta_chest_early`, `survival`).
    public var key: String
    public var description: String
    public var points: Double
    /// What the trajectory did that earned or lost the points.
    public var detail: String
    public var source: Citation
}
