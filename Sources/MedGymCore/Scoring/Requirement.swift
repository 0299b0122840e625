/// Order of care: what must already have happened when an action is taken.
/// Every group must be satisfied; within a group any one action will do.
public struct Requirement: Sendable, Hashable, Codable {
    /// Each group: one of these done at an earlier step.
    public var done: [[String]]?
    /// Each group: the answer to one of these orders or consults arrived.
    public var resulted: [[String]]?
    /// One of these done at least this many minutes earlier.
    public var doneMinutesBefore: TimedRequirement?

    public init(done: [[String]]? = nil, resulted: [[String]]? = nil, doneMinutesBefore: TimedRequirement? = nil) {
        self.done = done
        self.resulted = resulted
        self.doneMinutesBefore = doneMinutesBefore
    }

    /// What is missing for an action at `step`, `minute`; nil when met.
    public func unmet(in state: EpisodeState, step: Int, minute: Int) -> String? {
        var missing: [String] = []
        for group in done ?? [] where !state.actions.contains(where: { $0.step < step && group.contains($0.actionID) }) {
            missing.append(group.joined(separator: " or "))
        }
        for group in resulted ?? [] where !state.resulted(group, by: minute) {
            missing.append("the result of " + group.joined(separator: " or "))
        }
        if let timed = doneMinutesBefore,
            !state.actions.contains(where: { $0.step < step && timed.actions.contains($0.actionID) && minute - $0.minute >= timed.minutes })
        {
            missing.append("\(timed.actions.joined(separator: " or ")) at least \(timed.minutes) min earlier")
        }
        return missing.isEmpty ? nil : missing.joined(separator: "; ")
    }

    /// Every action id the requirement names.
    var actionIDs: [String] {
        (done ?? []).flatMap { $0 } + (resulted ?? []).flatMap { $0 } + (doneMinutesBefore?.actions ?? [])
    }
}

/// One of `actions` done at least `minutes` before.
public struct TimedRequirement: Sendable, Hashable, Codable {
    public var actions: [String]
    public var minutes: Int
}
