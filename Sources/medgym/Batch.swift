import ArgumentParser
import Foundation
import MedGym
import TraceStore

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record many episodes: every fixture matching the patterns × every seed × every agent, one transaction each.")

    @Option(help: "Comma-separated fixture names or glob patterns (e.g. 'adv_*').")
    var fixtures: String = "*"

    @Option(help: "Seeds, e.g. 1-100 or 42.")
    var seeds: String = "1-10"

    @Option(help: "Comma-separated agents: expert, anchoring, random, script:FILE.")
    var agent: String = "expert"

    @OptionGroup var recording: RecordingOptions

    func run() throws {
        do {
            let batch = BatchRecorder(
                fixtures: try FixtureLoader.shipped(matching: fixtures.split(separator: ",").map(String.init)),
                seeds: try SeedRange.parse(seeds),
                agents: try agent.split(separator: ",").map {
                    try AgentSpec.parse(String($0)) { try String(contentsOfFile: $0, encoding: .utf8) }
                },
                label: recording.label, invalidActions: recording.invalidActionPolicy)
            let store = try recording.openStore()
            for group in try batch.run(into: store, createdAt: { CreatedAt.now() }) { print(group.summary) }
            if let store { print("recorded into \(store.path)") }
        } catch {
            throw fail(error)
        }
    }
}
