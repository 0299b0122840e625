import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import PostgresStore
import TraceStore

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Record many episodes: every fixture matching the patterns × every seed × every agent, one transaction each.",
        discussion:
            "Example: medgym batch --fixtures 'adv_*' --seeds 1-20 --agent expert,anchoring --label v1\nAgents: expert, anchoring, random, script:FILE, cmd:COMMAND, openai:MODEL (comma-separated)."
    )

    /// Batches larger than this ask for --yes.
    static let confirmAbove = 100_000

    @Option(help: "Comma-separated fixture names or glob patterns (e.g. 'adv_*').")
    var fixtures: String = "*"

    @Option(help: "Seeds, e.g. 1-100 or 42.")
    var seeds: String = "1-10"

    @Option(help: "Comma-separated agents: expert, anchoring, random, script:FILE.")
    var agent: String = "expert"

    @Option(help: "Episodes played at once (one writer stores them in order).")
    var jobs: Int = 1

    @Flag(help: "Run a batch of more than 100,000 episodes.")
    var yes = false

    @OptionGroup var recording: RecordingOptions

    @Flag(help: "With --store postgres://…: queue the episodes for medgym worker processes instead of playing them here.")
    var enqueue = false

    func validate() throws {
        guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
        if Self.items(fixtures).isEmpty {
            throw ValidationError("--fixtures '\(fixtures)' names no fixture; give names or patterns such as 'adv_*' (see 'medgym fixtures list')")
        }
        if Self.items(agent).isEmpty {
            throw ValidationError("--agent '\(agent)' names no agent; use expert, anchoring, random or script:FILE (comma-separated)")
        }
    }

    /// Batches with more fixture × agent groups than this print a line per specialty × tier band.
    static let linesPerFixtureUpTo = 24

    static func items(_ list: String) -> [String] {
        list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        defer { AgentProcessGroups.endAll() }  // no cmd: agent outlives the command, whatever ended it
        do {
            var batch = BatchRecorder(
                fixtures: try FixtureLoader.shipped(matching: Self.items(fixtures)),
                seeds: try SeedRange.parse(seeds),
                agents: try Self.items(agent).map {
                    try AgentSpec.parse(
                        $0, stepTimeout: recording.agentTimeout, endpoint: try recording.endpoint(),
                        maxResponseBytes: recording.maxResponseBytes
                    ) {
                        try String(contentsOfFile: $0, encoding: .utf8)
                    }
                },
                label: recording.label, invalidActions: recording.invalidActionPolicy, jobs: jobs)
            if batch.episodeCount > Self.confirmAbove && !yes {
                throw ValidationError("this batch is \(batch.episodeCount) episodes (more than \(Self.confirmAbove)); add --yes to run it")
            }
            if enqueue { return try queue(batch) }
            let store = try recording.openStore()
            // Model agents' episodes are watched as they are played by default; every episode with --live.
            let models = batch.agents.contains {
                switch $0 {
                case .command, .openAI: true
                default: false
                }
            }
            let feed = try recording.liveFeed(store, source: .batch, by: recording.live ?? models)
            defer { close(feed) }
            if let feed { batch.watch = recording.live == true ? .all(feed) : .models(feed) }
            var meter = ProgressMeter(total: batch.episodeCount)
            let report = try batch.run(into: store, createdAt: { CreatedAt.now() }) { meter.update($0) }
            meter.finish()
            // One line per fixture × agent; many fixtures (scenarios) pooled by specialty and tier band instead.
            if report.groups.count > Self.linesPerFixtureUpTo {
                print("\(report.groups.count) fixture × agent groups, by specialty and tier band:")
                for band in report.bands { print(band.summary) }
            } else {
                for group in report.groups { print(group.summary) }
            }
            if let store {
                print("\(report.inserted) new, \(report.alreadyStored) already stored in \(store.path)")
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw fail(error)
        }
    }
}

extension Batch {
    /// `--enqueue`: a job per episode in the store's queue, carrying the recording options.
    func queue(_ batch: BatchRecorder) throws {
        let location = try QueueOptions.location(recording.store)
        let settings = JobSettings(
            agentTimeout: recording.agentTimeout, rejectInvalid: recording.rejectInvalid ? true : nil, baseUrl: recording.baseURL,
            apiKeyEnv: recording.apiKeyEnv, temperature: recording.temperature, maxTokens: recording.maxTokens,
            maxResponseBytes: recording.maxResponseBytes)
        let jobs = WorkQueue.Job.plan(
            fixtures: batch.fixtures.map(\.id), agents: Self.items(agent), seeds: batch.seeds, label: recording.label, settings: settings)
        let added = try WorkQueue(location: location).enqueue(jobs)
        print("\(added) jobs queued, \(jobs.count - added) already queued in \(location.redacted); start medgym worker --store … to play them")
    }
}

/// Batch progress on stderr: one line rewritten in place on a terminal,
/// otherwise a plain line every tenth of the batch.
struct ProgressMeter {
    let total: Int
    let terminal = isatty(STDERR_FILENO) == 1
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    var lastShown = -1

    init(total: Int) {
        self.total = total
        self.started = clock.now
    }

    mutating func update(_ progress: BatchProgress) {
        let tenth = max(1, total / 10)
        let due = terminal ? progress.done % max(1, total / 200) == 0 || progress.done == total : progress.done % tenth == 0
        guard due, progress.done != lastShown, total >= 20 else { return }
        lastShown = progress.done
        let seconds = (clock.now - started).seconds
        let rate = seconds > 0 ? Double(progress.done) / seconds : 0
        let eta = rate > 0 ? Double(total - progress.done) / rate : 0
        let line = String(
            format: "%d/%d episodes (%d new, %d already stored) · %.0f/s · ETA %.0f s",
            progress.done, total, progress.inserted, progress.alreadyStored, rate, eta)
        FileHandle.standardError.write(Data((terminal ? "\r\(line)" : "\(line)\n").utf8))
    }

    func finish() {
        if terminal && lastShown >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
