/// Follows the answer key's expert policy (`policies.expert`), skipping
/// what was already done (for fork continuations), and, like a clinician,
/// does not ask for a disposition while a consultant it paged has not yet
/// arrived: it waits (up to six times) instead. A declined disposition is
/// never taken as done: the expert reads what the receiving team said was
/// missing, supplies it (orders the test, pages the consultant, or waits
/// for a result on its way) and asks again, up to five times. Like a
/// clinician titrating to a target, it skips an antihypertensive (β-blocker,
/// dihydropyridine, nitrate) once the SBP is at or below 120 (or the MAP below 70),
/// a vasodilator within 15 minutes of a β-blocker while the SBP is 130 or less,
/// and a vasopressor while the MAP is 65 or more. In a cardiac arrest it runs
/// advanced life support and gives the treatments the key names for the
/// course's cause (``LifeSupport``), then goes on with the policy.
/// `urgent`: the diagnosis is already confirmed when it takes over, so
/// consultants are called first, then treatment, then the rest.
public struct ExpertAgent: Agent {
    public let id = "expert"
    private let lines: [(text: String, isDisposition: Bool, lowersPressure: Bool, betaBlocker: Bool, raisesPressure: Bool)]
    private var life: LifeSupport
    /// The minute the expert last gave a β-blocker: a vasodilator waits for its peak.
    private var betaBlockerMinute: Int?
    private let consultNames: [String]
    private let catalog: ActionCatalog
    private let resolver: ActionResolver
    private var next = 0
    private var waits = 0
    /// Actions to take before going on with the policy (what a refusal asked for).
    private var queue: [String] = []
    private var lastDisposition: String?
    private var retries = 0

    /// `done`: catalog ids already taken before the expert took over; the
    /// policy's lines for them are skipped (except waiting).
    public init(fixture: Fixture, resolver: ActionResolver, skipping done: [String] = [], urgent: Bool = false) {
        var lines: [(String, Bool, Bool, Bool, Bool, Int)] = []
        for line in fixture.policies.expert {
            guard let action = try? resolver.resolve(line) else { continue }
            // A disposition already asked for was declined (it would have ended the episode): it is not done.
            if action.id != "wait" && action.kind != .disposition && done.contains(action.id) { continue }
            let lowers = ["beta_blocker", "dihydropyridine", "nitrate"].contains(action.pk?.drugClass ?? "")
            let rank: Int =
                switch action.kind {
                case _ where !urgent: 0
                case .consult: 0
                case _ where action.id == "wait": 2
                case .medication, .procedure: 1
                case .disposition: 3
                default: 2
                }
            lines.append(
                (line, action.kind == .disposition, lowers, action.pk?.drugClass == "beta_blocker", action.pk?.drugClass == "vasopressor", rank))
        }
        // A stable sort keeps the policy's order within each rank.
        self.lines = lines.enumerated().sorted { ($0.element.5, $0.offset) < ($1.element.5, $1.offset) }
            .map { ($0.element.0, $0.element.1, $0.element.2, $0.element.3, $0.element.4) }
        let treatments = (fixture.course.arrest?.reversedBy ?? []).compactMap { resolver.catalog[$0]?.name }
        self.life = LifeSupport(knownTreatments: treatments)
        self.catalog = resolver.catalog
        self.resolver = resolver
        self.consultNames = resolver.catalog.actions.filter { $0.kind == .consult }.map(\.name)
    }

    public mutating func act(on observation: Observation) -> String? {
        if let action = life.next(observation, heard: "", results: "") { return action }
        if observation.alerts.contains(where: { $0.hasPrefix("return of spontaneous circulation") }), let disposition = lastDisposition,
            next >= lines.count || !lines[next...].contains(where: \.isDisposition)
        {
            // A disposition the arrest interrupted is asked again once the pulse is back.
            queue.append(disposition)
        }
        if let disposition = lastDisposition, let response = observation.response, response.contains(" declined: ") {
            lastDisposition = nil
            if retries < 5 {
                retries += 1
                queue = remedy(for: response, pending: observation.pending) + [disposition]
            }
        }
        if !queue.isEmpty {
            let text = queue.removeFirst()
            if (try? resolver.resolve(text))?.kind == .disposition {
                if waits < 6, observation.pending.contains(where: consultNames.contains) {
                    waits += 1
                    queue.insert(text, at: 0)
                    return "wait"
                }
                lastDisposition = text
            }
            return text
        }
        let peaking = betaBlockerMinute.map { observation.minute - $0 < Self.betaBlockerPeakMin } ?? false
        while next < lines.count,
            (lines[next].lowersPressure
                && (Self.atTarget(observation.vitals, betaBlocker: lines[next].betaBlocker)
                    || (!lines[next].betaBlocker && peaking && observation.vitals.sbp <= 130)))
                || (lines[next].raisesPressure && Vitals(observed: observation.vitals).map >= 65)
        {
            next += 1
        }
        guard next < lines.count else { return nil }
        if lines[next].isDisposition, waits < 6, observation.pending.contains(where: consultNames.contains) {
            waits += 1
            return "wait"
        }
        defer { next += 1 }
        if lines[next].isDisposition { lastDisposition = lines[next].text }
        if lines[next].betaBlocker { betaBlockerMinute = observation.minute }
        return lines[next].text
    }

    /// Minutes a β-blocker takes to reach its effect: within them, a vasodilator is added only
    /// while the SBP is still above 130 (one drug titrated at a time, not two stacked).
    static let betaBlockerPeakMin = 15

    /// Titrating to target: a β-blocker is held once SBP ≤ 120 with HR ≤ 80 (or
    /// SBP < 100); any other antihypertensive once SBP ≤ 120; all once MAP < 70.
    static func atTarget(_ v: ObservedVitals, betaBlocker: Bool) -> Bool {
        if Vitals(observed: v).map < 70 { return true }
        return betaBlocker ? v.sbp < 100 || (v.sbp <= 120 && v.hr <= 80) : v.sbp <= 120
    }

    /// What a refusal's "(missing: …)" asks for: each group's first action
    /// (by catalog name), or a wait when the result asked for is on its way.
    private func remedy(for response: String, pending: [String]) -> [String] {
        guard let start = response.range(of: "(missing: ") else { return ["wait"] }
        let listed = response[start.upperBound...].prefix { $0 != ")" }
        var actions: [String] = []
        for group in listed.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let awaitingResult = group.hasPrefix("the result of ")
            let ids = group.replacingOccurrences(of: "the result of ", with: "")
                .components(separatedBy: " or ").map { $0.trimmingCharacters(in: .whitespaces) }
            let names = ids.compactMap { catalog[$0]?.name }
            guard let first = names.first else {
                actions.append("wait")
                continue
            }
            if awaitingResult, names.contains(where: pending.contains) {
                actions.append("wait")
            } else {
                actions.append(first)
                if awaitingResult { actions.append("wait") }
            }
        }
        return actions.isEmpty ? ["wait"] : actions
    }
}
