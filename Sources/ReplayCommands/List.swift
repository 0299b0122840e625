import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the stored episodes.", discussion: "Example: replay list --json")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Kept for compatibility: every row is listed, a row that does not check with its reason.")
    var all = false

    @Flag(help: "Print the list as JSON.")
    var json = false

    @Option(help: "Threads that read and check the rows (the list is the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        do {
            let listed = try EpisodeSelection.index(try storeOptions.open(), jobs: jobs)
            if json { return try printJSON(listed) }
            print("episode           fixture                  seed  agent            steps  min  outcome          composite  parent")
            for item in listed {
                guard let row = item.listing else {
                    print(pad(item.episode, 17) + "  not served: " + PrintableText.terminal(item.reason ?? "") + " (run 'replay verify \(item.episode)')")
                    continue
                }
                let h = row.header
                let s = row.summary
                let parent =
                    h.parentID.map { "\($0)@\(h.forkStep ?? 0)" } ?? (item.check == .unverified ? "(unverified: another simulation)" : "")
                    + (item.abandoned == nil ? "" : "(abandoned)")
                print(
                    [
                        pad(h.episodeID, 17), pad(PrintableText.terminal(h.fixture), 24), left(String(h.seed), 5),
                        pad(PrintableText.terminal(h.agent + (h.label.map { " \($0)" } ?? "")), 16),
                        left(s.map { String($0.steps) } ?? "-", 5), left(s.map { String($0.endMinute) } ?? "-", 4),
                        pad(s?.outcome ?? "-", 16), left(s.map { EpisodeFormatter.signed($0.composite) } ?? "-", 9), parent,
                    ].joined(separator: "  "))
            }
            let broken = listed.filter { $0.check == .broken }.count
            print("\(listed.count) episode\(listed.count == 1 ? "" : "s")" + (broken > 0 ? " (\(broken) not served: their rows or chains do not check)" : ""))
        } catch {
            throw fail(error)
        }
    }
}

func pad(_ s: String, _ width: Int) -> String { TextLayout.padRight(s, width) }
func left(_ s: String, _ width: Int) -> String { TextLayout.padLeft(s, width) }
