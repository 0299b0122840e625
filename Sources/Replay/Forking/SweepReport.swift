import Foundation
import MedGym

/// A sweep as a table a person reads: per step the recorded action, the best
/// and worst candidate with their Δ, the regret, ⚠ on critical steps, then
/// what the best alternative changes at each critical step.
public enum SweepReport {
    public static func render(_ sweep: Sweep) -> String {
        var lines: [String] = []
        lines.append("sweep \(sweep.episodeID) · \(sweep.fixture) · seed \(sweep.seed) · \(sweep.candidates.count) candidates × \(sweep.steps.count) steps")
        lines.append("continuation: \(sweep.continuation.rawValue) — \(sweep.continuation.measures)")
        lines.append("")
        lines.append(row("step", "min", "recorded", "composite", "best alternative", "Δ", "worst alternative", "Δ", "regret"))
        for step in sweep.steps {
            lines.append(
                row(
                    String(step.step), String(step.minute), clip(PrintableText.terminal(step.recordedText ?? "(no action)"), 26),
                    signed(step.recordedComposite),
                    clip(step.best?.text ?? "—", 22), step.best.map { signed($0.delta) } ?? "",
                    clip(step.worst?.text ?? "—", 22), step.worst.map { signed($0.delta) } ?? "",
                    String(format: "%.2f", step.regret)) + (step.critical ? "  ⚠" : ""))
        }
        lines.append("")
        if sweep.critical.isEmpty {
            lines.append("critical steps: none (no step's regret reaches \(Int(Sweeper.criticalMinimum)) points)")
        } else {
            lines.append(
                "critical steps: \(sweep.critical.map(String.init).joined(separator: ", ")) (regret at least \(Int(Sweeper.criticalShare * 100)) % of the largest and at least \(Int(Sweeper.criticalMinimum)) points)"
            )
            for step in sweep.steps where step.critical {
                guard let best = step.best else { continue }
                let moved = step.bestDeltas.filter { $0.delta != 0 }
                    .map { "\($0.dimension.rawValue) \(signed($0.delta))" }.joined(separator: ", ")
                lines.append(
                    "  step \(step.step) · \"\(PrintableText.terminal(step.recordedText ?? "(no action)"))\" → \(best.text): Δ \(signed(best.delta)) (\(moved)); outcome \(best.score.outcome)"
                )
            }
        }
        let contraindicated = sweep.steps.reduce(0) { $0 + $1.alternatives.filter { $0.contraindication != nil }.count }
        if contraindicated > 0 {
            lines.append("\(contraindicated) contraindicated candidate arms were scored but never taken as the best")
        }
        return lines.joined(separator: "\n")
    }

    static func row(_ cells: String...) -> String {
        let widths = [4, 4, 27, 10, 23, 8, 23, 8, 7]
        return zip(cells, widths).enumerated().map { index, pair in
            let (cell, width) = pair
            let padded = String(repeating: " ", count: max(0, width - cell.count))
            return [0, 1, 3, 5, 7, 8].contains(index) ? padded + cell : cell + padded
        }.joined(separator: " ")
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    static func signed(_ x: Double) -> String { EpisodeFormatter.signed(x) }
}
