import ArgumentParser
import Foundation
import MedGym

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure simulation speed (build with -c release for meaningful figures).")

    @Option(help: "Episodes per fixture per round.")
    var episodes: Int = 200

    @Flag(help: "Print the figures as JSON.")
    var json = false

    func run() throws {
        do {
            guard episodes > 0 else { throw ValidationError("--episodes must be at least 1") }
            let figures = try SimulationBenchmark(fixtures: try FixtureLoader.shipped(), episodesPerFixture: episodes).run()
            if json {
                try printJSON(figures)
            } else {
                for figure in figures {
                    print(String(format: "%-24@ %12.0f %@   (%@)", figure.name, figure.value, figure.unit, figure.detail))
                }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
