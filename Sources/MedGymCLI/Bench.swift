import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import PostgresStore
import Replay

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure simulation speed (build with -c release for meaningful figures).",
        discussion: "Example: swift build -c release --product medgym && .build/release/medgym bench")

    @Option(help: "Episodes per fixture per round.")
    var episodes: Int = 200

    @Option(help: "Episodes recorded into the file store per round.")
    var recordings: Int = 200

    @Option(help: "Forks of the demo episode per round.")
    var forks: Int = 200

    @Option(help: "Episodes per batch run (measured with --jobs 1 and 2).")
    var batch: Int = 1_000

    @Option(help: "Episodes exported as training corpora (replay export corpus; 0 skips it).")
    var corpus: Int = 100

    @Option(help: "Scenarios of the catalogue played once by the expert, without a store and into a file store (0 skips it; default: all).")
    var catalogue: Int?

    @Option(
        help:
            "A PostgreSQL server (postgres://USER@HOST:PORT/DATABASE, the password from PGPASSWORD) whose role may create databases: also measure the work queue with 1, 2 and 4 workers and PostgreSQL's write rate against SQLite's (the benchmark makes and drops databases of its own)."
    )
    var postgres: String?

    @Option(help: "Expert episodes the queue benchmark enqueues per measurement (with --postgres).")
    var queueEpisodes: Int = 1_000

    @Flag(
        inversion: .prefixedNo,
        help:
            "Also measure the references beside the figures (Foundation's JSON encoder, an empty process start) and whole processes: medgym --version, one replay fork, an MCP tool call."
    )
    var references = true

    @Flag(help: "Print the figures as JSON.")
    var json = false

    func run() throws {
        do {
            guard episodes > 0, recordings > 0, forks > 0, batch > 0, corpus >= 0, (catalogue ?? 0) >= 0 else {
                throw ValidationError("--episodes, --recordings, --forks and --batch must be at least 1, --corpus and --catalogue at least 0")
            }
            let figures =
                try SimulationBenchmark(fixtures: try FixtureLoader.shipped(), episodesPerFixture: episodes).run()
                + StoreBenchmark(episodes: recordings, forks: forks, batch: batch).run()
                + (corpus > 0 ? CorpusBenchmark(episodes: corpus).run() : [])
                + (catalogue == 0 ? [] : CatalogueBenchmark(limit: catalogue).run())
                + (references ? ReferenceBenchmark(medgym: Bundle.main.executablePath ?? CommandLine.arguments[0]).run() : [])
                + (try postgres.map {
                    try QueueBenchmark(
                        server: try PostgresLocation(parsing: $0), medgym: Bundle.main.executablePath ?? CommandLine.arguments[0],
                        episodes: max(1, queueEpisodes)
                    ).run()
                } ?? [])
            if json {
                try printJSON(figures)
            } else {
                let width = (figures.map(\.name.count).max() ?? 0) + 2
                for figure in figures {
                    let value =
                        figure.value < 10
                        ? String(format: "%.2f", figure.value)
                        : figure.value < 100 ? String(format: "%.1f", figure.value) : String(format: "%.0f", figure.value)
                    print(
                        figure.name.padding(toLength: width, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 10 - value.count)) + value
                            + " \(figure.unit)   (\(figure.detail))")
                }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
