import ArgumentParser
import CommandLineSupport
import Foundation
import Replay
import TraceStore

/// `replay export notebook EP | --diff A B [--out notebooks-export]`.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Write a Jupyter notebook (with the data it reads beside it) for an episode's post-mortem or a diff of two model versions.",
        discussion: "Example: replay export notebook ep_0fa72a32ec1d --out notebooks-export")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id (or --diff BASELINE CANDIDATE).")
    var episode: String?

    @Option(parsing: .upToNextOption, help: "Two labels (or agent ids): the baseline and the candidate.")
    var diff: [String] = []

    @Option(help: "With --diff: only fixtures matching these patterns (comma-separated).")
    var fixtures: String?

    @Option(help: "Folder to write into (created if missing).")
    var out: String = "notebooks-export"

    @Option(help: "Threads for the sweep (the files are the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if (episode == nil) == diff.isEmpty { throw ValidationError("give an episode id or --diff BASELINE CANDIDATE") }
        if !diff.isEmpty && diff.count != 2 { throw ValidationError("--diff takes two names, the baseline and the candidate; got \(diff.count)") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out, isDirectory: true)
        do {
            let forker = Forker(store: try storeOptions.open())
            let written: NotebookExport.Written
            if let episode {
                written = try NotebookExport.episode(episode, forker: forker, folder: folder, jobs: jobs)
            } else {
                written = try NotebookExport.diff(
                    baseline: diff[0], candidate: diff[1], fixtures: EpisodeSelection.patterns(fixtures),
                    forker: forker, folder: folder)
            }
            print("wrote \((out as NSString).appendingPathComponent(written.notebook)) with \(written.data.joined(separator: ", "))")
        } catch {
            throw fail(error)
        }
    }
}
