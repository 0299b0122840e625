import Foundation

/// Makes a scenario's fixture from its archetype: one deterministic
/// transformation for the tier (how hard the truth is to see), one for the
/// variant (who the patient is). The hidden truth, the course's shape, the
/// findings, the answer key and the policies are the archetype's at every
/// tier and variant; the archetype's own tier and variant 0 give its base
/// fixture unchanged but for the id.
///
/// The tier, `d = (tier − base tier) / 99` (−1 … +1):
/// - **arrival vitals**: each keyframe up to 0.15 progress past the start has
///   its distance from the person's normal vitals scaled by `1 − 0.4·d`
///   (0.6 … 1.4): higher tiers arrive looking better, lower ones sicker;
/// - **time before deterioration**: the course's rate × `1 + 0.25·d`;
/// - **monitor noise**: × `max(0.5, 1 + 0.5·d)`;
/// - **red herrings**: the fixture's tier is the scenario's, so every
///   interview red herring whose `red_herring_min_tier` it reaches is told;
/// - **typicality, omissions, comorbidities**: the archetype's tiering data
///   (triage note by tier band, atypical answers, history added from a tier).
///
/// The variant (`v > 0`; draws keyed by archetype and variant):
/// - age, weight and sex within the archetype's ranges (weight following age
///   where the ranges are a child's), pronouns in the patient's texts to match;
/// - the person's baseline: every keyframe with a pressure shifted by one draw each of HR
///   ±8, SBP ±10, DBP ±6, RR ±2, temperature ±0.2;
/// - timing: the course's rate × `1 ± 0.1`;
/// - wording: the chief complaint from the archetype's alternatives.
public enum ScenarioEngine {
    /// An adult's healthy vitals (when an archetype names none).
    public static let adultNormal = Vitals(hr: 75, sbp: 120, dbp: 75, rr: 14, spo2: 98, temp: 36.9, gcs: 15, pain: 0)

    /// Keyframes this far past the start count as the arrival state.
    static let arrivalSpan = 0.15

    /// The fixture of `id`, from its archetype and the archetype's base fixture.
    public static func fixture(_ id: ScenarioID, archetype: Archetype, base: Fixture) throws(ScenarioError) -> Fixture {
        guard id.archetype == archetype.archetype else {
            throw ScenarioError(.unknownArchetype, scenario: id.description, problem: "belongs to archetype '\(archetype.archetype)'")
        }
        guard ScenarioID.tiers.contains(id.tier) else {
            throw ScenarioError(.outOfRange, scenario: id.description, problem: "tier \(id.tier) is out of range; tiers run from 1 to 100")
        }
        guard (0..<max(archetype.variants, 1)).contains(id.variant) else {
            throw ScenarioError(
                .outOfRange, scenario: id.description,
                problem: "variant \(id.variant) is out of range; \(archetype.archetype) has variants 0 to \(max(archetype.variants, 1) - 1)")
        }
        var fixture = base
        fixture.id = id.description
        applyTier(id.tier, archetype: archetype, to: &fixture)
        if id.variant > 0 { applyVariant(id.variant, archetype: archetype, to: &fixture) }
        Pronouns(sex: fixture.patient.sex).apply(to: &fixture)
        return fixture
    }

    static func applyTier(_ tier: Int, archetype: Archetype, to fixture: inout Fixture) {
        let d = Double(tier - fixture.tier) / 99
        fixture.tier = tier
        guard d != 0 else { return }
        let normal = archetype.normalVitals ?? adultNormal
        let scale = min(max(1 - 0.4 * d, 0.6), 1.4)
        let start = fixture.course.startProgress
        for index in fixture.course.keyframes.indices where fixture.course.keyframes[index].progress <= start + arrivalSpan {
            let v = fixture.course.keyframes[index].vitals
            var scaled = v
            for field in 0..<Vitals.fieldNames.count where field != 6 || v.gcs < normal.gcs {  // (GCS only below normal)
                scaled[index: field] = normal[index: field] + scale * (v[index: field] - normal[index: field])
            }
            fixture.course.keyframes[index].vitals = rounded(scaled)
        }
        fixture.course.ratePerMin *= 1 + 0.25 * d
        let noise = max(0.5, 1 + 0.5 * d)
        fixture.course.noise = VitalsOffset(Dictionary(uniqueKeysWithValues: fixture.course.noise.sortedEntries.map { ($0.0, $0.1 * noise) }))
        guard let tiering = archetype.tiering else { return }
        if let note = tiering.triageNotes?.first(where: { tier <= $0.upToTier }) { fixture.patient.triageNote = note.text }
        for entry in tiering.answers ?? [] where tier >= entry.fromTier {
            for index in fixture.interview.indices where fixture.interview[index].topic == entry.topic {
                fixture.interview[index].answers = entry.answers
            }
        }
        for entry in tiering.history ?? [] where tier >= entry.fromTier {
            for index in fixture.interview.indices where fixture.interview[index].topic == entry.topic {
                fixture.interview[index].answers = fixture.interview[index].answers.map { $0 + " " + entry.text }
            }
        }
    }

