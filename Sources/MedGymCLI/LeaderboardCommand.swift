import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

struct LeaderboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaderboard",
        abstract: "The model spread: per agent and label, mean composite with a 95 % bootstrap interval, rates and pass^k.",
        discussion: "Example: medgym leaderboard --fixtures 'adv_*' --trust lab.key.pub")

    @Option(help: "One fixture.")
    var fixture: String?

    @Option(help: "Comma-separated fixture names or glob patterns (e.g. 'adv_*').")
    var fixtures: String?

    @Option(help: "Trace store: a SQLite file or postgres://USER@HOST/DATABASE (default: $MEDGYM_STORE, else traces/medgym.sqlite).")
    var store: String?

    @Flag(help: "Print the board as JSON.")
    var json = false

    @Option(help: "Count only episodes signed by a key in this file (one 'medgym-ed25519 BASE64' a line).")
    var trust: String?

    @Flag(name: .customLong("include-abandoned"), help: "Count episodes their caller abandoned (a reset or close mid-episode), left out by default.")
    var includeAbandoned = false

    @Option(help: "Rank per fixture (default), archetype, specialty or tier (bands of twenty); the overall ranking stays over the fixtures every agent covers.")
    var by: Leaderboard.Grouping = .fixture

    @Option(help: "Threads checking the episodes (the board is the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if fixture != nil && fixtures != nil { throw ValidationError("give --fixture or --fixtures, not both") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        do {
            let (opened, imports) = try StoreLocation(option: store).openStore(create: false, readOnly: true)
            for note in imports { FileHandle.standardError.write(Data("\(note)\n".utf8)) }
            let patterns = fixture.map { [$0] } ?? fixtures.map { $0.split(separator: ",").map(String.init) } ?? []
            let board = try Leaderboard.build(
                store: opened, fixtures: patterns, trust: try trust.map(TrustedKeys.load), includeAbandoned: includeAbandoned, by: by, jobs: jobs)
            guard !board.perFixture.isEmpty else {
                let why = CheckedSelection.summary(board.leftOut).map { "; " + PrintableText.terminal($0) }.joined()
                throw ValidationError(
                    "no recorded episodes count\(patterns.isEmpty ? "" : " for " + patterns.joined(separator: ","))\(why); record some with 'medgym batch'")
            }
            if json { return try printJSON(board) }
            print(LeaderboardReport.render(board))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}

/// The board as terminal tables, at most 100 columns wide: one ranking per
/// fixture, then the overall ranking over the fixtures every group covers
/// (saying which are left out, and who lacks them), then its per-dimension
/// means. A name too long for its column is printed whole on a line of its own.
enum LeaderboardReport {
    static let nameWidth = 20

    static func render(_ board: Leaderboard) -> String {
        var lines = [
            "MedGym leaderboard · \(board.fixtures.count) fixture\(board.fixtures.count == 1 ? "" : "s") · ranked by mean composite"
                + (board.grouping == .fixture ? "" : " · per \(board.grouping.rawValue)\(board.grouping == .tier ? " band" : "")"),
            "95 % interval: bootstrap, 2,000 resamples per fixture, seeded",
        ]
        for ranking in board.perFixture {
            lines.append("")
            lines.append(PrintableText.terminal(ranking.fixture))
            lines += table(ranking.rows, passK: board.passK)
        }
        lines.append("")
        if board.rows.isEmpty {
            lines.append("overall: none — no fixture is covered by every agent, so no pooled ranking would be fair")
        } else {
            let over = board.overallFixtures.count == board.fixtures.count ? "all \(board.fixtures.count)" : "the \(board.overallFixtures.count)"
            lines.append(
                "overall: each agent's mean over \(over) fixture\(board.overallFixtures.count == 1 ? "" : "s") every agent covers, each fixture weighed alike")
            lines += table(board.rows, passK: board.passK)
        }
        for gap in board.notCovered {
            lines.append(
                PrintableText.terminal("  not in overall: \(gap.fixture) (no episodes of \(gap.missing.joined(separator: ", ")))"))
        }
        if !board.rows.isEmpty {
            lines.append("")
            lines.append("per-dimension means (overall):")
            let dims = ScoreDimension.allCases
            lines.append("    " + pad("agent", nameWidth) + dims.map { " " + TextLayout.padLeft(String($0.rawValue.prefix(7)), 7) }.joined())
            for row in board.rows {
                lines += named(row, row.dimensions.map { " " + TextLayout.padLeft(String(format: "%+.2f", $0.mean), 7) }.joined())
            }
        }
        lines.append("")
        lines.append("* the reference (expert). caught: the outcome is the fixture's caught_* label.")
        lines.append("ED, 30-d: deaths in the ED, and after it by 30 days (the post-ED course), counted apart.")
        lines.append("pass^k (tau-bench): per fixture C(c,k)/C(n,k) over its seeds, averaged.")
        lines += CheckedSelection.summary(board.leftOut).map(PrintableText.terminal)
        return lines.joined(separator: "\n")
    }

    static func table(_ rows: [Leaderboard.Row], passK: [Int]) -> [String] {
        let widths = [4, 7, 15, 6, 4, 4, 7] + passK.map { _ in 6 }
        func line(_ cells: [String]) -> String { zip(cells, widths).map { " " + TextLayout.padLeft($0, $1) }.joined() }
        var lines = ["    " + pad("agent", nameWidth) + line(["n", "mean", "95 % interval", "caught", "ED", "30-d", "harm≥hi"] + passK.map { "pass^\($0)" })]
        for row in rows {
            func percent(_ share: Double) -> String { String(format: "%.0f%%", share * 100) }
            let cells =
                [
                    String(row.episodes), String(format: "%+.2f", row.meanComposite),
                    String(format: "[%+.1f, %+.1f]", row.interval[0], row.interval[1]), percent(row.caughtRate),
                    percent(row.edDeathRate), percent(row.laterDeathRate), percent(row.severeHarmRate),
                ] + row.passK.map { $0.map { String(format: "%.2f", $0) } ?? "—" }
            lines += named(row, line(cells))
        }
        return lines
    }

    /// The rank and name, then `figures`; a name longer than its column on its own line first.
    static func named(_ row: Leaderboard.Row, _ figures: String) -> [String] {
        let rank = String(format: "%2d", row.rank) + (row.isReference ? "* " : "  ")
        let name = PrintableText.terminal(row.name)
        if name.count > nameWidth { return [rank + name, "    " + pad("", nameWidth) + figures] }
        return [rank + pad(name, nameWidth) + figures]
    }

    static func pad(_ text: String, _ width: Int) -> String { TextLayout.padRight(text, width) }
}

extension Leaderboard.Grouping: ExpressibleByArgument {}
