import ArgumentParser
import CommandLineSupport
import Foundation
import Replay
import TraceStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import JSONL event logs: each is hash-checked and re-executed before it is stored.",
        discussion: "Example: replay import traces/ep_0fa72a32ec1d.jsonl")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Event log files (.jsonl).")
    var files: [String]

    func run() throws {
        var created: String?
        var opened: (any EpisodeStore)?
        do {
            let location = try StoreLocation(option: storeOptions.store)
            if !location.isServer, !FileManager.default.fileExists(atPath: location.path) { created = location.path }
            let store = try storeOptions.open(create: true, readOnly: false)
            opened = store
            let importer = TraceImporter(store: store)
            for file in files {
                switch try importer.importLog(atPath: file) {
                case .imported(let id):
                    print("imported \(id) from \(file)")
                case .alreadyStored(let id): print("\(file) is already stored as \(id)")
                }
            }
        } catch {
            // A store this command created and left empty is removed: a failed import leaves nothing behind.
            if let created, (try? opened?.episodeIDs().isEmpty) ?? true {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: created + suffix) }
            }
            throw fail(error)
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export recorded data.", subcommands: [Trace.self, NotebookCommand.self, CorpusCommand.self])

    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trace",
            abstract: "Write an episode's event log (JSONL) to stdout or --out.", discussion: "Example: replay export trace ep_0fa72a32ec1d --out ep.jsonl")

        @OptionGroup var storeOptions: StoreOptions

        @Argument(help: "Episode id.")
        var episode: String

        @Option(help: "Write to this file instead of stdout.")
        var out: String?

        func run() throws {
            do {
                let store = try storeOptions.open()
                let checked = try store.checkedEpisode(episode)
                let text = try TraceLog.encode(header: checked.header, events: checked.events, signatures: try store.signatures(episode))
                if let out {
                    try OutputFile.write(Data(text.utf8), to: out, suggesting: "\(episode).jsonl")
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            } catch {
                throw fail(error)
            }
        }
    }
}
