import Foundation
import MedGym

/// Self-contained HTML pages (inline CSS and SVG; no script, no network)
/// for post-mortems and diffs. Every piece of agent, model or fixture text
/// goes through ``escape(_:)``: a reply holding `<script>` shows as text.
public enum HTMLReport {
    /// Text made safe for HTML element content and quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static let style = """
        body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:62em;color:#1b1f24;padding:0 1em}
        h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.8em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
        table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eaeef2;padding:.25em .5em;text-align:left;vertical-align:top}
        .num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b42318}.good{color:#067647}.muted{color:#57606a}
        .box{background:#fff8f0;border-left:4px solid #d97706;padding:.6em 1em;margin:1em 0}.ok{background:#f0fdf4;border-left-color:#16a34a}
        .src{color:#57606a;font-size:.9em}code{background:#f6f8fa;padding:0 .2em}svg text{font-size:11px;fill:#57606a}
        """

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>\(escape(title))</title><style>\(style)</style></head>
        <body>
        \(body)
        </body></html>

        """
    }

    static func signed(_ x: Double) -> String { EpisodeFormatter.signed(x) }

    /// The post-mortem page.
    public static func postmortem(_ p: Postmortem) -> String {
        var b = "<h1>Post-mortem <code>\(escape(p.episodeID))</code></h1>\n"
        b += "<p class=\"muted\">\(escape(p.fixture)) · seed \(p.seed) · agent \(escape(p.agent))\(p.label.map { " (\(escape($0)))" } ?? "")</p>\n"
        if let pr = p.presentation {
            b += "<p><b>\(pr.age)\(escape(pr.sex)), \(escape(pr.chiefComplaint)).</b> \(escape(pr.triageNote))</p>\n"
        }
        let verdictClass = p.verdict == .good ? "good" : "bad"
        b +=
            "<p>Outcome <b class=\"\(verdictClass)\">\(escape(p.outcome))</b>\(p.outcomeText.map { " (\(escape($0)))" } ?? "") · harm \(escape(p.harmLevel.rawValue)) · composite <b>\(signed(p.composite))</b></p>\n"
        if let d = p.decisive {
            b +=
                "<div class=\"box\(p.verdict == .good ? " ok" : "")\"><b>Step \(d.step) · minute \(d.minute) · \(escape(d.kind.rawValue))</b><br>\(escape(d.why))"
            b +=
                "<p>If instead <b>\(escape(d.alternative))</b>:</p><table><tr><th>continuation</th><th class=\"num\">Δ composite</th><th>outcome</th><th>dimensions</th></tr>"
            for c in d.counterfactuals {
                let dims = c.deltas.map { "\(escape($0.dimension.rawValue)) \(signed($0.delta))" }.joined(separator: ", ")
                b +=
                    "<tr><td>\(escape(c.continuation.rawValue))</td><td class=\"num\">\(signed(c.delta))</td><td>\(escape(c.recordedOutcome)) → \(escape(c.outcome))</td><td>\(dims)</td></tr>"
            }
            b += "</table>"
            if let c = d.correction {
                b +=
                    "<p>Expert's correction: <b>\(escape(c.name))</b> — \(escape(c.rationale))<br><span class=\"src\">\(escape(c.source.description))</span></p>"
            }
            b += "</div>\n"
            if let original = d.counterfactuals.first(where: { $0.continuation == .original }) {
                b += "<h2>Per dimension: actual and with \(escape(d.alternative)) at step \(d.step) (continuation original)</h2>\n"
                b += dimensionBars(p.dimensions, counterfactual: original.deltas)
            }
        } else {
            b += "<h2>Per dimension</h2>\n" + dimensionBars(p.dimensions, counterfactual: [])
        }
        b += "<h2>Vital signs over sim minutes</h2>\n" + vitalsChart(p)
        b += "<h2>Critical steps (sweep)</h2>\n"
        if p.critical.isEmpty {
            b += "<p>None: no alternative gains at least 5 points at any step.</p>\n"
        } else {
            b += "<table><tr><th>step</th><th>minute</th><th>recorded</th><th>best alternative</th><th class=\"num\">Δ</th><th>outcome</th></tr>"
            for c in p.critical {
                b +=
                    "<tr><td>\(c.step)</td><td>\(c.minute)</td><td>\(escape(c.recordedText ?? "no action"))</td><td>\(escape(c.best))</td><td class=\"num\">\(signed(c.delta))</td><td>\(escape(c.outcome))</td></tr>"
            }
            b += "</table>\n"
        }
        b += "<h2>Answer-key items missed</h2>\n<table><tr><th>dimension</th><th class=\"num\">points</th><th>item</th><th>source</th></tr>"
        for item in p.missed {
            b +=
                "<tr><td>\(escape(item.dimension.rawValue))</td><td class=\"num\">\(signed(item.points))</td><td>\(escape(item.description))<br><span class=\"muted\">\(escape(item.detail))</span></td><td class=\"src\">\(escape(item.source.description))</td></tr>"
        }
        b += "</table>\n<h2>Trajectory</h2>\n<table><tr><th>step</th><th>min</th><th>agent wrote</th><th>action</th><th>response</th></tr>"
        for turn in p.trajectory {
            let action = turn.action.map(escape) ?? (turn.kind == .rejected ? "<span class=\"bad\">rejected</span>" : "—")
            b +=
                "<tr><td>\(turn.step)</td><td>\(turn.minute)</td><td>\(escape(turn.text ?? ""))</td><td>\(action)</td><td>\(escape(turn.response ?? ""))</td></tr>"
        }
        b +=
            "</table>\n<h2>Orders and results</h2>\n<table><tr><th>order</th><th class=\"num\">ordered</th><th class=\"num\">result</th><th class=\"num\">turnaround</th><th>result</th></tr>"
        for o in p.orders {
            b +=
                "<tr><td>\(escape(o.action))</td><td class=\"num\">\(o.orderedAt)</td><td class=\"num\">\(o.resultAt.map(String.init) ?? "—")</td><td class=\"num\">\(o.turnaround.map { "\($0) min" } ?? "—")</td><td>\(escape(o.result ?? ""))</td></tr>"
        }
        b += "</table>\n<h2>Every point</h2>\n<table><tr><th>dimension</th><th class=\"num\">points</th><th>item</th><th>source</th></tr>"
        for item in p.items {
            b +=
                "<tr><td>\(escape(item.dimension.rawValue))</td><td class=\"num\">\(signed(item.points))</td><td>\(escape(item.description)): \(escape(item.detail))</td><td class=\"src\">\(escape(item.source.description))</td></tr>"
        }
        b += "</table>\n"
        return page(title: "Post-mortem \(p.episodeID)", body: b)
    }

    /// Horizontal bars per dimension: the actual points (solid) and, when given, the counterfactual's (outline).
    static func dimensionBars(_ dimensions: [DimensionScore], counterfactual: [DimensionDelta]) -> String {
        let rowHeight = 22
        let labelWidth = 120
        let scale = 8.0
        let zero = labelWidth + 110
        let height = dimensions.count * rowHeight + 10
        var s = "<svg width=\"620\" height=\"\(height)\" role=\"img\" aria-label=\"points per dimension\">"
        s += "<line x1=\"\(zero)\" y1=\"0\" x2=\"\(zero)\" y2=\"\(height)\" stroke=\"#8c959f\"/>"
        for (i, dim) in dimensions.enumerated() {
            let y = i * rowHeight + 5
            let actual = dim.points
            let cf = actual + (counterfactual.first { $0.dimension == dim.dimension }?.delta ?? 0)
            func bar(_ value: Double, fill: String, stroke: String) -> String {
                let w = abs(value) * scale
                let x = value >= 0 ? Double(zero) : Double(zero) - w
                return "<rect x=\"\(Int(x))\" y=\"\(y)\" width=\"\(max(1, Int(w)))\" height=\"14\" fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
            }
            s += "<text x=\"0\" y=\"\(y + 11)\">\(escape(dim.dimension.rawValue))</text>"
            s += bar(actual, fill: actual >= 0 ? "#93c5fd" : "#fca5a5", stroke: "none")
            if !counterfactual.isEmpty, cf != actual { s += bar(cf, fill: "none", stroke: "#1d4ed8") }
            s +=
                "<text x=\"\(zero + 130)\" y=\"\(y + 11)\">\(signed(actual))\(cf != actual ? " → \(signed(cf))" : "") of \(PostmortemReport.number(dim.max))</text>"
        }
        return s + "</svg>\n"
    }

    /// HR, SBP, DBP, SpO2 and RR over sim minutes; alerts as red ticks, actions as grey ticks (hover for text).
    static func vitalsChart(_ p: Postmortem) -> String {
        guard let last = p.vitals.last else { return "<p>No observations.</p>\n" }
        let width = 640.0
        let height = 240.0
        let left = 40.0
        let right = 10.0
        let top = 10.0
        let bottom = 30.0
        let maxMinute = Double(max(1, last.minute))
        let maxValue = 220.0
        func x(_ minute: Int) -> Double { left + Double(minute) / maxMinute * (width - left - right) }
        func y(_ value: Double) -> Double { top + (1 - value / maxValue) * (height - top - bottom) }
        var s = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"vital signs\">"
        for v in stride(from: 0, through: 200, by: 50) {
            s +=
                "<line x1=\"\(left)\" y1=\"\(y(Double(v)))\" x2=\"\(width - right)\" y2=\"\(y(Double(v)))\" stroke=\"#eaeef2\"/><text x=\"4\" y=\"\(y(Double(v)) + 4)\">\(v)</text>"
        }
        let series: [(String, String, (ObservedVitals) -> Double)] = [
            ("HR", "#dc2626", { Double($0.hr) }), ("SBP", "#2563eb", { Double($0.sbp) }), ("DBP", "#60a5fa", { Double($0.dbp) }),
            ("SpO2", "#16a34a", { Double($0.spo2) }), ("RR", "#9333ea", { Double($0.rr) }),
        ]
        for (index, (name, color, value)) in series.enumerated() {
            let points = p.vitals.map { "\(Int(x($0.minute))),\(Int(y(value($0.vitals))))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(points)\"/>"
            s += "<text x=\"\(Int(left) + 10 + index * 60)\" y=\"\(Int(height) - 4)\" style=\"fill:\(color)\">\(name)</text>"
        }
        for turn in p.trajectory where turn.kind == .action {
            s +=
                "<line x1=\"\(x(turn.minute))\" y1=\"\(height - bottom)\" x2=\"\(x(turn.minute))\" y2=\"\(height - bottom + 6)\" stroke=\"#8c959f\"><title>step \(turn.step), minute \(turn.minute): \(escape(turn.text ?? ""))</title></line>"
        }
        for alert in p.alerts {
            s +=
                "<line x1=\"\(x(alert.minute))\" y1=\"\(top)\" x2=\"\(x(alert.minute))\" y2=\"\(height - bottom)\" stroke=\"#dc2626\" stroke-dasharray=\"3,3\"><title>minute \(alert.minute): \(escape(alert.text))</title></line>"
        }
        if let d = p.decisive {
            s +=
                "<line x1=\"\(x(d.minute))\" y1=\"\(top)\" x2=\"\(x(d.minute))\" y2=\"\(height - bottom)\" stroke=\"#d97706\" stroke-width=\"2\"><title>step \(d.step): \(escape(d.recordedText ?? ""))</title></line>"
        }
        s += "<text x=\"\(Int(width - right) - 80)\" y=\"\(Int(height) - 4)\">minute \(last.minute)</text>"
        return s
            + "</svg>\n<p class=\"muted\">Grey ticks: the agent's actions; red dashes: alerts; orange: step \(p.decisive.map { String($0.step) } ?? "—").</p>\n"
    }

    /// The diff page: verdict, per-dimension mean changes with interval whiskers, the spread of pair changes, transitions.
    public static func diff(_ d: ModelDiff) -> String {
        var b = "<h1>Diff: <code>\(escape(d.baseline))</code> → <code>\(escape(d.candidate))</code></h1>\n"
        b +=
            "<p class=\"muted\">\(d.pairs) pairs (same fixture, same seed) on \(escape(d.fixtures.joined(separator: ", "))); paired bootstrap, 95 % intervals, \(ModelDiff.resamples) resamples, seeded.</p>\n"
        let verdictClass = d.verdict == .better ? "good" : d.verdict == .worse ? "bad" : "muted"
        b +=
            "<p>Verdict: <b class=\"\(verdictClass)\">\(escape(d.verdict.rawValue))</b> · composite \(DiffReport.interval(d.composite)) · \(d.regressions.count) regression\(d.regressions.count == 1 ? "" : "s"), \(d.improvements.count) improvement\(d.improvements.count == 1 ? "" : "s")</p>\n"
        // Mean change per dimension with whiskers.
        let rows = d.dimensions.map { ($0.dimension.rawValue, $0.change) } + [("composite", d.composite)]
        let extent = max(1, rows.flatMap { [abs($0.1.interval[0]), abs($0.1.interval[1]), abs($0.1.mean)] }.max() ?? 1)
        let zero = 300.0
        let scale = 160.0 / extent
        var s = "<svg width=\"640\" height=\"\(rows.count * 22 + 10)\" role=\"img\" aria-label=\"mean change per dimension\">"
        s += "<line x1=\"\(zero)\" y1=\"0\" x2=\"\(zero)\" y2=\"\(rows.count * 22 + 10)\" stroke=\"#8c959f\"/>"
        for (i, (name, change)) in rows.enumerated() {
            let y = Double(i * 22 + 5)
            let w = abs(change.mean) * scale
            let x = change.mean >= 0 ? zero : zero - w
            s += "<text x=\"0\" y=\"\(y + 11)\">\(escape(name))</text>"
            s += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(max(1, w))\" height=\"14\" fill=\"\(change.mean >= 0 ? "#86efac" : "#fca5a5")\"/>"
            s +=
                "<line x1=\"\(zero + change.interval[0] * scale)\" y1=\"\(y + 7)\" x2=\"\(zero + change.interval[1] * scale)\" y2=\"\(y + 7)\" stroke=\"#1b1f24\"/>"
            s += "<text x=\"480\" y=\"\(y + 11)\">\(escape(DiffReport.interval(change)))</text>"
        }
        b += "<h2>Mean change per dimension (candidate − baseline)</h2>\n" + s + "</svg>\n"
        // The spread: one dot per pair.
        let spreadExtent = max(1, d.spread.map { abs($0.delta) }.max() ?? 1)
        var dots =
            "<svg width=\"640\" height=\"70\" role=\"img\" aria-label=\"change per pair\"><line x1=\"320\" y1=\"5\" x2=\"320\" y2=\"50\" stroke=\"#8c959f\"/>"
        for (i, pair) in d.spread.enumerated() {
            let x = 320 + pair.delta / spreadExtent * 300
            let y = 15 + Double(i % 5) * 7
            dots +=
                "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"3\" fill=\"\(pair.delta >= 0 ? "#16a34a" : "#dc2626")\"><title>\(escape(pair.fixture)) seed \(pair.seed): \(EpisodeFormatter.signed(pair.delta))</title></circle>"
        }
        dots +=
            "<text x=\"10\" y=\"66\">\(EpisodeFormatter.signed(-spreadExtent))</text><text x=\"590\" y=\"66\">\(EpisodeFormatter.signed(spreadExtent))</text></svg>\n"
        b += "<h2>The spread: composite change per pair</h2>\n" + dots
        for (title, list) in [("Regressions: patients the candidate loses", d.regressions), ("Improvements", d.improvements)] {
            b += "<h2>\(title) (\(list.count))</h2>\n"
            if list.isEmpty {
                b += "<p>None.</p>\n"
                continue
            }
            b += "<table><tr><th>fixture · seed</th><th>baseline</th><th>candidate</th><th class=\"num\">Δ</th><th>where they part</th></tr>"
            for t in list {
                var part = "—"
                if let dv = t.divergence {
                    part = "step \(dv.step): \(escape(dv.baselineAction ?? "stopped")) vs \(escape(dv.candidateAction ?? "stopped"))"
                    if let delta = dv.forkDelta { part += "; baseline's action gives Δ \(EpisodeFormatter.signed(delta)) (\(escape(dv.forkOutcome ?? "")))" }
                }
                if let dc = t.decisive {
                    part +=
                        "<br>went wrong at step \(dc.step) (\(escape(dc.kind.rawValue))): “\(escape(dc.recordedText ?? "no action"))”; \(escape(dc.alternative)) there: Δ \(dc.delta.map(EpisodeFormatter.signed) ?? "?")"
                }
                b +=
                    "<tr><td>\(escape(t.fixture)) · \(t.seed)</td><td>\(escape(t.baselineOutcome)) · \(escape(t.baselineHarm.rawValue))</td><td>\(escape(t.candidateOutcome)) · \(escape(t.candidateHarm.rawValue))</td><td class=\"num\">\(EpisodeFormatter.signed(t.delta))</td><td>\(part)</td></tr>"
            }
            b += "</table>\n"
        }
        b +=
            "<p>\(d.unchanged) pairs with the same outcome and harm. Unpaired: \(d.unpairedBaseline.count) baseline, \(d.unpairedCandidate.count) candidate.</p>\n"
        for line in CheckedSelection.summary(d.leftOut) { b += "<p class=\"bad\">\(escape(line))</p>\n" }
        return page(title: "Diff \(d.baseline) → \(d.candidate)", body: b)
    }
}
