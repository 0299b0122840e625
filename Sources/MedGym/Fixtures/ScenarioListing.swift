import Foundation

/// One scenario as `medgym scenarios` lists it.
public struct ScenarioSummary: Sendable, Hashable, Codable {
    public var id: String
    public var archetype: String
    public var tier: Int
    public var variant: Int
    public var specialty: String
    public var negativeClass: Bool
    public var title: String
    public var age: Int
    public var sex: String
    public var chiefComplaint: String
    /// The vitals at arrival, as the monitor would show them without noise.
    public var arrival: ObservedVitals
}

/// What `medgym scenarios` lists, counts and shows: made by the library, printed by the command.
public enum ScenarioListing {
    /// The scenarios chosen, summarised, in id order; and how many are distinct in what a
    /// clinician sees (the presentation text, the arrival vitals, the answers and findings).
    public static func list(
        archetype: String? = nil, specialty: String? = nil, tiers: ClosedRange<Int> = ScenarioID.tiers
    ) throws -> (scenarios: [ScenarioSummary], distinct: Int, archetypes: Int, specialties: Int, negativeClass: Int) {
        let archetypes = try ScenarioCatalog.archetypes()
        let negative = Set(archetypes.filter(\.negativeClass).map(\.archetype))
        let chosen = try ScenarioCatalog.scenarios(archetype: archetype, specialty: specialty, tiers: tiers)
        var seen = Set<String>()  // (counted only: never iterated into output)
        var rows: [ScenarioSummary] = []
        for (id, fixture) in chosen {
            seen.insert(presentation(fixture))
            rows.append(
                ScenarioSummary(
                    id: id.description, archetype: id.archetype, tier: id.tier, variant: id.variant, specialty: fixture.specialty,
                    negativeClass: negative.contains(id.archetype), title: fixture.title, age: fixture.patient.age, sex: fixture.patient.sex,
                    chiefComplaint: fixture.patient.chiefComplaint, arrival: arrival(fixture)))
        }
        let names = Set(rows.map(\.archetype))
        return (
            rows, seen.count, names.count, Set(rows.map(\.specialty)).count,
            names.filter { negative.contains($0) }.count
        )
    }

    /// The vitals at arrival before monitor noise: the untreated course at its starting progress.
    static func arrival(_ f: Fixture) -> ObservedVitals {
        Physiology(course: f.course, seed: 0).baseVitals(at: f.course.startProgress).observed
    }

    /// Everything a clinician can see of a scenario, as one text: who the patient is, what triage
    /// wrote, the arrival vitals, every answer the interview can give at this tier, every finding.
    static func presentation(_ f: Fixture) -> String {
        var parts = [
            "\(f.patient.age)\(f.patient.sex) \(f.patient.weightKg)kg", f.patient.chiefComplaint, f.patient.triageNote,
            arrival(f).summary,
        ]
        for entry in f.interview {
            parts.append(entry.topic + ": " + entry.answers.joined(separator: " | "))
            if let herring = entry.redHerring, f.tier >= (entry.redHerringMinTier ?? 0) { parts.append(herring) }
        }
        parts += f.exam.map { $0.text + ($0.textAfter ?? "") }
        return parts.joined(separator: "\n")
    }

    /// What a clinician sees of a scenario at arrival (the first observation, as an agent reads
    /// it; not the title, which names the truth), and with `answerKey` the truth, the title and the
    /// key's items with their points, deadlines and sources.
    public static func show(_ name: String, answerKey: Bool) throws -> String {
        let fixture = try FixtureLoader.fixture(named: name)
        let environment = Environment(fixture: fixture, resolver: .shipped, seed: 0)
        // The title names the truth: it is printed with the key only.
        var lines = [
            "\(fixture.id) · specialty \(fixture.specialty) · tier \(fixture.tier) · \(fixture.timeLimitMin) min, \(fixture.maxSteps) actions at most",
            "",
            ChatTranscript.render(environment.initialObservation, limits: EncounterChart.Limits(fixture)),
        ]
        if answerKey {
            let key = fixture.answerKey
            lines += ["", "Answer key (hidden from the agent): \(fixture.truth.name) — \(fixture.title)"]
            lines.append(
                "  disposition: \(key.disposition.accepted.joined(separator: " or ")) (\(key.disposition.points.plain) points) [\(key.disposition.source)]")
            for item in key.items {
                let deadline = item.deadlineMin.map { ", by minute \($0)" } ?? ""
                lines.append(
                    "  \(item.id) (\(item.dimension.rawValue), \(item.points.plain) points\(deadline)): \(item.description) [\(item.source)]")
            }
            for harm in key.harmful {
                lines.append("  harm \(harm.id) (\(harm.points.plain) points): \(harm.description) [\(harm.source)]")
            }
        }
        return lines.joined(separator: "\n")
    }
}
