import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym

struct Fixtures: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixtures",
        abstract: "List and validate archetype fixtures.",
        subcommands: [List.self, Lint.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the shipped fixtures.", discussion: "Example: medgym fixtures list")

        func run() throws {
            do {
                for fixture in try FixtureLoader.shipped() {
                    print("\(fixture.id)  tier \(fixture.tier)  \(fixture.specialty)  \(fixture.title)")
                }
            } catch {
                throw fail(error)
            }
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Validate archetype files and check that the expert beats the anchoring agent on each (--tiers: every archetype across its tiers too).",
            discussion: "Example: medgym fixtures lint my_case.json (exit 1 when a check fails)")

        @Argument(
            help:
                "Archetype files to check (default: every shipped fixture). A file's adversarial strategies are read from ../adversarial/ID.json beside it, or NAME.adversarial.json next to it."
        )
        var files: [String] = []

        @Option(help: "Seeds to play each fixture with, e.g. 1-20.")
        var seeds: String = "1-20"

        @Flag(
            help:
                "Also lint every shipped archetype across its tiers (1, 50, 100) and variants: the expert, the truth-blind, anchoring and random agents, and the adversarial strategies on each scenario."
        )
        var tiers = false

        func run() throws {
            do {
                let seeds = try SeedRange.parse(seeds)
                let report =
                    files.isEmpty
                    ? try FixtureLint.check(try FixtureLoader.shipped(), seeds: seeds)
                    : try FixtureLint.check(try files.map(FixtureLoader.lintSubject(named:)), seeds: seeds)
                print(report.text)
                // With --tiers, every shipped archetype is linted across its tiers too.
                let scenarios = tiers ? try ScenarioLint.check(try ScenarioCatalog.archetypes()) : nil
                if let scenarios { print(scenarios.text) }
                if !report.passed || scenarios?.passed == false { throw ExitStatus.problem.exitCode }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail(error)
            }
        }
    }
}

struct Actions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "actions",
        abstract: "List the action catalog, or show what texts resolve to (--resolve).",
        discussion: "Example: medgym actions --resolve \"take him to the operating room\"")

    @Option(name: .customLong("resolve"), help: "A text as an agent would write it: print the catalog action it names, or why it is refused. Repeatable.")
    var texts: [String] = []

    func run() throws {
        if !texts.isEmpty {
            var refused = false
            for text in texts {
                do {
                    let action = try ActionResolver.shipped.resolve(text)
                    print("\(text)  → \(action.id)")
                } catch {
                    refused = true
                    print("\(text)  ✗ \(error)")
                }
            }
            if refused { throw ExitStatus.problem.exitCode }
            return
        }
        for action in ActionCatalog.shipped.actions {
            let tat = action.turnaroundMin.map { ", result in \($0) min" } ?? ""
            print("\(action.id)  [\(action.kind.rawValue)]  \(action.name)  (\(action.timeMin) min, $\(action.cost)\(tat))")
        }
    }
}
