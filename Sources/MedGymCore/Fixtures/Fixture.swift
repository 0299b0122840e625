/// A playable case: an archetype's hidden truth, physiology, findings and
/// answer key, at one tier. Loaded from `Resources/archetypes/*.json`.
///
/// Field names in the files are snake_case (`time_limit_min`).
public struct Fixture: Sendable, Hashable, Codable, Identifiable {
    public var id: String
    public var title: String
    public var specialty: String
    /// Difficulty 1–100.
    public var tier: Int
    /// The episode is truncated when the clock reaches this minute.
    public var timeLimitMin: Int
    /// The episode is truncated after this many steps.
    public var maxSteps: Int
    public var patient: PatientProfile
    public var truth: Diagnosis
    public var redHerring: Diagnosis
    public var course: Course
    /// Hidden lab values that contraindications can test (e.g. potassium).
    public var labs: [LabValue]
    /// How this case responds to specific actions beyond their generic effects.
    public var modifiers: [ActionModifier]
    /// Dispositions the receiving team accepts only when their requirements
    /// hold (theatre needs a confirmed diagnosis, the surgeon and consent);
    /// otherwise the request is declined and the encounter goes on.
    public var admission: [AdmissionRule]
    public var interview: [InterviewAnswer]
    public var exam: [ExamFinding]
    public var results: [OrderResult]
    public var answerKey: AnswerKey
    /// Action texts for the built-in policies.
    public var policies: Policies
}

/// Who the patient is and what triage wrote.
public struct PatientProfile: Sendable, Hashable, Codable {
    public var age: Int
    public var sex: String
    public var weightKg: Double
    public var chiefComplaint: String
    public var triageNote: String
}

/// A diagnosis with a machine code and the bait findings that suggest it.
public struct Diagnosis: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
    public var bait: [String]?
    /// The physiological conditions the truth carries (`aortic_dissection`,
    /// `haemorrhage`, `dka`, `hypovolaemia`, `acs`…): what the catalog's
    /// indications, dangers and the shared disease courses read.
    public var conditions: [String]?
}

/// The untreated course: a latent progression from 0 (stable) to
/// `death_at_progress` that advances at `rate_per_min` (jittered by the
/// seed), with vital signs interpolated between keyframes.
public struct Course: Sendable, Hashable, Codable {
    public var startProgress: Double
    public var ratePerMin: Double
    /// Relative jitter of the rate drawn once per episode seed, e.g. 0.15 = ±15 %.
    public var rateJitter: Double
    public var deathAtProgress: Double
    public var keyframes: [Keyframe]
    public var findings: [CourseFinding]
    /// Per-minute noise amplitude on each vital.
    public var noise: VitalsOffset
    /// Pressures that speed the disease (SBP above 100 in a contained rupture).
    public var pressureRules: [PressureRule]?
    /// How much faster than the cited natural history this course runs.
    public var timeCompression: TimeCompression
    /// How an arrest is worked on this course; without one, an arrest is death.
    public var arrest: ArrestPlan? = nil
    /// The shared course this one runs (``SharedCourse``), whose stages become
    /// the keyframes when the file draws none.
    public var library: CourseReference? = nil
}

extension Course {
    private enum CodingKeys: String, CodingKey {
        case startProgress, ratePerMin, rateJitter, deathAtProgress, keyframes, findings, noise, pressureRules, timeCompression, arrest,
            library
    }

    /// As synthesized, except that `keyframes` may be left out when `library`
    /// names a shared course (the decoder draws them from it).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        library = try c.decodeIfPresent(CourseReference.self, forKey: .library)
        keyframes =
            library == nil
            ? try c.decode([Keyframe].self, forKey: .keyframes) : try c.decodeIfPresent([Keyframe].self, forKey: .keyframes) ?? []
        startProgress = try c.decode(Double.self, forKey: .startProgress)
        ratePerMin = try c.decode(Double.self, forKey: .ratePerMin)
        rateJitter = try c.decode(Double.self, forKey: .rateJitter)
        deathAtProgress = try c.decode(Double.self, forKey: .deathAtProgress)
        findings = try c.decode([CourseFinding].self, forKey: .findings)
        noise = try c.decode(VitalsOffset.self, forKey: .noise)
        pressureRules = try c.decodeIfPresent([PressureRule].self, forKey: .pressureRules)
        timeCompression = try c.decode(TimeCompression.self, forKey: .timeCompression)
        arrest = try c.decodeIfPresent(ArrestPlan.self, forKey: .arrest)
    }
}

