import ArgumentParser
import Foundation
import MedGym

@main
struct MedGymCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medgym",
        abstract: "Run agents against MedGym's simulated patients.",
        subcommands: [Run.self, Batch.self, Fixtures.self, Actions.self, LeaderboardCommand.self, Serve.self, Bench.self, Keys.self])
}

/// Prints an error as one line to stderr and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    warn("error: \(error)")
    return ExitCode(1)
}

func warn(_ line: String) {
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}

func printJSON(_ value: some Encodable) throws {
    print(try CanonicalJSON.string(value, pretty: true))
}
