import Foundation
import MedGym
import TraceStore

/// Renders a stored episode's events as a readable timeline: per step the
/// sim minute, the action, what came back, alerts and the monitor.
public enum Timeline {
    public static func render(header: EpisodeHeader, events: [TraceEvent], catalog: ActionCatalog = .shipped) throws -> String {
        var lines: [String] = []
        var title = "\(header.episodeID) · \(header.fixture) · seed \(header.seed) · agent \(header.agent)"
        if let label = header.label { title += " · \(PrintableText.terminal(label))" }
        if let parent = header.parentID { title += " · forked from \(parent) at step \(header.forkStep ?? 0)" }
        lines.append(title)
        for event in events {
            let payload = try event.decodedPayload()
            let indent = "                    "
            switch event.kind {
            case .observation where event.step == 0:
                if let obs = payload.observation {
                    if let p = obs.presentation { lines.append("\(p.age)\(p.sex), \(p.chiefComplaint). \(p.triageNote)") }
                    lines.append("min   0  arrival        \(obs.vitals.summary)")
                }
            case .actionReceived:
                let text = PrintableText.terminal(payload.text ?? "")
                let action = payload.action ?? ""
                let canonical = catalog[action]?.name ?? action
                lines.append(String(format: "min %3d  step %2d  ", event.simMinute, event.step) + "\"\(text)\"" + "  → \(canonical)")
            case .actionRejected:
                lines.append(
                    String(format: "min %3d  step %2d  ", event.simMinute, event.step)
                        + "\"\(PrintableText.terminal(payload.text ?? ""))\"  ✗ rejected: \(PrintableText.terminal(payload.error ?? ""))")
            case .noAction:
                lines.append(String(format: "min %3d  step %2d  ", event.simMinute, event.step) + "(no further action: the clock runs to the time limit)")
            case .agentError:
                lines.append(String(format: "min %3d  step %2d  ", event.simMinute, event.step) + "✗ agent error: \(payload.failure?.description ?? "")")
            case .response:
                if let action = payload.action, catalog[action]?.kind.isOrder == true { break }
                if let text = payload.text { lines.append("\(indent)↳ \(text)") }
            case .resultArrived:
                lines.append(indent + String(format: "✓ min %3d result ", event.simMinute) + "\(payload.action ?? ""): \(payload.text ?? "")")
            case .alert, .finding:
                lines.append(indent + String(format: "⚠ min %3d ", event.simMinute) + (payload.text ?? ""))
            case .warning:
                lines.append("\(indent)! \(payload.text ?? "")")
            case .observation:
                if let obs = payload.observation { lines.append("\(indent)\(obs.vitals.summary)") }
            case .episodeEnded:
                lines.append(String(format: "min %3d  end      ", event.simMinute) + (payload.text ?? ""))
            case .score:
                if let score = payload.score {
                    lines.append("score \(EpisodeFormatter.signed(score.composite)) · outcome \(score.outcome) · harm \(score.harmLevel.rawValue)")
                }
            case .episodeStarted, .actionTaken, .orderPlaced, .vitals:
                break
            }
        }
        return lines.joined(separator: "\n")
    }
}
