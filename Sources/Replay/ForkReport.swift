import Foundation
import MedGym
import TraceStore

/// Renders a fork side by side: outcome, harm, each dimension and the
/// composite for the recorded run and the counterfactual, with Δ, then the
/// GRPO pair for the fork step.
public enum ForkReport {
    public static func render(_ fork: Fork) -> String {
        var lines: [String] = []
        lines.append("fork \(fork.parentID) at step \(fork.step) (minute \(fork.minute)) · \(fork.fixture) · seed \(fork.seed) · continue \(fork.continuation.rawValue)")
        let recorded = fork.recordedText.map { "\"\($0)\" → \(fork.recordedAction ?? "?")" } ?? "(no action)"
        lines.append("  recorded:       \(recorded)")
        lines.append("  counterfactual: \"\(fork.alternateText)\" → \(fork.alternateAction)")
        if fork.reproducesOriginal { lines.append("  (same action: the counterfactual trace is identical to the recorded one, event for event)") }
        lines.append("")
        lines.append(row("", "actual", "counterfactual", "Δ"))
        lines.append(row("outcome", fork.actual.outcome, fork.counterfactual.outcome, fork.actual.outcome == fork.counterfactual.outcome ? "=" : "changed"))
        lines.append(row("harm", fork.actual.harmLevel.rawValue, fork.counterfactual.harmLevel.rawValue, ""))
        for d in fork.deltas {
            lines.append(row(d.dimension.rawValue, signed(d.actual), signed(d.counterfactual), signed(d.delta)))
        }
        lines.append(row("composite", signed(fork.actual.composite), signed(fork.counterfactual.composite), signed(fork.deltaComposite)))
        lines.append("")
        let pair = fork.grpoPair
        if pair.tie {
            lines.append("GRPO pair for step \(pair.step) (seed \(pair.seed)): tie at \(signed(pair.chosenReward)), no preference")
        } else {
            lines.append("GRPO pair for step \(pair.step) (seed \(pair.seed)):")
            lines.append("  prompt:   observation at step \(pair.step), minute \(pair.prompt.minute): \(pair.prompt.vitals.summary)")
            if !pair.prompt.pending.isEmpty { lines.append("            pending: \(pair.prompt.pending.joined(separator: ", "))") }
            lines.append("  chosen:   \"\(pair.chosen)\"  reward \(signed(pair.chosenReward))")
            lines.append("  rejected: \"\(pair.rejected)\"  reward \(signed(pair.rejectedReward))")
        }
        return lines.joined(separator: "\n")
    }

    /// The fork as a JSON-ready value (what `--json` prints).
    public static func document(_ fork: Fork, savedAs: String? = nil) -> ForkDocument {
        ForkDocument(
            parentID: fork.parentID, step: fork.step, minute: fork.minute, fixture: fork.fixture, seed: fork.seed,
            continuation: fork.continuation, recordedText: fork.recordedText, recordedAction: fork.recordedAction,
            alternateText: fork.alternateText, alternateAction: fork.alternateAction,
            actual: Side(outcome: fork.actual.outcome, harmLevel: fork.actual.harmLevel, composite: fork.actual.composite),
            counterfactual: Side(outcome: fork.counterfactual.outcome, harmLevel: fork.counterfactual.harmLevel,
                                 composite: fork.counterfactual.composite),
            deltaComposite: fork.deltaComposite, dimensions: fork.deltas, grpoPair: fork.grpoPair,
            counterfactualHeadHash: fork.events.last?.hash ?? "", reproducesOriginal: fork.reproducesOriginal,
            savedAs: savedAs)
    }

    static func signed(_ x: Double) -> String { x > 0 ? "+" + String(format: "%.2f", x) : String(format: "%.2f", x) }

    static func row(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : s + String(repeating: " ", count: w - s.count) }
        func left(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        return pad(a, 15) + left(b, 12) + left(c, 16) + left(d, 10)
    }
}

/// `replay fork --json`.
public struct ForkDocument: Sendable, Hashable, Codable {
    public var parentID: String
    public var step: Int
    public var minute: Int
    public var fixture: String
    public var seed: UInt64
    public var continuation: ForkContinuation
    public var recordedText: String?
    public var recordedAction: String?
    public var alternateText: String
    public var alternateAction: String
    public var actual: Side
    public var counterfactual: Side
    public var deltaComposite: Double
    public var dimensions: [DimensionDelta]
    public var grpoPair: GRPOPair
    public var counterfactualHeadHash: String
    public var reproducesOriginal: Bool
    public var savedAs: String?
}

/// Outcome, harm and composite of one side of a fork.
public struct Side: Sendable, Hashable, Codable {
    public var outcome: String
    public var harmLevel: HarmLevel
    public var composite: Double
}
