import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Re-score an episode from its events against the current answer key.", discussion: "Example: replay score ep_0fa72a32ec1d --explain")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id.")
    var episode: String

    @Flag(help: "List each point with its answer-key item and clinical source.")
    var explain = false

    @Flag(help: "Print the score card as JSON.")
    var json = false

    func run() throws {
        do {
            let rescored = try Rescorer(store: try storeOptions.open()).rescore(episode)
            if json { return try printJSON(rescored) }
            print("\(episode) · \(rescored.fixture) · seed \(rescored.seed)")
            print(EpisodeFormatter.scoreTable(rescored.score))
            if explain {
                print("")
                print(EpisodeFormatter.explain(rescored.score))
            }
            if !rescored.matchesRecorded {
                print("")
                print(
                    "note: the recorded score event differs (composite \(EpisodeFormatter.signed(rescored.recorded?.composite ?? 0))); the answer key has changed since recording"
                )
            }
        } catch {
            throw fail(error)
        }
    }
}
