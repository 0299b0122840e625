/// Follows the answer key's expert policy (`policies.expert`), skipping
/// what was already done (for fork continuations), and, like a clinician,
/// does not ask for a disposition while a consultant it paged has not yet
/// arrived: it waits (up to six times) instead.
public struct ExpertAgent: Agent {
    public let id = "expert"
    private let lines: [(text: String, isDisposition: Bool)]
    private let consultNames: [String]
    private var next = 0
    private var waits = 0

    /// `done`: catalog ids already taken before the expert took over; the
    /// policy's lines for them are skipped (except waiting).
    public init(fixture: Fixture, resolver: ActionResolver = .shipped, skipping done: [String] = []) {
        var lines: [(String, Bool)] = []
        for line in fixture.policies.expert {
            guard let action = try? resolver.resolve(line) else { continue }
            if action.id != "wait" && done.contains(action.id) { continue }
            lines.append((line, action.kind == .disposition))
        }
        self.lines = lines
        self.consultNames = resolver.catalog.actions.filter { $0.kind == .consult }.map(\.name)
    }

    public mutating func act(on observation: Observation) -> String? {
        guard next < lines.count else { return nil }
        if lines[next].isDisposition, waits < 6, observation.pending.contains(where: consultNames.contains) {
            waits += 1
            return "wait"
        }
        defer { next += 1 }
        return lines[next].text
    }
}