/// A vital-sign condition that multiplies the progression rate while it holds.
public struct PressureRule: Sendable, Hashable, Codable {
    public var condition: StateCondition
    public var multiplier: Double
    public var source: Citation
}

/// The factor by which the simulated course runs faster than the natural
/// history it is drawn from, and why.
public struct TimeCompression: Sendable, Hashable, Codable {
    public var factor: Double
    public var note: String
}

/// A disposition the receiving team takes only when `requires` holds.
public struct AdmissionRule: Sendable, Hashable, Codable {
    public var disposition: String
    public var requires: Requirement
    /// What the team says when it declines.
    public var refusal: String
    public var source: Citation
}

/// Vital signs at one point of progression.
public struct Keyframe: Sendable, Hashable, Codable {
    public var progress: Double
    public var vitals: Vitals
}

/// Something the patient develops once progression passes a threshold.
public struct CourseFinding: Sendable, Hashable, Codable {
    public var id: String
    public var atProgress: Double
    /// The alert shown at the moment it appears.
    public var alert: String
    /// The symptom listed from then on.
    public var symptom: String
}

/// A laboratory value at arrival (a ``Chemistry`` name), and how the
/// untreated disease moves it per hour.
public struct LabValue: Sendable, Hashable, Codable {
    public var name: String
    public var value: Double
    /// Untreated drift per hour (ketones rising in DKA); insulin halts the
    /// drift of glucose, ketones and bicarbonate.
    public var perHour: Double?
}

/// How one action changes this patient's course.
public struct ActionModifier: Sendable, Hashable, Codable {
    public var action: String
    /// Multiplies the progression rate each time the action is given.
    public var rateMultiplier: Double?
    /// Adds to the progression rate (negative heals) each time.
    public var rateAdd: Double?
    /// Moves progression at once.
    public var progressDelta: Double?
    /// Replaces the catalog's generic vitals effect for this patient.
    public var vitals: VitalsOffset?
    /// The action is definitive treatment: progression stops.
    public var definitive: Bool?
    /// Only applies when none of these actions was done before (e.g. insulin before fluids).
    public var unlessAfter: [String]?
    /// Only applies when one of these actions was done before (insulin after fluids).
    public var onlyAfter: [String]?
    /// The vitals change is a lasting complication (cerebral oedema), not a
    /// drug effect that wears off.
    public var persistent: Bool?
    /// Text shown to the agent when the modifier applies.
    public var note: String?
}

/// The patient's answer to an interview topic.
public struct InterviewAnswer: Sendable, Hashable, Codable {
    public var topic: String
    /// Alternative phrasings; the seed picks one.
    public var answers: [String]
    /// A misleading detail added at or above `red_herring_min_tier`.
    public var redHerring: String?
    public var redHerringMinTier: Int?
}

/// What an exam finds, possibly changing once progression passes a threshold.
public struct ExamFinding: Sendable, Hashable, Codable {
    public var action: String
    public var text: String
    public var afterProgress: Double?
    public var textAfter: String?
}

/// The result an order shows in this case.
public struct OrderResult: Sendable, Hashable, Codable {
    public var action: String
    /// The text, with `{lab}` placeholders read from the chemistry when drawn.
    public var text: String
    public var abnormal: Bool
    /// A consultant's note while the confirming result has not arrived (a
    /// note never cites a result that does not exist yet).
    public var textUnconfirmed: String?
}

/// Action texts for the built-in `expert` and `anchoring` policies.
public struct Policies: Sendable, Hashable, Codable {
    public var expert: [String]
    public var anchoring: [String]
}

extension Fixture {
    /// The value of a hidden lab, if the fixture defines it.
    public func lab(_ name: String) -> Double? {
        labs.first { $0.name == name }?.value
    }

    /// Modifiers for one action, in file order.
    public func modifiers(for actionID: String) -> [ActionModifier] {
        modifiers.filter { $0.action == actionID }
    }
}
