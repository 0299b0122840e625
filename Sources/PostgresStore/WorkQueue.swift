import Foundation
import MedGym
import PostgresNIO
import TraceStore

/// The work queue in a PostgreSQL store: a job per fixture × seed × agent × label, which any number
/// of workers on any number of machines lease (`FOR UPDATE SKIP LOCKED`: two never take the same
/// one), keep alive (a heartbeat moves the lease's end), and finish with the episode's id or an
/// error. A lease whose worker went quiet (killed, cut off) expires and the job is leased again; the
/// episode's content-derived id makes its result exactly-once even when two workers ran it.
public final class WorkQueue: @unchecked Sendable {
    public let location: PostgresLocation
    private let session: PostgresSession

    /// Connects (migrating the store's schema, see ``PostgresTraceStore``).
    public init(location: PostgresLocation) throws(PostgresStoreError) {
        _ = try PostgresTraceStore(location: location)
        self.location = location
        session = try PostgresSession(location)
    }

    /// One job: what to record, and how.
    public struct Job: Sendable, Hashable {
        public var id: Int
        public var fixture: String
        public var seed: UInt64
        /// The agent as `medgym run --agent` takes it (`expert`, `cmd:…`, `openai:MODEL`).
        public var agent: String
        public var label: String?
        public var settings: JobSettings
        /// Leases so far, this one included.
        public var attempts: Int

        public init(fixture: String, seed: UInt64, agent: String, label: String?, settings: JobSettings = JobSettings()) {
            (self.id, self.fixture, self.seed, self.agent, self.label, self.settings, self.attempts) = (0, fixture, seed, agent, label, settings, 0)
        }

        /// A batch's jobs, in `medgym batch`'s order: each fixture × agent × seed.
        public static func plan(
            fixtures: [String], agents: [String], seeds: ClosedRange<UInt64>, label: String?, settings: JobSettings
        ) -> [Job] {
            fixtures.flatMap { fixture in
                agents.flatMap { agent in seeds.map { Job(fixture: fixture, seed: $0, agent: agent, label: label, settings: settings) } }
            }
        }
    }

    /// Adds jobs; one already queued (same fixture, seed, agent and label) is not added again.
    /// Returns how many were added.
    @discardableResult
    public func enqueue(_ jobs: [Job]) throws -> Int {
        var added = 0
        try session.transaction {
            for chunk in stride(from: 0, to: jobs.count, by: 1000).map({ jobs[$0..<min($0 + 1000, jobs.count)] }) {
                let fixtures = chunk.map(\.fixture)
                let seeds = chunk.map { String($0.seed) }
                let agents = chunk.map(\.agent)
                let labels = chunk.map { $0.label ?? "" }
                let settings = try chunk.map { try CanonicalJSON.string($0.settings) }
                let rows = try session.rows(
                    """
                    INSERT INTO jobs (fixture, seed, agent, label, settings)
                    SELECT * FROM unnest(\(fixtures)::text[], \(seeds)::text[], \(agents)::text[], \(labels)::text[], \(settings)::text[])
                    ON CONFLICT DO NOTHING RETURNING id
                    """)
                added += rows.count
            }
        }
        return added
    }

    /// Leases the oldest job that is pending, or whose lease has expired, for `seconds`; nil when none is.
    public func lease(worker: String, seconds: Int) throws -> Job? {
        let rows = try session.rows(
            """
            UPDATE jobs SET state = 'leased', worker = \(worker), lease_until = now() + make_interval(secs => \(seconds)),
                attempts = attempts + 1
            WHERE id = (
                SELECT id FROM jobs WHERE state = 'pending' OR (state = 'leased' AND lease_until < now())
                ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
            RETURNING id, fixture, seed, agent, label, settings, attempts
            """)
        guard let row = rows.first else { return nil }
        let (id, fixture, seed, agent, label, settings, attempts) = try row.decode((Int, String, String, String, String, String, Int).self)
        var job = Job(
            fixture: fixture, seed: UInt64(seed) ?? 0, agent: agent, label: label.isEmpty ? nil : label,
            settings: (try? CanonicalJSON.decode(JobSettings.self, from: Data(settings.utf8))) ?? JobSettings())
        (job.id, job.attempts) = (id, attempts)
        return job
    }

