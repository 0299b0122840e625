import Foundation
import MedGym
import TraceStore

/// Renders a fork side by side: outcome, harm, each dimension and the
/// composite for the recorded run and the counterfactual, with Δ, then the
/// GRPO pair for the fork step.
public enum ForkReport {
    public static func render(_ fork: Fork) -> String {
        var lines: [String] = []
        lines.append("fork \(fork.parentID) at step \(fork.step) (minute \(fork.minute)) · \(fork.fixture) · seed \(fork.seed)")
        lines.append("continuation: \(fork.continuation.rawValue) — \(fork.continuation.measures)")
        let recorded = fork.recordedText.map { "\"\(PrintableText.terminal($0))\" → \(fork.recordedAction ?? "?")" } ?? "(no action)"
        lines.append(
            "  recorded arm:       \(recorded)" + (fork.continuation == .original ? " (the episode as recorded)" : ", then \(fork.continuation.rawValue)"))
        lines.append("  counterfactual arm: \"\(PrintableText.terminal(fork.alternateText))\" → \(fork.alternateAction), then \(fork.continuation.rawValue)")
        if fork.reproducesOriginal { lines.append("  (same action: the counterfactual trace is identical to the recorded one, event for event)") }
        lines.append("")
        lines.append(row("", "recorded", "counterfactual", "Δ"))
        lines.append(row("outcome", fork.actual.outcome, fork.counterfactual.outcome, fork.actual.outcome == fork.counterfactual.outcome ? "=" : "changed"))
        lines.append(row("fate (30 d draw)", fork.actual.fate?.status.rawValue ?? "?", fork.counterfactual.fate?.status.rawValue ?? "?", ""))
        lines.append(row("harm level", fork.actual.harmLevel.rawValue, fork.counterfactual.harmLevel.rawValue, ""))
        for d in fork.deltas {
            let name = d.dimension == .harm ? "harm points" : d.dimension.rawValue
            lines.append(row(name, signed(d.actual), signed(d.counterfactual), signed(d.delta)))
        }
        lines.append(row("composite", signed(fork.actual.composite), signed(fork.counterfactual.composite), signed(fork.deltaComposite)))
        lines.append("")
        let labels = fork.outcomeLabels
        lines.append(
            "outcome labels: \(labels.first ?? "caught") = \(fork.truthName) confirmed by a result and sent for its treatment; \(labels.last ?? "missed") = not confirmed or not acted on; death = died in the ED."
        )
        lines.append("harm level is the worst harm done (a missed lethal diagnosis counts); harm points sum only the scored harm items.")
        lines.append("")
        if let pair = fork.pair.pair {
            lines.append(
                "preference pair for training (same state, higher-reward action first; TRL chosen/rejected), step \(pair.step), seed \(pair.seed), continuation \(pair.continuation.rawValue):"
            )
            lines.append("  prompt:   observation before step \(pair.step), minute \(pair.prompt.minute): \(pair.prompt.vitals.summary)")
            if !pair.prompt.pending.isEmpty { lines.append("            pending: \(pair.prompt.pending.joined(separator: ", "))") }
            lines.append("  chosen:   \"\(pair.chosen)\"  reward \(signed(pair.chosenReward))")
            lines.append("  rejected: \"\(pair.rejected)\"  reward \(signed(pair.rejectedReward))")
        } else {
            lines.append("preference pair for training: none — \(fork.pair.note ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    /// The fork as a JSON-ready value (what `--json` prints).
    public static func document(_ fork: Fork, savedAs: String? = nil, samples: ForkSamples? = nil) -> ForkDocument {
        ForkDocument(
            parentID: fork.parentID, step: fork.step, minute: fork.minute, fixture: fork.fixture, seed: fork.seed,
            continuation: fork.continuation, measures: fork.continuation.measures,
            recordedText: fork.recordedText, recordedAction: fork.recordedAction,
            alternateText: fork.alternateText, alternateAction: fork.alternateAction,
            actual: Side(fork.actual), counterfactual: Side(fork.counterfactual),
            deltaComposite: fork.deltaComposite, dimensions: fork.deltas, preferencePair: fork.pair.pair,
            pairNote: fork.pair.note,
            counterfactualHeadHash: fork.events.last?.hash ?? "", reproducesOriginal: fork.reproducesOriginal,
            savedAs: savedAs, samples: samples)
    }

    /// The on-policy draws as a table: each draw's arms and Δ, then mean and spread.
    public static func render(_ samples: ForkSamples, step: Int) -> String {
        var lines = [
            "on-policy samples at step \(step): the recorded agent re-run \(samples.draws.count) times from the same state (draw 0 as recorded), continuing both arms"
        ]
        lines.append("draw      recorded   counterfactual        Δ   outcomes")
        for draw in samples.draws {
            lines.append(
                String(format: "%4d  %+12.2f  %+15.2f  %+7.2f   ", draw.sample, draw.recorded, draw.counterfactual, draw.delta)
                    + "\(draw.recordedOutcome) → \(draw.counterfactualOutcome)")
        }
        lines.append(String(format: "mean Δ %+.2f, spread (sd) %.2f over %d draws", samples.meanDelta, samples.spread, samples.draws.count))
        return lines.joined(separator: "\n")
    }

    static func signed(_ x: Double) -> String { TextLayout.signed(x, decimals: 2) }

    static func row(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
        let (pad, left) = (TextLayout.padRight, TextLayout.padLeft)
        return pad(a, 17) + left(b, 22) + left(c, 22) + left(d, 10)
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
    /// What comparing the two arms under this continuation measures.
    public var measures: String
    public var recordedText: String?
    public var recordedAction: String?
    public var alternateText: String
    public var alternateAction: String
    public var actual: Side
    public var counterfactual: Side
    public var deltaComposite: Double
    public var dimensions: [DimensionDelta]
    public var preferencePair: PreferencePair?
    /// Why there is no pair (a tie, or a contraindicated winner).
    public var pairNote: String?
    public var counterfactualHeadHash: String
    public var reproducesOriginal: Bool
    public var savedAs: String?
    /// The on-policy draws, with `--samples`.
    public var samples: ForkSamples?
}

/// Outcome, fate, harm and composite of one arm of a fork.
public struct Side: Sendable, Hashable, Codable {
    public var outcome: String
    public var outcomeText: String?
    public var fate: FateStatus?
    public var harmLevel: HarmLevel
    public var composite: Double

    init(_ card: ScoreCard) {
        outcome = card.outcome
        outcomeText = card.outcomeText
        fate = card.fate?.status
        harmLevel = card.harmLevel
        composite = card.composite
    }
}
