/// A disease course stated once and shared by archetypes: the stages a
/// physiology passes through (ATLS haemorrhage classes, the septic shock of
/// Sepsis-3), each as a change from the person's own baseline, with its
/// source. An archetype names the course and the person's baseline
/// (`course.library`) instead of drawing keyframes; its pace (`rate_per_min`)
/// and the shared pace rules for its conditions (``DiseasePace``) stay its own.
public struct SharedCourse: Sendable, Hashable, Codable {
    /// The name archetypes use (`haemorrhagic_shock`).
    public var course: String
    public var title: String
    public var stages: [Stage]
    /// Why these stages, in a clinician's words.
    public var note: String
    public var source: Citation

    /// One stage: where on the course it is reached, and the change from baseline there.
    public struct Stage: Sendable, Hashable, Codable {
        public var progress: Double
        public var label: String
        public var change: VitalsOffset
    }

    /// The keyframes this course draws from a person's baseline, each change scaled by `scale`.
    public func keyframes(from baseline: Vitals, scale: Double = 1) -> [Keyframe] {
        stages.map { stage in
            var change: [String: Double] = [:]
            for (field, value) in stage.change.sortedEntries { change[field] = value * scale }
            return Keyframe(progress: stage.progress, vitals: (baseline + Vitals(VitalsOffset(change))).clamped())
        }
    }
}

/// An archetype's use of a shared course: which, from what baseline, how strongly.
public struct CourseReference: Sendable, Hashable, Codable {
    public var name: String
    /// The person's vitals before the disease.
    public var baseline: Vitals
    /// Multiplies every stage's change (1 when absent).
    public var scale: Double?
}

/// The shared courses by name (kept sorted: never a dictionary's order in output).
public struct CourseLibrary: Sendable {
    public let courses: [SharedCourse]

    public init(_ courses: [SharedCourse]) {
        self.courses = courses.sorted { $0.course < $1.course }
    }

    /// No shared courses: a fixture naming one is refused.
    public static let empty = CourseLibrary([])

    public subscript(name: String) -> SharedCourse? { courses.first { $0.course == name } }
}
