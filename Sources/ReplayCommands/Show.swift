import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show an episode's timeline: sim minute, action, results, alerts, vitals.", discussion: "Example: replay show ep_0fa72a32ec1d")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id (ep_ and 12 hex digits).")
    var episode: String

    @Flag(help: "Print the header and events as JSON.")
    var json = false

    func run() throws {
        do {
            let store = try storeOptions.open()
            let checked = try store.checkedEpisode(episode)
            let (header, events) = (checked.header, checked.events)
            if json {
                let lines = try events.map { try TraceLog.Line(episodeID: header.episodeID, event: $0) }
                return try printJSON(ShownEpisode(header: header, events: lines))
            }
            print(try Timeline.render(header: header, events: events))
            if let reason = checked.unverifiedReason {
                print("unverified: \(reason); its score is as recorded, and it is left out of leaderboards, diffs and corpora")
            }
        } catch {
            throw fail(error)
        }
    }

    struct ShownEpisode: Encodable {
        var header: EpisodeHeader
        var events: [TraceLog.Line]
    }
}
