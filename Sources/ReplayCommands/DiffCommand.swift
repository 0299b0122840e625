import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two model versions on the same patients: per-dimension change with intervals, outcome regressions and where they start.",
        discussion: "Example: replay diff --baseline v1 --candidate v2 --format md --fail-on-regression")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The baseline: a label (medgym --label), or an agent id.")
    var baseline: String

    @Option(help: "The candidate: a label, or an agent id.")
    var candidate: String

    @Option(help: "Only fixtures matching these patterns (comma-separated, * and ? allowed).")
    var fixtures: String?

    @Option(help: "text, md, html (one self-contained file) or json.")
    var format: ReportFormat = .text

    @Option(help: "Count only episodes signed by a key in this file (one 'medgym-ed25519 BASE64' a line).")
    var trust: String?

    @Flag(name: .customLong("include-abandoned"), help: "Count episodes their caller abandoned (a reset or close mid-episode), left out by default.")
    var includeAbandoned = false

    @Flag(name: .customLong("fail-on-regression"), help: "Exit 1 when the candidate loses a patient the baseline saved, or the verdict is worse.")
    var failOnRegression = false

    @Option(help: "Threads checking the episodes (the report is the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        let diff: ModelDiff
        do {
            diff = try ModelDiff.build(
                forker: Forker(store: try storeOptions.open()), baseline: baseline, candidate: candidate,
                fixtures: EpisodeSelection.patterns(fixtures), trust: try trust.map(TrustedKeys.load),
                includeAbandoned: includeAbandoned, jobs: jobs)
        } catch {
            throw fail(error)
        }
        switch format {
        case .text: print(DiffReport.text(diff), terminator: "")
        case .md: print(DiffReport.markdown(diff), terminator: "")
        case .html: print(HTMLReport.diff(diff), terminator: "")
        case .json: try printJSON(diff)
        }
        if failOnRegression && (!diff.regressions.isEmpty || diff.verdict == .worse) { throw ExitStatus.problem.exitCode }
    }
}
