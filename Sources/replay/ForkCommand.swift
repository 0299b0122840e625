import ArgumentParser
import Foundation
import Replay
import TraceStore

struct ForkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fork",
        abstract: "Re-run an episode from step N with another action (same patient, same luck) and price the decision.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id.")
    var episode: String

    @Option(help: "The step to replace (1 … the episode's last step).")
    var at: Int

    @Option(help: "The alternate action, as free text (e.g. \"CTA chest\").")
    var action: String

    @Option(name: .customLong("continue"), help: "After the alternate action: original (the recorded agent's later actions), expert, or none.")
    var continuation: ForkContinuation = .original

    @Flag(help: "Store the fork as its own episode, linked to its parent.")
    var save = false

    @Flag(help: "Print the comparison and the GRPO pair as JSON.")
    var json = false

    func run() throws {
        do {
            let store = try storeOptions.open(readOnly: !save)
            let forker = Forker(store: store)
            let fork = try forker.fork(episode, at: at, action: action, continuation: continuation)
            var savedAs: String?
            if save {
                savedAs = try forker.save(fork, createdAt: CreatedAt.now()).header.episodeID
            }
            if json { return try printJSON(ForkReport.document(fork, savedAs: savedAs)) }
            print(ForkReport.render(fork))
            if let savedAs { print("\nsaved as \(savedAs) in \(store.path) (parent \(episode), fork step \(at))") }
        } catch {
            throw fail(error)
        }
    }
}

extension ForkContinuation: ExpressibleByArgument {}
