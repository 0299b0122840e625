import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym

struct Scenarios: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenarios",
        abstract: "List or count the scenario catalogue (archetype × tier × variant), or show one scenario.",
        discussion: """
            Examples: medgym scenarios --archetype aortic_dissection --tier 40-60
                      medgym scenarios --count
                      medgym scenarios show ruptured_aaa/t80/v3 --answer-key
            A scenario id (ARCHETYPE/tTIER/vVARIANT) is accepted wherever a fixture name is.
            """,
        subcommands: [List.self, Show.self, Difficulty.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List or count scenarios (the default).")

        @Option(help: "Only this archetype's scenarios.")
        var archetype: String?

        @Option(help: "Only scenarios of this specialty.")
        var specialty: String?

        @Option(help: "Tiers, e.g. 40-60 or 100 (default 1-100).")
        var tier: String = "1-100"

        @Flag(help: "Print only the counts: scenarios, distinct presentations, archetypes, specialties, negative-class archetypes.")
        var count = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            do {
                let tiers = try TierRange.parse(tier)
                let found = try ScenarioListing.list(archetype: archetype, specialty: specialty, tiers: tiers)
                if json {
                    let counts = ScenarioCounts(
                        scenarios: found.scenarios.count, distinct: found.distinct, archetypes: found.archetypes,
                        specialties: found.specialties, negativeClassArchetypes: found.negativeClass)
                    if count { try printJSON(counts) } else { try printJSON(ScenarioList(counts: counts, scenarios: found.scenarios)) }
                    return
                }
                if !count {
                    for s in found.scenarios {
                        let v = s.arrival
                        print(
                            "\(s.id)  \(s.specialty)\(s.negativeClass ? " (negative class)" : "")  \(s.age)\(s.sex)  "
                                + "HR \(v.hr) BP \(v.sbp)/\(v.dbp) RR \(v.rr) SpO2 \(v.spo2)%  \(s.chiefComplaint)")
                    }
                }
                print(
                    "\(found.scenarios.count) scenarios (\(found.distinct) distinct in what a clinician sees) from \(found.archetypes) archetypes, "
                        + "\(found.specialties) specialties, \(found.negativeClass) negative-class")
            } catch {
                throw fail(error)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show what a clinician sees of one scenario (or fixture) at arrival.")

        @Argument(help: "A scenario id (aortic_dissection/t40/v3) or a fixture name.")
        var scenario: String

        @Flag(name: .customLong("answer-key"), help: "Also print the hidden answer key with its sources.")
        var answerKey = false

        func run() throws {
            do {
                print(try ScenarioListing.show(scenario, answerKey: answerKey))
            } catch {
                throw fail(error)
            }
        }
    }

    struct Difficulty: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "difficulty",
            abstract: "Measure the tiers: the truth-blind protocol agent and the expert per tier band of twenty.",
            discussion: "Example: medgym scenarios difficulty --variants 0-1 --seeds 1-2 (every archetype, tiers 1-100)")

        @Option(help: "Only this archetype's scenarios.")
        var archetype: String?

        @Option(help: "Tiers, e.g. 1-100 (default) or 81-100.")
        var tier: String = "1-100"

        @Option(help: "Variants of each tier to play, e.g. 0-1.")
        var variants: String = "0-1"

        @Option(help: "Seeds to play each scenario with, e.g. 1-2.")
        var seeds: String = "1"

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            do {
                let chosen = try ScenarioCatalog.scenarios(
                    archetype: archetype, tiers: try TierRange.parse(tier), variants: try TierRange.parseVariants(variants)
                ).map(\.fixture)
                guard !chosen.isEmpty else {
                    throw ValidationError("no scenario matches; variants start at 0 ('medgym scenarios --archetype A' lists an archetype's)")
                }
                let table = try ScenarioDifficulty.measure(chosen, seeds: Array(try SeedRange.parse(seeds)))
                if json { return try printJSON(table) }
                print(table.text)
            } catch let error as ValidationError {
                throw error
            } catch {
                throw fail(error)
            }
        }
    }
}

/// The counts `medgym scenarios --count --json` prints.
struct ScenarioCounts: Encodable {
    var scenarios: Int
    var distinct: Int
    var archetypes: Int
    var specialties: Int
    var negativeClassArchetypes: Int
}

/// `medgym scenarios --json`.
struct ScenarioList: Encodable {
    var counts: ScenarioCounts
    var scenarios: [ScenarioSummary]
}
