import ArgumentParser
import Foundation
import MedGym

@main
struct MedGymCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medgym",
        abstract: "Run agents against MedGym's simulated patients.",
        subcommands: [Run.self, Fixtures.self, Actions.self, Bench.self])
}

/// Prints an error as one line to stderr and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(1)
}

func printJSON(_ value: some Encodable) throws {
    print(try CanonicalJSON.string(value, pretty: true))
}