    /// Moves the end of `worker`'s lease on a job `seconds` on; false when the lease is no longer its.
    @discardableResult
    public func heartbeat(_ job: Int, worker: String, seconds: Int) throws -> Bool {
        try !session.rows(
            """
            UPDATE jobs SET lease_until = now() + make_interval(secs => \(seconds))
            WHERE id = \(job) AND worker = \(worker) AND state = 'leased' RETURNING id
            """
        ).isEmpty
    }

    /// The job's episode is stored under `episodeID` (by this worker, or already by another).
    public func complete(_ job: Int, worker: String, episodeID: String) throws {
        try session.rows(
            """
            UPDATE jobs SET state = 'done', episode_id = \(episodeID), error = NULL, finished_at = now(), worker = \(worker)
            WHERE id = \(job) AND state <> 'done'
            """)
    }

    /// The job failed: back to pending while it has attempts left, else failed for good, keeping `error`.
    public func fail(_ job: Int, worker: String, error: String, attemptsAllowed: Int) throws {
        try session.rows(
            """
            UPDATE jobs SET state = CASE WHEN attempts >= \(attemptsAllowed) THEN 'failed' ELSE 'pending' END,
                error = \(error), lease_until = NULL,
                finished_at = CASE WHEN attempts >= \(attemptsAllowed) THEN now() ELSE NULL END
            WHERE id = \(job) AND worker = \(worker) AND state = 'leased'
            """)
    }

    /// Counts by state, the rate of the last minute, and the failed jobs' errors (the first ten).
    public func status() throws -> QueueStatus {
        let counts = try session.rows(
            """
            SELECT count(*) FILTER (WHERE state = 'pending' OR (state = 'leased' AND lease_until < now())),
                   count(*) FILTER (WHERE state = 'leased' AND lease_until >= now()),
                   count(*) FILTER (WHERE state = 'done'),
                   count(*) FILTER (WHERE state = 'failed'),
                   count(*) FILTER (WHERE state = 'done' AND finished_at > now() - interval '60 seconds')
            FROM jobs
            """)
        let (pending, leased, done, failed, lastMinute) = try counts.first?.decode((Int, Int, Int, Int, Int).self) ?? (0, 0, 0, 0, 0)
        let errors = try session.rows(
            "SELECT fixture, seed, agent, error FROM jobs WHERE state = 'failed' ORDER BY id LIMIT 10"
        ).map { row -> String in
            let (fixture, seed, agent, error) = try row.decode((String, String, String, String?).self)
            return "\(fixture) seed \(seed) \(agent): \(error ?? "no error recorded")"
        }
        return QueueStatus(pending: pending, leased: leased, done: done, failed: failed, donePerMinute: lastMinute, failures: errors)
    }
}

/// How a job's agent is run: `medgym batch`'s recording options, carried with the job.
public struct JobSettings: Sendable, Hashable, Codable {
    public var agentTimeout: Double?
    public var rejectInvalid: Bool?
    public var baseUrl: String?
    public var apiKeyEnv: String?
    public var temperature: Double?
    public var maxTokens: Int?
    public var maxResponseBytes: Int?

    public init(
        agentTimeout: Double? = nil, rejectInvalid: Bool? = nil, baseUrl: String? = nil, apiKeyEnv: String? = nil, temperature: Double? = nil,
        maxTokens: Int? = nil, maxResponseBytes: Int? = nil
    ) {
        (self.agentTimeout, self.rejectInvalid, self.baseUrl, self.apiKeyEnv) = (agentTimeout, rejectInvalid, baseUrl, apiKeyEnv)
        (self.temperature, self.maxTokens, self.maxResponseBytes) = (temperature, maxTokens, maxResponseBytes)
    }
}

/// Where a queue stands.
public struct QueueStatus: Sendable, Hashable {
    public var pending: Int
    public var leased: Int
    public var done: Int
    public var failed: Int
    /// Jobs done in the last 60 seconds.
    public var donePerMinute: Int
    public var failures: [String]

    /// Seconds until the open jobs are done at the last minute's rate; nil when nothing was done in it.
    public var eta: Double? {
        donePerMinute > 0 ? Double(pending + leased) / (Double(donePerMinute) / 60) : nil
    }
}
