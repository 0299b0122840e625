import ArgumentParser
import CommandLineSupport
import Foundation
import Replay
import TraceStore

struct ForkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fork",
        abstract: "Re-run an episode from step N with another action (same patient, same luck) and price the decision.",
        discussion:
            "Example: replay fork ep_0fa72a32ec1d --at 13 --action \"CTA chest\"\nContinuations (--continue): agent (re-run the recorded agent; default for built-in agents), original (its recorded later actions), expert, none."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id.")
    var episode: String

    @Option(help: "The step to replace (1 … the episode's last step).")
    var at: Int

    @Option(help: "The alternate action, as free text (e.g. \"CTA chest\").")
    var action: String

    @Option(
        name: .customLong("continue"),
        help:
            "After the alternate action: agent (the recorded agent re-run from the new state; the default for built-in agents), original (its recorded later actions; the default otherwise), expert, or none."
    )
    var continuation: ForkContinuation?

    @Flag(help: "Store the fork as its own episode, linked to its parent.")
    var save = false

    @Option(help: "With --continue agent: re-run the recorded agent K times from the fork point (its draws 0…K−1) and report each Δ, the mean and the spread.")
    var samples: Int = 1

    func validate() throws {
        guard (1...64).contains(samples) else { throw ValidationError("--samples \(samples) is out of range; use 1…64") }
        if samples > 1 && continuation != .agent && continuation != nil {
            throw ValidationError("--samples draws the recorded agent again, so it needs --continue agent")
        }
        if samples > 1 && save { throw ValidationError("--samples and --save cannot be combined: a saved fork is one arm") }
    }

    @Flag(help: "Print the comparison and the GRPO pair as JSON.")
    var json = false

    func run() throws {
        do {
            let store = try storeOptions.open(readOnly: !save)
            let forker = Forker(store: store)
            let (how, why): (ForkContinuation, String)
            if let continuation {
                (how, why) = (continuation, "asked with --continue")
            } else if samples > 1 {
                (how, why) = (.agent, "--samples draws the recorded agent again")
            } else {
                (how, why) = Forker.defaultContinuation(forAgent: try store.header(episode).agent)
            }
            let fork = try forker.fork(episode, at: at, action: action, continuation: how)
            var savedAs: String?
            if save {
                savedAs = try forker.save(fork, createdAt: CreatedAt.now()).header.episodeID
            }
            let draws = samples > 1 ? try forker.samples(episode, at: at, action: action, count: samples) : nil
            if json {
                if let draws { return try printJSON(ForkReport.document(fork, savedAs: savedAs, samples: draws)) }
                return try printJSON(ForkReport.document(fork, savedAs: savedAs))
            }
            print("continuation chosen: \(how.rawValue) (\(why))")
            print(ForkReport.render(fork))
            if let draws { print("\n" + ForkReport.render(draws, step: at)) }
            if let savedAs { print("\nsaved as \(savedAs) in \(store.path) (parent \(episode), fork step \(at))") }
        } catch {
            throw fail(error)
        }
    }
}

extension ForkContinuation: ExpressibleByArgument {}
