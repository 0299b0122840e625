/// The patient's course after the ED, by disposition: where the patient
/// went decides the care that follows, and the state on arrival there
/// decides how it goes. Judged at `horizon_days` from published outcomes
/// (PHYSIOLOGY §4), not at the ED door.
public struct PostEDRule: Sendable, Hashable, Codable {
    public var horizonDays: Int
    /// Tried in order; the first whose dispositions and requirements match
    /// applies. `none` as a disposition means the episode ended without one.
    public var courses: [PostEDCourse]
}

/// One course after the ED, with its base mortality at the horizon and the
/// conditions that change it.
public struct PostEDCourse: Sendable, Hashable, Codable {
    public var id: String
    public var description: String
    public var dispositions: [String]
    /// What must hold at disposition (diagnosis confirmed, surgeon involved).
    public var requires: Requirement?
    /// Probability of death by the horizon under this course.
    public var mortality: Double
    public var adjustments: [MortalityAdjustment]?
    public var source: Citation
}

/// A change to the course's mortality when a condition held in the ED.
public struct MortalityAdjustment: Sendable, Hashable, Codable {
    public var when: FateCondition
    /// Mortality is at least this.
    public var atLeast: Double?
    /// Added to mortality.
    public var add: Double?
    /// Multiplies mortality.
    public var multiply: Double?
    public var note: String
    public var source: Citation
}

/// A condition on the finished ED episode. All present fields must hold.
public struct FateCondition: Sendable, Hashable, Codable {
    /// Any of these actions was given.
    public var given: [String]?
    /// None of these actions was given.
    public var notGiven: [String]?
    /// Any of these course findings had appeared.
    public var finding: [String]?
    /// The lowest SBP in the ED was below this.
    public var lowestSbpBelow: Double?
    /// The episode ended after this minute.
    public var minuteAbove: Int?
    /// None of these orders had resulted.
    public var notResulted: [String]?

    func holds(_ state: EpisodeState) -> Bool {
        if let given, !state.actions.contains(where: { given.contains($0.actionID) }) { return false }
        if let notGiven, state.actions.contains(where: { notGiven.contains($0.actionID) }) { return false }
        if let finding, !finding.contains(where: state.firedAlerts.contains) { return false }
        if let below = lowestSbpBelow, !(state.injury.lowestSbp < below) { return false }
        if let after = minuteAbove, !(state.minute > after) { return false }
        if let pending = notResulted, state.resulted(pending, by: state.minute) { return false }
        return true
    }
}
