import ArgumentParser
import Foundation
import MedGym

/// `replay` analyses recorded episodes: list, show, score, verify, fork,
/// import and export.
@main
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Analyse recorded MedGym episodes: list, show, score, verify, fork, sweep, postmortem, diff, import, export.",
        subcommands: [List.self, Show.self, Score.self, Verify.self, ForkCommand.self, SweepCommand.self, PostmortemCommand.self, DiffCommand.self,
                      Import.self, Export.self])
}

func printJSON(_ value: some Encodable) throws {
    print(try CanonicalJSON.string(value, pretty: true))
}
