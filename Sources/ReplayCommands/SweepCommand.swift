import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Fork every step with every candidate action, score each arm, and find the critical steps.",
        discussion: "Example: replay sweep ep_0fa72a32ec1d --candidates key --jobs 2\nContinuations (--continue): original, expert, none.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id.")
    var episode: String

    @Option(help: "Candidate actions: key (what the answer key scores), catalog (every action), or a comma-separated list.")
    var candidates: String = "key"

    @Option(name: .customLong("continue"), help: "After each action: original, expert, none or agent (as in fork).")
    var continuation: ForkContinuation = .original

    @Option(help: "Threads scoring steps at once (the result is the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print the whole sweep (every candidate at every step) as JSON.")
    var json = false

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        do {
            let store = try storeOptions.open()
            let sweep = try Sweeper(forker: Forker(store: store))
                .sweep(episode, candidates: SweepCandidates.parse(candidates), continuation: continuation, jobs: jobs)
            if json { return try printJSON(sweep) }
            print(SweepReport.render(sweep))
        } catch {
            throw fail(error)
        }
    }
}