    static func applyVariant(_ variant: Int, archetype: Archetype, to fixture: inout Fixture) {
        let random = SeededRandom(seed: SeededRandom.fnv1a("scenario.variant." + archetype.archetype) &+ UInt64(variant))
        let variation = archetype.variation
        if variation.age.count == 2 {
            let ageQuantile = random.unit("age")
            fixture.patient.age = variation.age[0] + Int((ageQuantile * Double(variation.age[1] - variation.age[0] + 1)).rounded(.down))
            if variation.weightKg.count == 2 {
                // A child's weight follows its age; an adult's does not.
                let own = random.unit("weight")
                let quantile = variation.age[1] < 18 ? 0.7 * ageQuantile + 0.3 * own : own
                fixture.patient.weightKg = (variation.weightKg[0] + quantile * (variation.weightKg[1] - variation.weightKg[0])).rounded()
            }
        }
        if !variation.sex.isEmpty { fixture.patient.sex = variation.sex[random.index("sex", below: variation.sex.count)] }
        if let complaints = variation.chiefComplaints, !complaints.isEmpty {
            fixture.patient.chiefComplaint = complaints[random.index("chief_complaint", below: complaints.count)]
        }
        let shift = Vitals(
            hr: 8 * random.symmetric("baseline.hr"), sbp: 10 * random.symmetric("baseline.sbp"), dbp: 6 * random.symmetric("baseline.dbp"),
            rr: 2 * random.symmetric("baseline.rr"), spo2: 0, temp: 0.2 * random.symmetric("baseline.temp"), gcs: 0, pain: 0)
        for index in fixture.course.keyframes.indices where fixture.course.keyframes[index].vitals.sbp > 0 {  // (not an arrest frame)
            fixture.course.keyframes[index].vitals = rounded(fixture.course.keyframes[index].vitals + shift)
        }
        fixture.course.ratePerMin *= 1 + 0.1 * random.symmetric("pace")
    }

    /// Vitals as a monitor would have them: whole numbers, temperature to a tenth, within physiological bounds.
    static func rounded(_ v: Vitals) -> Vitals {
        var r = Vitals(
            hr: max(v.hr.rounded(), 0), sbp: max(v.sbp.rounded(), 0), dbp: max(v.dbp.rounded(), 0), rr: max(v.rr.rounded(), 0),
            spo2: min(max(v.spo2.rounded(), 0), 100),
            temp: (v.temp * 10).rounded() / 10, gcs: min(max(v.gcs.rounded(), 3), 15), pain: min(max(v.pain.rounded(), 0), 10))
        r.dbp = max(min(r.dbp, r.sbp - 10), 0)
        return r
    }
}

/// The patient's pronouns in texts written with `{he}`, `{his}`, `{him}` (and `{He}`, `{His}`, `{Him}`).
struct Pronouns {
    let subject: String
    let possessive: String
    let object: String

    init(sex: String) {
        (subject, possessive, object) = sex.uppercased().hasPrefix("F") ? ("she", "her", "her") : ("he", "his", "him")
    }

    /// The patient's texts (triage, complaint, answers, examination) with the pronouns put in.
    func apply(to fixture: inout Fixture) {
        fixture.patient.triageNote = apply(fixture.patient.triageNote)
        fixture.patient.chiefComplaint = apply(fixture.patient.chiefComplaint)
        for index in fixture.interview.indices {
            fixture.interview[index].answers = fixture.interview[index].answers.map(apply)
            fixture.interview[index].redHerring = fixture.interview[index].redHerring.map(apply)
        }
        for index in fixture.exam.indices {
            fixture.exam[index].text = apply(fixture.exam[index].text)
            fixture.exam[index].textAfter = fixture.exam[index].textAfter.map(apply)
        }
    }

    func apply(_ text: String) -> String {
        guard text.contains("{") else { return text }
        var out = text
        for (token, word) in [("he", subject), ("his", possessive), ("him", object)] {
            out = out.replacingOccurrences(of: "{\(token)}", with: word)
            out = out.replacingOccurrences(of: "{\(token.capitalized)}", with: word.capitalized)
        }
        return out
    }
}
