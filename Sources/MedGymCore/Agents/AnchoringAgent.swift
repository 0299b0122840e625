/// An agent anchored on the red herring, but not blind: it follows the
/// fixture's anchoring policy (it chases the bait, skips the test that
/// would show the truth and closes early), yet
///
/// - it does not send the patient on while a test it did not order as part
///   of its own routine (one ordered to look for another diagnosis, as a
///   fork's alternative would) is still pending: it waits for it, up to
///   eight times;
/// - a result that confirms another diagnosis (an answer-key confirming
///   test whose result in this case is abnormal) ends the anchor: from then
///   on it acts on it, following the expert policy for what is left.
///
/// Anchoring bias is premature closure, not blindness.
public struct AnchoringAgent: Agent {
    public let id = "anchoring"
    private let script: [String]
    private let fixture: Fixture
    private let resolver: ActionResolver
    /// Catalog names of the orders the anchoring routine itself places (serial troponins…).
    private let routine: [String]
    private let dispositionLines: [Bool]
    private let confirming: [String]
    private var next = 0
    private var waits = 0
    /// Catalog ids seen done (what it took, results that came back, orders pending).
    private var done: [String] = []
    private var unanchored: ExpertAgent?

    public init(fixture: Fixture, resolver: ActionResolver) {
        self.fixture = fixture
        self.resolver = resolver
        self.script = fixture.policies.anchoring
        let resolved = fixture.policies.anchoring.map { try? resolver.resolve($0) }
        self.routine = resolved.compactMap { $0 }.filter { $0.kind.arrivesLater }.map(\.name)
        self.dispositionLines = resolved.map { $0?.kind == .disposition }
        self.confirming = fixture.answerKey.outcome.confirms.filter { id in
            fixture.results.contains { $0.action == id && $0.abnormal }
        }
    }

    public mutating func act(on observation: Observation) -> String? {
        observe(observation)
        if unanchored == nil, observation.results.contains(where: { confirming.contains($0.action) }) {
            unanchored = ExpertAgent(fixture: fixture, resolver: resolver, skipping: done, urgent: true)
        }
        if var expert = unanchored {
            let text = expert.act(on: observation)
            unanchored = expert
            note(text)
            return text
        }
        guard next < script.count else { return nil }
        if dispositionLines[next], waits < 8, observation.pending.contains(where: { !routine.contains($0) }) {
            waits += 1
            return "wait"
        }
        defer { next += 1 }
        note(script[next])
        return script[next]
    }

    /// Resuming a recorded episode: the recorded answer is the script's next
    /// line whenever the agent would have given it.
    public mutating func resume(_ observation: Observation, answered text: String?, raw: String?) throws {
        observe(observation)
        if unanchored == nil, observation.results.contains(where: { confirming.contains($0.action) }) {
            unanchored = ExpertAgent(fixture: fixture, resolver: resolver, skipping: done, urgent: true)
        }
        if var expert = unanchored {
            try expert.resume(observation, answered: text, raw: raw)
            unanchored = expert
        } else if next < script.count, text == script[next] {
            next += 1
        } else if text == "wait" {
            waits += 1
        }
        note(text)
    }

    private mutating func observe(_ observation: Observation) {
        for result in observation.results where !done.contains(result.action) { done.append(result.action) }
        for name in observation.pending {
            if let action = resolver.catalog.actions.first(where: { $0.name == name }), !done.contains(action.id) { done.append(action.id) }
        }
    }

    private mutating func note(_ text: String?) {
        guard let text, let action = try? resolver.resolve(text), !done.contains(action.id) else { return }
        done.append(action.id)
    }
}
