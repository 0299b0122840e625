import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym

/// `replay` analyses recorded episodes: list, show, score, verify, fork,
/// import and export. The `replay` executable runs it; so does `medgym replay`,
/// which `replay` becomes for a PostgreSQL store (see ``ServerDelegation``).
public struct ReplayCommand: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Analyse recorded MedGym episodes: list, show, score, verify, fork, sweep, postmortem, diff, import, export, sync.",
        discussion: """
            Example: replay fork ep_0fa72a32ec1d --at 13 --action "CTA chest"
            Continuations (--continue): agent, original, expert, none.
            \(ExitStatus.help)
            """,
        version: MedGymVersion.current,
        subcommands: [
            List.self, Show.self, Score.self, Verify.self, ForkCommand.self, SweepCommand.self, PostmortemCommand.self, DiffCommand.self,
            Import.self, Export.self, SyncCommand.self,
        ])
}
