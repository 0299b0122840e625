import ArgumentParser
import Foundation
import MedGym
import Replay
import TraceStore

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an episode's timeline: sim minute, action, results, alerts, vitals.")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode id (ep_ and 12 hex digits).")
    var episode: String

    @Flag(help: "Print the header and events as JSON.")
    var json = false

    func run() throws {
        do {
            let store = try storeOptions.open()
            let header = try store.header(episode)
            let events = try store.events(episode)
            if json {
                let shown = try events.map {
                    ShownEvent(seq: $0.seq, step: $0.step, simMinute: $0.simMinute, kind: $0.kind.rawValue,
                               payload: try $0.decodedPayload(), rngState: $0.rngState, prevHash: $0.prevHash, hash: $0.hash)
                }
                return try printJSON(ShownEpisode(header: header, events: shown))
            }
            print(try Timeline.render(header: header, events: events))
        } catch {
            throw fail(error)
        }
    }

    struct ShownEpisode: Encodable {
        var header: EpisodeHeader
        var events: [ShownEvent]
    }

    /// An event with its payload as a JSON object rather than a string.
    struct ShownEvent: Encodable {
        var seq: Int
        var step: Int
        var simMinute: Int
        var kind: String
        var payload: TracePayload
        var rngState: String
        var prevHash: String
        var hash: String
    }
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-score an episode from its events against the current answer key.")

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
                print("note: the recorded score event differs (composite \(EpisodeFormatter.signed(rescored.recorded?.composite ?? 0))); the answer key has changed since recording")
            }
        } catch {
            throw fail(error)
        }
    }
}
