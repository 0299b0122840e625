import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-execute recorded episodes and check every hash, the chain, the episode row and the summary.",
        discussion: "Example: replay verify --all --trust lab.key.pub (exit 1 when any episode fails)")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode ids (or --all).")
    var episodes: [String] = []

    @Flag(help: "Verify every stored episode.")
    var all = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    @Flag(
        name: .customLong("accept-chain-only"),
        help: "Pass an episode of another simulation version on its hash chain alone (it is not re-executed, so its score is only as recorded).")
    var acceptChainOnly = false

    @Option(help: "Pass only episodes signed by a key in this file (one 'medgym-ed25519 BASE64' a line, as 'medgym keys new' prints).")
    var trust: String?

    @Option(help: "With --all: threads re-executing episodes at once (the report is the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if all == !episodes.isEmpty {
            throw ValidationError(all ? "give episode ids or --all, not both" : "name the episodes to verify (replay verify EP [EP…]) or give --all")
        }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        let results: [Verification]
        do {
            let store = try storeOptions.open()
            let verifier = Verifier(store: store, acceptChainOnly: acceptChainOnly, trust: try trust.map(TrustedKeys.load))
            if all {
                results = try verifier.verifyAll(jobs: jobs) + [try verifier.strayRows()].compactMap { $0 }
            } else {
                results = try episodes.map { id throws(StoreError) in try verifier.verify(id) }
            }
        } catch {
            throw fail(error)
        }
        if json {
            try printJSON(results)
        } else {
            for result in results {
                if result.passed {
                    print("\(result.episodeID)  verified  \(result.eventCount) events")
                    for note in result.notes { print("  note: \(note)") }
                } else {
                    print("\(result.episodeID)  FAILED  \(PrintableText.terminal(result.problems.joined(separator: "; ")))")
                }
            }
            let failed = results.filter { !$0.passed }.count
            print("\(results.count - failed) of \(results.count) episode\(results.count == 1 ? "" : "s") verified")
        }
        if results.contains(where: { !$0.passed }) { throw ExitStatus.problem.exitCode }
    }
}
