import Foundation
import MedGym

/// A ``Postmortem`` as text for the terminal or as Markdown.
public enum PostmortemReport {
    public static func text(_ p: Postmortem) -> String { render(p, markdown: false) }
    public static func markdown(_ p: Postmortem) -> String { render(p, markdown: true) }

    static func render(_ p: Postmortem, markdown md: Bool) -> String {
        var out: [String] = []
        func heading(_ text: String) {
            out.append("")
            out.append(md ? "## \(text)" : text.uppercased())
        }
        func line(_ text: String) { out.append(md ? text : "  " + text) }
        let signed = EpisodeFormatter.signed
        // What the agent wrote (and who says it is) is shown, never interpreted.
        func safe(_ text: String) -> String { md ? PrintableText.markdown(text) : PrintableText.terminal(text) }
        out.append(
            (md ? "# " : "") + "Post-mortem \(p.episodeID) · \(p.fixture) · seed \(p.seed) · agent \(safe(p.agent))"
                + (p.label.map { " (\(safe($0)))" } ?? ""))
        if let pr = p.presentation {
            out.append("")
            out.append("\(pr.age)\(pr.sex), \(pr.chiefComplaint). Triage: \(pr.triageNote)")
        }
        out.append("")
        out.append(
            "Outcome \(p.outcome)" + (p.outcomeText.map { " (\($0))" } ?? "") + " · harm \(p.harmLevel.rawValue) · composite \(signed(p.composite))"
                + (p.verdict == .good ? " · good care: no red flag missed, no serious harm" : " · care missed what mattered"))

        if let d = p.decisive {
            heading(d.kind == .prematureClosure ? "Where it went wrong: step \(d.step)" : "The closest call: step \(d.step)")
            line("step \(d.step) · minute \(d.minute) · \(d.kind): \(safe(d.why))")
            line("if instead \(d.alternative):")
            for c in d.counterfactuals {
                let dims = c.deltas.map { "\($0.dimension.rawValue) \(signed($0.delta))" }.joined(separator: ", ")
                line(
                    (md ? "- " : "  ") + "continue \(c.continuation.rawValue): Δ \(signed(c.delta)), \(c.recordedOutcome) → \(c.outcome)"
                        + (dims.isEmpty ? "" : " (\(dims))"))
            }
            if let c = d.correction {
                line("expert's correction: \(c.name) (\(c.action)): \(c.rationale)")
                line("  source: \(c.source.description)")
            }
        }

        heading("Critical steps (sweep: answer-key actions at every step, continuation original)")
        if p.critical.isEmpty { line("none: no alternative gains at least 5 points at any step") }
        for c in p.critical {
            line(
                (md ? "- " : "")
                    + "step \(c.step) · minute \(c.minute) · \"\(safe(c.recordedText ?? "no action"))\" → \(c.best): Δ \(signed(c.delta)), \(c.outcome)")
        }

        heading("Answer-key items missed")
        if p.missed.isEmpty { line("none") }
        for item in p.missed {
            line((md ? "- " : "") + "\(item.dimension.rawValue) \(signed(item.points)) · \(item.description) · \(safe(item.detail))")
            line((md ? "  " : "    ") + "source: \(item.source.description)")
        }

        heading("Score: nine dimensions")
        if md {
            out.append("| dimension | points | max |")
            out.append("| --- | --- | --- |")
        }
        for dim in p.dimensions {
            out.append(
                md
                    ? "| \(dim.dimension.rawValue) | \(signed(dim.points)) | \(number(dim.max)) |"
                    : "  " + dim.dimension.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0) + signed(dim.points).leftPad(8)
                        + number(dim.max).leftPad(8))
        }
        heading("Every point, with its answer-key item and source")
        for item in p.items {
            line(
                (md ? "- " : "") + "\(item.dimension.rawValue) \(signed(item.points)) · \(item.description): \(safe(item.detail)) [\(item.source.description)]")
        }

        heading("Timeline")
        var vitalsAt: [Int: Postmortem.VitalsPoint] = [:]
        for v in p.vitals { vitalsAt[v.step] = v }
        if let first = p.vitals.first { line("min \(pad(first.minute)) arrival  \(first.vitals.summary)") }
        for turn in p.trajectory {
            let what: String
            switch turn.kind {
            case .action: what = "step \(turn.step)  \(safe(turn.text ?? ""))  → \(turn.action ?? "")"
            case .rejected: what = "step \(turn.step)  \(safe(turn.text ?? ""))  ✗ rejected"
            case .agentError: what = "step \(turn.step)  ✗ agent error"
            case .none: what = "step \(turn.step)  (no action)"
            }
            line("min \(pad(turn.minute)) \(what)")
            if let response = turn.response { line("           ↳ \(safe(response))") }
            if turn.kind == .action || turn.kind == .none, let v = vitalsAt[turn.step] { line("           \(v.vitals.summary)") }
        }
        for alert in p.alerts { line("⚠ min \(pad(alert.minute)) \(alert.text)") }

        heading("Orders and results")
        if p.orders.isEmpty { line("none") }
        for order in p.orders {
            let result = order.resultAt.map { "result at minute \($0) (\(order.turnaround ?? 0) min): \(order.result ?? "")" } ?? "no result before the end"
            line((md ? "- " : "") + "\(order.action): ordered at minute \(order.orderedAt), \(result)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func number(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
    static func pad(_ minute: Int) -> String { String(minute).leftPad(3) }
}

extension String {
    func leftPad(_ width: Int) -> String { TextLayout.padLeft(self, width) }
}
