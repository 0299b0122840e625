import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import PostgresStore
import ReplayCommands

/// The `medgym` program: registers the PostgreSQL store, then runs `medgym …`, or `replay`'s commands
/// as `medgym replay …` (which `replay` becomes for a PostgreSQL store, see `ServerDelegation`).
@main
enum MedGymProgram {
    static func main() async {
        PostgresStoreServer.register()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "replay" {
            ReplayCommand.main(Array(arguments.dropFirst()))
        } else {
            await MedGymCommand.main(arguments)
        }
    }
}

struct MedGymCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medgym",
        abstract: "Run agents against MedGym's simulated patients.",
        discussion: """
            Example: medgym run --fixture adv_cocaine_dissection --seed 42 --agent anchoring
            Agents: expert, anchoring, random, script:FILE, cmd:COMMAND, openai:MODEL (with --base-url).
            \(ExitStatus.help)
            """,
        version: MedGymVersion.current,
        subcommands: [
            Run.self, Batch.self, Worker.self, Queue.self, Fixtures.self, Scenarios.self, Actions.self, LeaderboardCommand.self, Serve.self,
            Bench.self, Keys.self,
        ])
}
