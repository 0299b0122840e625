import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

/// The output formats of reports.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, md, html, json
}

struct PostmortemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postmortem",
        abstract:
            "One episode explained: presentation, vitals, trajectory, the score with its sources, where it went wrong and what the alternative would have earned.",
        discussion: "Example: replay postmortem ep_0fa72a32ec1d --format md (text, md, html or json)"
    )

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id.")
    var episode: String

    @Option(help: "text, md, html (one self-contained file) or json.")
    var format: ReportFormat = .text

    @Option(help: "Threads for the sweep inside (the report is the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        let report: Postmortem
        do {
            report = try PostmortemBuilder(forker: Forker(store: try storeOptions.open())).build(episode, jobs: jobs)
        } catch {
            throw fail(error)
        }
        switch format {
        case .text: print(PostmortemReport.text(report), terminator: "")
        case .md: print(PostmortemReport.markdown(report), terminator: "")
        case .html: print(HTMLReport.postmortem(report), terminator: "")
        case .json: try printJSON(report)
        }
    }
}
