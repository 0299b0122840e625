import Foundation
import MedGym
import TraceStore

/// One worker of a ``WorkQueue``: leases a job, plays it as `medgym run` would, stores the episode
/// in the same database, and marks the job done with its id; a heartbeat keeps the lease while the
/// episode plays (a model may take minutes). A job that fails goes back to the queue until it has
/// used its attempts, then keeps its error.
public struct QueueWorker: Sendable {
    public var location: PostgresLocation
    /// This worker's name in the queue (host, process and thread).
    public var name: String
    /// How long a lease lasts without a heartbeat; a heartbeat comes every third of it.
    public var leaseSeconds: Int
    public var attemptsAllowed = 3
    /// Stop when no job is left to lease (else wait for more, checking every second).
    public var exitWhenEmpty: Bool

    public init(location: PostgresLocation, name: String, leaseSeconds: Int = 30, exitWhenEmpty: Bool) {
        (self.location, self.name, self.leaseSeconds, self.exitWhenEmpty) = (location, name, leaseSeconds, exitWhenEmpty)
    }

    /// What a worker did.
    public struct Tally: Sendable, Hashable {
        public var stored = 0
        public var alreadyStored = 0
        public var failed = 0
        public init() {}

        /// Two workers' tallies together.
        public static func + (a: Tally, b: Tally) -> Tally {
            var sum = a
            (sum.stored, sum.alreadyStored, sum.failed) = (a.stored + b.stored, a.alreadyStored + b.alreadyStored, a.failed + b.failed)
            return sum
        }
    }

    /// Works until the queue is empty (with ``exitWhenEmpty``) or forever; `note` is told each failure.
    public func run(note: @escaping @Sendable (String) -> Void = { _ in }) throws -> Tally {
        let queue = try WorkQueue(location: location)
        let store = try PostgresTraceStore(location: location)
        let beats = try WorkQueue(location: location)  // the heartbeat's own connection
        // The live tables, for jobs whose turns take seconds (cmd: and openai: agents), as medgym batch watches them;
        // a feed that cannot write says so once, and the work goes on.
        let feed = try LiveFeed(store: store, source: .worker)
        defer {
            feed.close()
            if let problem = feed.problem { note(problem) }
        }
        var tally = Tally()
        while true {
            guard let job = try queue.lease(worker: name, seconds: leaseSeconds) else {
                if exitWhenEmpty { return tally }
                Thread.sleep(forTimeInterval: 1)
                continue
            }
            let heartbeat = Heartbeat(queue: beats, job: job.id, worker: name, seconds: leaseSeconds)
            var live: LiveRun?
            do {
                let recorded = try Self.play(job, live: { feed.begin(fixture: $0.fixture.id, seed: job.seed, agent: $1, label: job.label) }) {
                    live = $0
                }
                heartbeat.stop()
                switch try store.save(recorded) {
                case .inserted:
                    tally.stored += 1
                    live?.stored(episodeID: recorded.header.episodeID, alreadyStored: false)
                    try queue.complete(job.id, worker: name, episodeID: recorded.header.episodeID)
                case .alreadyStored(let existing):
                    tally.alreadyStored += 1
                    live?.stored(episodeID: existing, alreadyStored: true)
                    try queue.complete(job.id, worker: name, episodeID: existing)
                }
            } catch {
                live?.failed("\(error)")
                heartbeat.stop()
                tally.failed += 1
                note("\(job.fixture) seed \(job.seed) \(job.agent) (attempt \(job.attempts) of \(attemptsAllowed)): \(error)")
                try queue.fail(job.id, worker: name, error: "\(error)", attemptsAllowed: attemptsAllowed)
            }
        }
    }

    /// Plays a job's episode as `medgym run` records it. A `cmd:` or `openai:` agent's run is begun
    /// with `live` (its recorder and agent id) and published turn by turn; `began` is told the run.
    static func play(
        _ job: WorkQueue.Job, live: (EpisodeRecorder, String) -> LiveRun? = { _, _ in nil }, began: (LiveRun) -> Void = { _ in }
    ) throws -> RecordedEpisode {
        let fixture = try FixtureLoader.fixture(named: job.fixture)
        let s = job.settings
        var endpoint: EndpointSettings?
        if let base = s.baseUrl, let url = URL(string: base) {
            endpoint = EndpointSettings(baseURL: url, apiKeyVariable: s.apiKeyEnv, temperature: s.temperature, maxTokens: s.maxTokens)
        }
        let spec = try AgentSpec.parse(
            job.agent, stepTimeout: s.agentTimeout ?? AgentSpec.defaultStepTimeout, endpoint: endpoint,
            maxResponseBytes: s.maxResponseBytes ?? OpenAIAgent.defaultMaxResponseBytes
        ) { try String(contentsOfFile: $0, encoding: .utf8) }
        var recorder = try EpisodeRecorder(fixture: fixture, invalidActions: s.rejectInvalid == true ? .reject(limit: 5) : .fail)
        switch spec {
        case .command, .openAI: recorder.invalidActions = .reject(limit: 5)  // models write free text
        default: break
        }
        var agent = spec.makeAgent(fixture: fixture, seed: job.seed)
        var run: LiveRun?
        switch spec {
        case .command, .openAI: run = live(recorder, agent.id)
        default: break
        }
        if let run { began(run) }
        return try recorder.play(seed: job.seed, agent: &agent, label: job.label, createdAt: CreatedAt.now(), live: run).recorded
    }
}

/// Keeps a lease alive from a thread of its own until stopped.
final class Heartbeat: @unchecked Sendable {
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var running = true

    init(queue: WorkQueue, job: Int, worker: String, seconds: Int) {
        let interval = max(1, Double(seconds) / 3)
        Thread { [stopped, finished] in
            while stopped.wait(timeout: .now() + interval) == .timedOut {
                _ = try? queue.heartbeat(job, worker: worker, seconds: seconds)
            }
            finished.signal()
        }.start()
    }

    /// Stops the beats (once; later calls do nothing) and waits for the thread to end.
    func stop() {
        let first = lock.withLock {
            defer { running = false }
            return running
        }
        guard first else { return }
        stopped.signal()
        finished.wait()
    }
}
