/// The encounter as chat messages: the system prompt a model agent is given
/// and each observation written the way a clinician reads it. The
/// OpenAI-compatible agent sends exactly these; the training corpora use them
/// as prompts, so a model trained on a corpus sees what it will be shown.
public enum ChatTranscript {
    /// The system message.
    public static let systemPrompt = """
        You are the emergency physician responsible for one patient in a simulated emergency department. \
        Each message tells you what you see: the presentation, vital signs, answers, results and alerts. \
        Take exactly one action per turn by calling one of the tools (or write one action as plain text). \
        Time passes with every action; results arrive later. End the encounter with a disposition \
        (admission, theatre, transfer or discharge) when your assessment is complete. \
        A reply that names no action, or more than one, is refused: nothing is done, and the next message says why \
        and names the nearest valid actions. After \(EpisodeRunner.consecutiveFailureLimit) refused replies in a row \
        you are stopped and the patient is left to the clock. The encounter also ends at its time limit or after its \
        last allowed action, as the first message states.
        """

    /// An observation as a clinician reads it; the first (the one with the
    /// presentation) states the encounter's `limits` when they are given.
    public static func render(_ observation: Observation, limits: EncounterChart.Limits? = nil) -> String {
        var lines: [String] = []
        if let p = observation.presentation {
            lines.append("\(p.age)\(p.sex), \(p.chiefComplaint). Triage: \(p.triageNote)")
            if let limits { lines.append(limits.sentence) }
        }
        lines.append("Minute \(observation.minute). \(observation.vitals.summary)")
        if let response = observation.response { lines.append(response) }
        for result in observation.results { lines.append("Result \(result.name): \(result.text)") }
        for alert in observation.alerts { lines.append("Alert: \(alert)") }
        for warning in observation.warnings { lines.append("Warning: \(warning)") }
        if !observation.pending.isEmpty { lines.append("Pending: \(observation.pending.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }
}
