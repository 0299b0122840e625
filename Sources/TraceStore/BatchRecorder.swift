import MedGym

/// Records every fixture × agent × seed combination, each episode in its own
/// transaction, and summarises each fixture × agent group.
public struct BatchRecorder {
    public var fixtures: [Fixture]
    public var seeds: ClosedRange<UInt64>
    public var agents: [AgentSpec]
    public var label: String?
    public var invalidActions: InvalidActionPolicy

    public init(fixtures: [Fixture], seeds: ClosedRange<UInt64>, agents: [AgentSpec], label: String? = nil,
                invalidActions: InvalidActionPolicy = .fail) {
        self.fixtures = fixtures
        self.seeds = seeds
        self.agents = agents
        self.label = label
        self.invalidActions = invalidActions
    }

    /// Plays and records (into `store`, unless nil) every combination.
    public func run(into store: TraceStore?, createdAt: () -> String) throws -> [BatchGroup] {
        var groups: [BatchGroup] = []
        for fixture in fixtures {
            let recorder = try EpisodeRecorder(fixture: fixture, invalidActions: invalidActions)
            for spec in agents {
                var group = BatchGroup(fixture: fixture.id, agent: "", composites: [], outcomes: [])
                for seed in seeds {
                    var agent = spec.makeAgent(fixture: fixture, seed: seed)
                    group.agent = agent.id
                    let recorded = try recorder.record(seed: seed, agent: &agent, label: label, createdAt: createdAt())
                    try store?.save(recorded)
                    group.composites.append(recorded.score.composite)
                    group.outcomes.append(recorded.score.outcome)
                }
                groups.append(group)
            }
        }
        return groups
    }
}

/// The episodes of one fixture × agent in a batch.
public struct BatchGroup: Sendable, Hashable, Codable {
    public var fixture: String
    public var agent: String
    /// Composite of each episode, in seed order.
    public var composites: [Double]
    /// Outcome label of each episode, in seed order.
    public var outcomes: [String]

    public var meanComposite: Double {
        composites.isEmpty ? 0 : (composites.reduce(0, +) / Double(composites.count) * 100).rounded() / 100
    }

    /// How often each outcome occurred, in order of first occurrence.
    public var outcomeCounts: [(outcome: String, count: Int)] {
        var counts: [(outcome: String, count: Int)] = []
        for outcome in outcomes {
            if let i = counts.firstIndex(where: { $0.outcome == outcome }) { counts[i].count += 1 } else { counts.append((outcome, 1)) }
        }
        return counts
    }

    /// One line: `fixture × agent: N episodes, mean composite +X, outcome n, …`.
    public var summary: String {
        let outcomes = outcomeCounts.map { "\($0.outcome) \($0.count)" }.joined(separator: ", ")
        return "\(fixture) × \(agent): \(composites.count) episodes, mean composite \(EpisodeFormatter.signed(meanComposite)), \(outcomes)"
    }
}
