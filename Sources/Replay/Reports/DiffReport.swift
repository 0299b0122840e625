import Foundation
import MedGym

/// A ``ModelDiff`` as text for the terminal or as Markdown.
public enum DiffReport {
    public static func text(_ d: ModelDiff) -> String { render(d, markdown: false) }
    public static func markdown(_ d: ModelDiff) -> String { render(d, markdown: true) }

    static func interval(_ c: ModelDiff.Change) -> String {
        "\(EpisodeFormatter.signed(c.mean)) [\(EpisodeFormatter.signed(c.interval[0])), \(EpisodeFormatter.signed(c.interval[1]))]"
    }

    static func transition(_ t: ModelDiff.Transition, markdown md: Bool) -> String {
        func safe(_ text: String) -> String { md ? PrintableText.markdown(text) : PrintableText.terminal(text) }
        var line =
            "\(t.fixture) seed \(t.seed): \(t.baselineOutcome) (harm \(t.baselineHarm.rawValue)) → \(t.candidateOutcome) (harm \(t.candidateHarm.rawValue)), Δ \(EpisodeFormatter.signed(t.delta)) · \(t.baselineEpisode) → \(t.candidateEpisode)"
        if let d = t.divergence {
            line += "\n    parts at step \(d.step): baseline \(d.baselineAction ?? "stopped"), candidate \(d.candidateAction ?? "stopped")"
            if let delta = d.forkDelta {
                line += "; the baseline's action there gives the candidate Δ \(EpisodeFormatter.signed(delta)) (\(d.forkOutcome ?? "?"))"
            }
        }
        if let d = t.decisive {
            line +=
                "\n    went wrong at step \(d.step) (\(d.kind)): \"\(safe(d.recordedText ?? "no action"))\"; \(d.alternative) there: Δ \(d.delta.map(EpisodeFormatter.signed) ?? "?")"
        }
        return line
    }

    static func render(_ d: ModelDiff, markdown md: Bool) -> String {
        var out: [String] = []
        func heading(_ text: String) {
            out.append("")
            out.append(md ? "## \(text)" : text.uppercased())
        }
        func safe(_ text: String) -> String { md ? PrintableText.markdown(text) : PrintableText.terminal(text) }
        out.append((md ? "# " : "") + "Diff: baseline \(safe(d.baseline)) → candidate \(safe(d.candidate))")
        out.append("")
        out.append(
            "\(d.pairs) pairs (same fixture, same seed) on \(d.fixtures.joined(separator: ", ")); paired bootstrap, \(Int(d.level * 100)) % intervals, \(ModelDiff.resamples) resamples, seeded"
        )
        out.append("verdict: \(d.verdict.rawValue) (composite \(interval(d.composite)))")
        heading("Mean change per dimension (candidate − baseline)")
        if md {
            out.append("| dimension | mean Δ | 95 % interval |")
            out.append("| --- | --- | --- |")
        }
        for dim in d.dimensions {
            out.append(
                md
                    ? "| \(dim.dimension.rawValue) | \(EpisodeFormatter.signed(dim.change.mean)) | [\(EpisodeFormatter.signed(dim.change.interval[0])), \(EpisodeFormatter.signed(dim.change.interval[1]))] |"
                    : "  " + dim.dimension.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0) + interval(dim.change))
        }
        out.append(
            md
                ? "| **composite** | **\(EpisodeFormatter.signed(d.composite.mean))** | [\(EpisodeFormatter.signed(d.composite.interval[0])), \(EpisodeFormatter.signed(d.composite.interval[1]))] |"
                : "  " + "composite".padding(toLength: 15, withPad: " ", startingAt: 0) + interval(d.composite))
        heading("Regressions: patients the candidate loses (\(d.regressions.count))")
        if d.regressions.isEmpty { out.append(md ? "none" : "  none") }
        for t in d.regressions { out.append((md ? "- " : "  ") + transition(t, markdown: md)) }
        heading("Improvements (\(d.improvements.count))")
        if d.improvements.isEmpty { out.append(md ? "none" : "  none") }
        for t in d.improvements { out.append((md ? "- " : "  ") + transition(t, markdown: md)) }
        out.append("")
        out.append("\(d.unchanged) pair\(d.unchanged == 1 ? "" : "s") with the same outcome and harm")
        if !d.unpairedBaseline.isEmpty || !d.unpairedCandidate.isEmpty {
            heading("Unpaired (no episode of the other side on that fixture and seed)")
            if !d.unpairedBaseline.isEmpty { out.append((md ? "" : "  ") + "baseline: " + d.unpairedBaseline.joined(separator: ", ")) }
            if !d.unpairedCandidate.isEmpty { out.append((md ? "" : "  ") + "candidate: " + d.unpairedCandidate.joined(separator: ", ")) }
        }
        let leftOut = CheckedSelection.summary(d.leftOut)
        if !leftOut.isEmpty {
            heading("Not counted")
            for line in leftOut { out.append((md ? "- " : "  ") + (md ? PrintableText.markdown(line) : PrintableText.terminal(line))) }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
