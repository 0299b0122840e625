import ArgumentParser

/// `replay` analyses recorded episodes. The trace store it reads is not built
/// yet (issue 3), so for now it only describes itself.
@main
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Analyse recorded MedGym episodes (list, show, score, verify, fork). The trace store is not built yet: use 'medgym run' for now.")
}
