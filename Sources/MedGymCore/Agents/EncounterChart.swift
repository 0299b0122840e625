/// The encounter so far as one chart: what a clinician taking over the
/// patient would read, in one message. The presentation, the limits, the
/// vitals now (and at arrival), every action taken with its answer, every
/// result that has come back, what is pending, the alerts and the symptoms.
/// It holds everything the conversation holds that bears on the next
/// decision, so a prompt made of it is Markovian and short (the corpora's
/// `--prompt chart`), and it never holds the hidden truth.
public enum EncounterChart {
    /// The time and step limits of the encounter, as the agent is told them.
    public struct Limits: Sendable, Hashable {
        public var minutes: Int
        public var steps: Int
        public init(minutes: Int, steps: Int) { (self.minutes, self.steps) = (minutes, steps) }
        public init(_ fixture: Fixture) { self.init(minutes: fixture.timeLimitMin, steps: fixture.maxSteps) }

        /// "The encounter ends at minute 120 or after 40 actions."
        public var sentence: String { "The encounter ends at minute \(minutes) or after \(steps) actions." }
    }

    /// One action taken: its text and the observation it led to.
    public struct Entry: Sendable, Hashable {
        public var text: String
        public var observation: Observation
        public init(text: String, observation: Observation) { (self.text, self.observation) = (text, observation) }
    }

    /// The chart at `arrival` followed by `entries` (each action taken and the observation it led to, in order).
    public static func render(arrival: Observation, entries: [Entry], limits: Limits?) -> String {
        let now = entries.last?.observation ?? arrival
        var lines: [String] = []
        if let p = arrival.presentation {
            lines.append("\(p.age)\(p.sex), \(p.chiefComplaint). Triage: \(p.triageNote)")
        }
        if let limits { lines.append(limits.sentence) }
        lines.append("Now: minute \(now.minute), after \(entries.count) action\(entries.count == 1 ? "" : "s"). \(now.vitals.summary)")
        if !entries.isEmpty { lines.append("At arrival: \(arrival.vitals.summary)") }
        if !entries.isEmpty {
            lines.append("Done so far:")
            var minute = arrival.minute
            for entry in entries {
                let answer = entry.observation.response.map { ": \($0)" } ?? ""
                lines.append("- minute \(minute), \(entry.text)\(answer)")
                for warning in entry.observation.warnings { lines.append("  Warning: \(warning)") }
                minute = entry.observation.minute
            }
        }
        let observations = [arrival] + entries.map(\.observation)
        let results = observations.flatMap(\.results)
        if !results.isEmpty {
            lines.append("Results:")
            for result in results { lines.append("- \(result.name) (ordered minute \(result.orderedAt), back minute \(result.arrivedAt)): \(result.text)") }
        }
        if !now.pending.isEmpty { lines.append("Pending: \(now.pending.joined(separator: ", "))") }
        let alerts = observations.flatMap { o in o.alerts.map { "minute \(o.minute): \($0)" } }
        if !alerts.isEmpty { lines.append("Alerts: " + alerts.joined(separator: "; ")) }
        if !now.symptoms.isEmpty { lines.append("Symptoms: \(now.symptoms.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }
}
