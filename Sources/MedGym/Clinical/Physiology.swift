/// The deterministic patient model of one fixture: vitals as a function of
/// latent progression, intervention offsets and keyed noise.
public struct Physiology: Sendable {
    public let course: Course
    public let random: SeededRandom

    public init(course: Course, seed: UInt64) {
        self.course = course
        self.random = SeededRandom(seed: seed)
    }

    /// This episode's untreated progression rate (the seed's luck, drawn once).
    public var baseRate: Double {
        course.ratePerMin * (1 + course.rateJitter * random.symmetric("course.rate"))
    }

    /// Progression per minute given the interventions so far.
    public func rate(factor: Double, add: Double) -> Double {
        baseRate * factor + add
    }

    /// The untreated vitals at a progression, interpolated between keyframes.
    public func baseVitals(at progress: Double) -> Vitals {
        let frames = course.keyframes
        guard let first = frames.first else { preconditionFailure("fixture validation guarantees keyframes") }
        if progress <= first.progress { return first.vitals }
        for (a, b) in zip(frames, frames.dropFirst()) where progress <= b.progress {
            let span = b.progress - a.progress
            return Vitals.interpolate(a.vitals, b.vitals, fraction: span > 0 ? (progress - a.progress) / span : 1)
        }
        return frames[frames.count - 1].vitals
    }

    /// Bedside vitals at a minute: untreated course + treatment + noise.
    public func vitals(progress: Double, offsets: VitalsOffset, minute: Int) -> Vitals {
        var noise: [String: Double] = [:]
        for (field, amplitude) in course.noise.sortedEntries {
            noise[field] = amplitude * random.symmetric("noise.\(field)", UInt64(minute))
        }
        return baseVitals(at: progress).adding(offsets).adding(VitalsOffset(noise)).clamped()
    }

    /// What a monitor shows on a patient who has died.
    public static let arrest = Vitals(hr: 0, sbp: 0, dbp: 0, rr: 0, spo2: 40, temp: 36, gcs: 3, pain: 0)
}
