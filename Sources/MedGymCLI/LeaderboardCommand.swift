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

    @Option(help: "Trace store file (default: $MEDGYM_STORE, else traces/medgym.sqlite).")
    var store: String?

    @Flag(help: "Print the board as JSON.")
    var json = false

    @Option(help: "Count only episodes signed by a key in this file (one 'medgym-ed25519 BASE64' a line).")
    var trust: String?

    func validate() throws {
        if fixture != nil && fixtures != nil { throw ValidationError("give --fixture or --fixtures, not both") }
    }

    func run() throws {
        do {
            let (opened, imports) = try StoreLocation(option: store).open(create: false, readOnly: true)
            for note in imports { FileHandle.standardError.write(Data("\(note)\n".utf8)) }
            let patterns = fixture.map { [$0] } ?? fixtures.map { $0.split(separator: ",").map(String.init) } ?? []
            let board = try Leaderboard.build(store: opened, fixtures: patterns, trust: try trust.map(TrustedKeys.load))
            guard !board.rows.isEmpty else {
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

/// The board as a terminal table with bars for the mean composite (and its interval).
enum LeaderboardReport {
    static func render(_ board: Leaderboard) -> String {
        let low = min(0, board.rows.map { $0.interval[0] }.min() ?? 0)
        let high = max(100, board.rows.map { $0.interval[1] }.max() ?? 100)
        let width = 30
        func column(_ x: Double) -> Int { Int(((x - low) / (high - low) * Double(width - 1)).rounded()) }
        let nameWidth = min(48, max(12, board.rows.map(\.name.count).max() ?? 12))
        var lines = ["fixtures: \(board.fixtures.joined(separator: ", ")) · mean composite with 95 % bootstrap interval (2,000 resamples, seeded)"]
        let passHeader = board.passK.map { "pass^\($0)" }.map { $0.padding(toLength: 7, withPad: " ", startingAt: 0) }.joined(separator: " ")
        lines.append(
            "agent".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + "     n     mean  interval          " + String(repeating: " ", count: width)
                + "  caught  ED death  30-d death  harm≥high  " + passHeader)
        for row in board.rows {
            var bar = Array(repeating: Character(" "), count: width)
            for i in column(row.interval[0])...max(column(row.interval[0]), column(row.interval[1])) { bar[i] = "─" }
            bar[column(row.meanComposite)] = "█"
            if low < 0 { bar[column(0)] = bar[column(0)] == " " ? "┆" : bar[column(0)] }
            let name = PrintableText.terminal(row.isReference ? row.name + " (reference)" : row.name)
            let pass = row.passK.map { $0.map { String(format: "%.2f", $0) } ?? "—" }
                .map { $0.padding(toLength: 7, withPad: " ", startingAt: 0) }.joined(separator: " ")
            lines.append(
                clip(name, nameWidth).padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                    + String(format: "%6d  %+7.2f  [%+7.2f, %+7.2f]  ", row.episodes, row.meanComposite, row.interval[0], row.interval[1])
                    + String(bar)
                    + String(
                        format: "  %5.0f%%  %7.0f%%  %9.0f%%  %8.0f%%  ", row.caughtRate * 100, row.edDeathRate * 100, row.laterDeathRate * 100,
                        row.severeHarmRate * 100)
                    + pass)
        }
        lines.append("")
        lines.append("per-dimension means:")
        let dims = ScoreDimension.allCases
        lines.append(
            "agent".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + dims.map { $0.rawValue.prefix(9).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
        for row in board.rows {
            lines.append(
                clip(PrintableText.terminal(row.name), nameWidth).padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                    + row.dimensions.map { String(format: "%+8.2f  ", $0.mean) }.joined())
        }
        lines.append("")
        lines.append("caught: the outcome is the fixture's caught_* label; pass^k (tau-bench): per fixture C(c,k)/C(n,k) over its seeds, averaged.")
        lines += CheckedSelection.summary(board.leftOut).map(PrintableText.terminal)
        return lines.joined(separator: "\n")
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}
