/// What became of the patient, judged at the post-ED horizon: the course the
/// disposition implied, the probability of death by the horizon given the
/// state on arrival there, and one keyed draw (common random numbers) that
/// names the fate.
///
/// Survival points use `mortality` (an expectation, the same for every seed
/// that reaches the same state); the `status` label is the seed's draw.
public struct PatientFate: Sendable, Hashable, Codable {
    public var status: FateStatus
    /// The post-ED course id (`repair`, `untreated`, …), or `ed_death`.
    public var course: String
    public var description: String
    /// Probability of death by the horizon (1 after a death in the ED).
    public var mortality: Double
    public var horizonDays: Int
    /// Why the mortality is what it is: each adjustment applied.
    public var notes: [String]
    /// Injuries carried out of the ED (perfusion or oxygen debt).
    public var injuries: [String]

    public init(
        status: FateStatus, course: String, description: String, mortality: Double, horizonDays: Int, notes: [String], injuries: [String]
    ) {
        (self.status, self.course, self.description, self.mortality) = (status, course, description, mortality)
        (self.horizonDays, self.notes, self.injuries) = (horizonDays, notes, injuries)
    }
}

/// Death in the ED, death after it, survival with injury and survival are distinct.
public enum FateStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case diedInED = "died_in_ed"
    case diedAfterED = "died_after_ed"
    case survivedWithInjury = "survived_with_injury"
    case survived
}

/// Follows the patient past the ED door (PHYSIOLOGY §4, §6 rule 18).
struct FateJudge {
    /// The answer key's post-ED courses.
    let rule: PostEDRule

    func judge(_ state: EpisodeState) -> PatientFate {
        var injuries = Self.injuries(state.injury)
        for arrest in state.resuscitations {
            injuries.append("post-cardiac-arrest brain injury risk: \(arrest.roscMinute - arrest.arrestMinute) min of arrest")
        }
        if !state.alive {
            let cause = state.deathCause?.text ?? "cardiac arrest"
            return PatientFate(
                status: .diedInED, course: "ed_death", description: "died in the ED at minute \(state.deathMinute ?? state.minute): \(cause)",
                mortality: 1, horizonDays: rule.horizonDays, notes: [], injuries: injuries)
        }
        let disposition = state.disposition ?? "none"
        let course = rule.courses.first { course in
            course.dispositions.contains(disposition)
                && course.requires?.unmet(in: state, step: state.step + 1, minute: state.minute) == nil
        }
        guard let course else {
            return PatientFate(
                status: .diedAfterED, course: "unknown", description: "no post-ED course for \(disposition)",
                mortality: 1, horizonDays: rule.horizonDays, notes: ["fixture lint flags this"], injuries: injuries)
        }
        var mortality = course.mortality
        var notes: [String] = []
        for adjustment in course.adjustments ?? [] where adjustment.when.holds(state) {
            if let floor = adjustment.atLeast { mortality = max(mortality, floor) }
            if let add = adjustment.add { mortality += add }
            if let factor = adjustment.multiply { mortality *= factor }
            notes.append(adjustment.note)
        }
        // After return of circulation: death or severe brain injury rises with the minutes of arrest
        // (Kim, Resuscitation 2014: good neurology 62.5 / 37 / 25 / 21.7 % at ≤ 10 / 11–20 / 21–30 / > 30 min) [calib].
        for arrest in state.resuscitations {
            let minutes = arrest.roscMinute - arrest.arrestMinute
            let poor = minutes <= 10 ? 0.375 : (minutes <= 20 ? 0.63 : (minutes <= 30 ? 0.75 : 0.78))
            mortality = 1 - (1 - mortality) * (1 - poor)
            notes.append("cardiac arrest for \(minutes) min before return of circulation (minute \(arrest.roscMinute))")
        }
        // Organ debt carried out of the ED [Walsh 2013; calibration].
        if state.injury.minutesMapBelow55 > 20 {
            mortality = 1 - (1 - mortality) * 0.95
            notes.append("MAP < 55 for \(state.injury.minutesMapBelow55) min in the ED")
        }
        if state.injury.minutesSpo2Below90 >= 10 {
            mortality = 1 - (1 - mortality) * 0.95
            notes.append("SpO2 < 90 % for \(state.injury.minutesSpo2Below90) min in the ED")
        }
        mortality = min(max(mortality, 0), 1)
        let draw = SeededRandom(seed: state.seed).unit("fate")
        let status: FateStatus = draw < mortality ? .diedAfterED : (injuries.isEmpty ? .survived : .survivedWithInjury)
        return PatientFate(
            status: status, course: course.id, description: course.description, mortality: round4(mortality),
            horizonDays: rule.horizonDays, notes: notes, injuries: injuries)
    }

    static func injuries(_ injury: InjuryRecord) -> [String] {
        var found: [String] = []
        if injury.minutesMapBelow55 > 20 {
            found.append("kidney and myocardial injury risk: MAP < 55 for \(injury.minutesMapBelow55) min")
        } else if injury.minutesMapBelow65 > 15 {
            found.append("kidney injury risk: MAP < 65 for \(injury.minutesMapBelow65) min")
        }
        if injury.minutesSpo2Below90 >= 10 { found.append("hypoxaemia: SpO2 < 90 % for \(injury.minutesSpo2Below90) min") }
        if injury.fluidOverload { found.append("fluid overload (> \(Int(Physiology.overloadMlPerKg)) mL/kg)") }
        return found
    }
}

func round4(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
