import Foundation

/// Decodes and checks an archetype's scenario file, with errors that name the
/// file and the field (as fixtures' do).
public enum ArchetypeDecoder {
    /// The archetype in `data`, checked on its own and against its base fixture when given.
    public static func decode(_ data: Data, file: String, base: Fixture? = nil) throws(FixtureError) -> Archetype {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let archetype: Archetype
        do {
            archetype = try CanonicalJSON.treeDecode(Archetype.self, from: data, keys: .fromSnakeCase) ?? decoder.decode(Archetype.self, from: data)
        } catch let error as DecodingError {
            throw FixtureDecoder.describe(error, file: file)
        } catch {
            throw FixtureError(file: file, field: "", problem: "\(error)")
        }
        try check(archetype, file: file, base: base)
        return archetype
    }

    static func check(_ a: Archetype, file: String, base: Fixture?) throws(FixtureError) {
        func fail(_ field: String, _ problem: String) -> FixtureError { FixtureError(file: file, field: field, problem: problem) }
        guard ScenarioID.isArchetypeName(Substring(a.archetype)) else {
            throw fail("archetype", "'\(a.archetype)' must be lowercase letters, digits and underscores, starting with a letter")
        }
        guard a.variants >= 1 else { throw fail("variants", "must be 1 or more (variant 0 is the base patient)") }
        let v = a.variation
        guard v.age.isEmpty || (v.age.count == 2 && 0 <= v.age[0] && v.age[0] <= v.age[1] && v.age[1] <= 110) else {
            throw fail("variation.age", "must be [youngest, oldest] in years, youngest first")
        }
        guard v.weightKg.isEmpty || (v.weightKg.count == 2 && 1 <= v.weightKg[0] && v.weightKg[0] <= v.weightKg[1] && v.weightKg[1] <= 300) else {
            throw fail("variation.weight_kg", "must be [lightest, heaviest] in kg, lightest first")
        }
        for (index, sex) in v.sex.enumerated() where sex != "M" && sex != "F" {
            throw fail("variation.sex[\(index)]", "'\(sex)' must be M or F")
        }
        let tiering = a.tiering
        for (index, band) in (tiering?.triageNotes ?? []).enumerated() where !ScenarioID.tiers.contains(band.upToTier) {
            throw fail("tiering.triage_notes[\(index)].up_to_tier", "\(band.upToTier) must be a tier from 1 to 100")
        }
        let topics = base.map { Set($0.interview.map(\.topic)) }
        for (index, entry) in (tiering?.answers ?? []).enumerated() {
            if !ScenarioID.tiers.contains(entry.fromTier) {
                throw fail("tiering.answers[\(index)].from_tier", "\(entry.fromTier) must be a tier from 1 to 100")
            }
            if entry.answers.isEmpty { throw fail("tiering.answers[\(index)].answers", "needs at least one answer") }
            if let topics, !topics.contains(entry.topic) {
                throw fail("tiering.answers[\(index)].topic", "'\(entry.topic)' is not an interview topic of \(a.base)")
            }
        }
        for (index, entry) in (tiering?.history ?? []).enumerated() {
            if !ScenarioID.tiers.contains(entry.fromTier) {
                throw fail("tiering.history[\(index)].from_tier", "\(entry.fromTier) must be a tier from 1 to 100")
            }
            if let topics, !topics.contains(entry.topic) {
                throw fail("tiering.history[\(index)].topic", "'\(entry.topic)' is not an interview topic of \(a.base)")
            }
        }
        if let base, !v.age.isEmpty, !(v.age[0]...v.age[1]).contains(base.patient.age) {
            throw fail("variation.age", "\(v.age) must include the base patient's age (\(base.patient.age))")
        }
    }
}
