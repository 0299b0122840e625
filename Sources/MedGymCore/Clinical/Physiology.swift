import Foundation

/// The deterministic patient model of one fixture: the disease's course,
/// what has been done to the patient, and the body's answer to both.
///
/// Vitals at a minute are the untreated course (keyframes by progression),
/// plus lasting complications, plus the active drugs, plus keyed noise; then
/// the body answers: fluid overload and hypoventilation lower SpO2, and low
/// perfusion, hypoxaemia, sedation and hypoglycaemia lower GCS. GCS is
/// computed, never carried: a MAP of 0 with GCS 15 cannot happen.
public struct Physiology: Sendable {
    public let course: Course
    public let random: SeededRandom
    /// This episode's untreated progression rate (the seed's luck, drawn once).
    public let baseRate: Double
    /// Each noisy vital's field, amplitude and hashed purpose, computed once.
    let noiseKeys: [(field: Int, amplitude: Double, key: UInt64)]
    /// The hashed purpose of the per-minute arrest draw.
    let arrestKey = SeededRandom.fnv1a("arrest")
    /// The shared disease courses' pace rules for the truth's conditions.
    let pace: DiseasePace

    public init(course: Course, seed: UInt64, conditions: [String] = []) {
        self.pace = DiseasePace(conditions: conditions)
        self.course = course
        self.random = SeededRandom(seed: seed)
        self.baseRate = course.ratePerMin * (1 + course.rateJitter * random.symmetric("course.rate"))
        self.noiseKeys = course.noise.sortedEntries.compactMap { entry in
            Vitals.fieldIndex(entry.0).map { ($0, entry.1, SeededRandom.fnv1a("noise.\(entry.0)")) }
        }
    }

    /// Progression per minute given the drugs' effect on the pace and the
    /// physiology reached: the shared disease courses' pace rules
    /// (``DiseasePace``) for the truth's conditions, then the fixture's own.
    public func rate(drugs: DrugEffects, vitals: Vitals) -> Double {
        var factor = drugs.rateMultiplier * pace.multiplier(vitals: vitals, drugs: drugs)
        for rule in course.pressureRules ?? [] where rule.condition.matches(vitals[field: rule.condition.vital ?? ""]) {
            factor *= rule.multiplier
        }
        return baseRate * factor + drugs.rateAdd
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

    /// Keyed monitor noise at a minute.
    public func noise(at minute: Int) -> Vitals {
        var noise = Vitals.zero
        for entry in noiseKeys {
            let unit = Double(random.bits(purposeKey: entry.key, UInt64(minute)) >> 11) * 0x1.0p-53
            noise[index: entry.field] = entry.amplitude * (unit * 2 - 1)
        }
        return noise
    }

    /// Bedside vitals at a minute (`noise`: ``noise(at:)`` for that minute, when already drawn).
    public func vitals(
        progress: Double, complications: Vitals, drugs: DrugEffects,
        chemistry: Chemistry, ventilated: Bool, minute: Int, noise: Vitals? = nil
    ) -> Vitals {
        var v = baseVitals(at: progress) + complications + drugs.offset + (noise ?? self.noise(at: minute))
        if ventilated {
            // Sedated and ventilated: the machine sets the rate and oxygenates (GENERIC-RULES §1.3).
            v.rr = Self.ventilatorRate
            v.spo2 = max(v.spo2, 97)
        }
        // Severe acidaemia depresses contractility and vascular tone (GENERIC-RULES §1.3) [calib]; pH
        // cannot fall below 7.0 with bicarbonate at 12 or more while breathing at 10/min or faster.
        if ventilated || chemistry.bicarbonate < 12 || v.rr < 10 {
            let ph = chemistry.ph(rr: max(v.rr, 0), ventilated: ventilated)
            if ph < 7.0 {
                v.sbp -= 150 * (7.0 - ph)
                v.dbp -= 80 * (7.0 - ph)
            }
        }
        let glucose: Double? = chemistry.glucose
        // Fluid overload: pulmonary oedema above 60 mL/kg in the ED [calib].
        let overload = max(0, drugs.volumeMlPerKg - Self.overloadMlPerKg)
        v.spo2 -= 0.5 * overload
        v.rr += 0.15 * overload
        // Hypoventilation: SpO2 falls as breathing slows below 10/min [calib; PHYSIOLOGY §2.2].
        v.rr = max(v.rr, 0)
        if v.rr < 10 { v.spo2 -= 4.5 * (10 - v.rr) }
        v.hr = max(v.hr, 0)
        v.sbp = max(v.sbp, 0)
        v.dbp = min(max(v.dbp, 0), max(v.sbp - 5, 0))
        v.gcs -= Self.consciousnessLoss(map: v.map, spo2: v.spo2, rr: v.rr, glucose: glucose, current: v.gcs)
        if ventilated { v.gcs = 3 }  // sedated for the tube: the neurological examination is lost
        return v.clamped()
    }

    /// Breaths a minute the ventilator gives after intubation.
    public static let ventilatorRate = 16.0

    /// Crystalloid and blood beyond this volume (mL/kg) flood the lungs.
    public static let overloadMlPerKg = 60.0

    /// GCS points lost to perfusion, oxygenation, CO2 retention and glucose
    /// (PHYSIOLOGY §2.4, calibration).
    static func consciousnessLoss(map: Double, spo2: Double, rr: Double, glucose: Double?, current: Double) -> Double {
        var loss = 0.0
        switch map {
        case ..<40: return current - 3
        case ..<50: loss += 4.5
        case ..<65: loss += 1.5
        default: break
        }
        switch spo2 {
        case ..<70: loss = max(loss, current - 7)
        case ..<85: loss += 3
        case ..<90: loss += 0.5
        default: break
        }
        if rr < 8 { loss += 0.5 * (8 - rr) }

        if let glucose {
            if glucose < 30 { loss += 6 } else if glucose < 50 { loss += 3 }
        }
        return loss
    }

    /// What a monitor shows on a patient who has died.
    /// The uniform draw in [0, 1) that decides an arrest at `minute`.
    public func arrestDraw(at minute: Int) -> Double {
        Double(random.bits(purposeKey: arrestKey, UInt64(minute)) >> 11) * 0x1.0p-53
    }

    public static let arrest = Vitals(hr: 0, sbp: 0, dbp: 0, rr: 0, spo2: 40, temp: 36, gcs: 3, pain: 0)
}
