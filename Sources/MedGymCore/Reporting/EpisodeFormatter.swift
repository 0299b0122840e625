/// Renders episodes and score cards as readable text tables.
public enum EpisodeFormatter {
    /// The step-by-step trajectory: minute, action, what came back, alerts.
    public static func trajectory(_ episode: Episode, catalog: ActionCatalog) -> String {
        var lines: [String] = []
        let first = episode.initialObservation
        if let p = first.presentation {
            lines.append("\(episode.fixtureID) · seed \(episode.seed) · agent \(episode.agentID)")
            lines.append("\(p.age)\(p.sex), \(p.chiefComplaint). \(p.triageNote)")
        }
        lines.append("min   0  arrival        \(first.vitals.summary)")
        for step in episode.steps {
            for rejection in episode.rejections where rejection.step == step.step {
                lines.append(
                    String(format: "min %3d  step %2d  ", rejection.minute, rejection.step)
                        + "\(PrintableText.terminal(rejection.text))  ✗ \(PrintableText.terminal("\(rejection.error)"))")
            }
            for failed in episode.agentFailures where failed.step == step.step {
                lines.append(String(format: "min %3d  step %2d  ", failed.minute, failed.step) + "✗ \(failed.failure)")
            }
            let r = step.result
            let started = r.events.first?.minute ?? r.observation.minute
            let label = step.text.map(PrintableText.terminal) ?? "(no further action)"
            let canonical = catalog[r.action]?.id ?? r.action
            lines.append(String(format: "min %3d  step %2d  ", started, step.step) + label + (canonical != label ? "  → \(canonical)" : ""))
            if let response = r.observation.response, catalog[r.action]?.kind.isOrder != true {
                lines.append("                    ↳ \(response)")
            }
            for event in r.events {
                switch event.kind {
                case .resultArrived:
                    lines.append(String(format: "                    ✓ min %3d result ", event.minute) + "\(event.action ?? ""): \(event.text ?? "")")
                case .alert:
                    lines.append(String(format: "                    ⚠ min %3d ", event.minute) + (event.text ?? ""))
                case .warning:
                    lines.append("                    ! \(event.text ?? "")")
                default: break
                }
            }
            lines.append("                    \(r.observation.vitals.summary)")
        }
        let state = episode.finalState
        lines.append("end: \(endSummary(state)) at minute \(state.minute), \(state.actions.count) actions, charges $\(state.totalCost)")
        return lines.joined(separator: "\n")
    }

    static func endSummary(_ state: EpisodeState) -> String {
        switch state.status {
        case .running: "running"
        case .disposed: "disposition \(state.disposition ?? "?")"
        case .died: "death"
        case .truncated: "truncated"
        }
    }

    /// The nine dimensions, composite, outcome and harm level.
    public static func scoreTable(_ card: ScoreCard) -> String {
        var lines = ["dimension        points     max"]
        for d in card.dimensions {
            lines.append(pad(d.dimension.rawValue, 14) + padLeft(signed(d.points), 9) + padLeft(d.max.plain, 8))
        }
        lines.append(pad("composite", 14) + padLeft(signed(card.composite), 9))
        lines.append("outcome \(card.outcome) · harm \(card.harmLevel.rawValue)")
        return lines.joined(separator: "\n")
    }

    /// Every scored item with its answer-key entry and source.
    public static func explain(_ card: ScoreCard) -> String {
        card.items.map { item in
            // The key, unless the description already begins with it ("disposition: to_or").
            let heading = item.description.hasPrefix("\(item.key):") ? item.description : "\(item.key): \(item.description)"
            return "\(pad(item.dimension.rawValue, 14)) \(padLeft(signed(item.points), 7))  \(heading) — \(item.detail)\n"
                + "                          source: \(item.source)"
        }.joined(separator: "\n")
    }

    /// "+12.5", "-3", "0"
    public static func signed(_ x: Double) -> String { TextLayout.signed(x) }

    static func pad(_ s: String, _ width: Int) -> String { TextLayout.padRight(s, width) }

    static func padLeft(_ s: String, _ width: Int) -> String { TextLayout.padLeft(s, width) }
}
