import ArgumentParser
import Foundation
import MedGym
import TraceStore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the stored episodes.")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Include episodes whose recording never finished.")
    var all = false

    @Flag(help: "Print the list as JSON.")
    var json = false

    func run() throws {
        do {
            let rows = try storeOptions.open().list(includeUnfinished: all)
            if json { return try printJSON(rows) }
            print("episode           fixture                  seed  agent            steps  min  outcome          composite  parent")
            for row in rows {
                let h = row.header
                let s = row.summary
                let parent = h.parentID.map { "\($0)@\(h.forkStep ?? 0)" } ?? (row.finished ? "" : "(unfinished)")
                print([
                    pad(h.episodeID, 17), pad(h.fixture, 24), left(String(h.seed), 5), pad(PrintableText.terminal(h.agent + (h.label.map { " \($0)" } ?? "")), 16),
                    left(s.map { String($0.steps) } ?? "-", 5), left(s.map { String($0.endMinute) } ?? "-", 4),
                    pad(s?.outcome ?? "-", 16), left(s.map { EpisodeFormatter.signed($0.composite) } ?? "-", 9), parent,
                ].joined(separator: "  "))
            }
            print("\(rows.count) episode\(rows.count == 1 ? "" : "s")")
        } catch {
            throw fail(error)
        }
    }
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
func left(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
