import CRename
import Foundation
import MedGym
import TraceStore

/// Training corpora from recorded episodes, one file per episode and corpus,
/// in the shapes TRL takes as they are:
///
/// - `rlvr/EP.jsonl`: one row per step. `prompt` is the conversation up to
///   the observation the agent acted on (``ChatTranscript``), with the action
///   (text as written, catalog id, raw model output), the step's reward
///   (``StepReward``, as `medgym serve` gives it; the rewards of an episode
///   sum to its composite) and its change per dimension, the
///   episode's nine-dimension score, and the answer-key items the action
///   touched with their sources: enough to re-verify the reward without MedGym.
/// - `grpo/EP.jsonl`: preference pairs in TRL's conversational shape
///   (`prompt`, `chosen`, `rejected`), each with its group (every alternative
///   at that step with its reward: same fixture, seed and luck, like-for-like
///   continuation), the rewards, the margin and the continuation. Pairs come
///   from the post-mortem's decisive step (premature closure: one pair per
///   open red-flag item, its best action over the recorded one) or, when
///   there is none, from the sweep's critical steps (the best alternative
///   over the recorded one). A pair needs a margin of at least `margin`
///   points and never prefers an action the fixture marks harmful or the
///   catalog contraindicates.
/// - `sft/EP.jsonl`: at the decisive step (premature closure), the
///   conversation up to it and the expert's action, with the answer-key
///   item's rationale and source: TRL's conversational prompt–completion form.
///
/// Every row carries provenance: episode and parent, step, fixture, tier,
/// variant, seed, agent, label, library version, answer-key digest and the
/// head hash of the trace it came from.
public struct CorpusExporter {
    public let forker: Forker
    public let continuation: ForkContinuation
    /// Least reward difference for a preference pair.
    public let margin: Double
    public let jobs: Int
    /// How each row's prompt shows the encounter so far.
    public let prompt: CorpusPrompt

    public init(
        forker: Forker, continuation: ForkContinuation = .original, margin: Double = 5, jobs: Int = 1,
        prompt: CorpusPrompt = .transcript
    ) {
        self.forker = forker
        self.continuation = continuation
        self.margin = margin
        self.jobs = jobs
        self.prompt = prompt
    }

    /// Rows of the three corpora for one episode.
    public struct Rows: Sendable {
        public var rlvr: [String]
        public var grpo: [String]
        public var sft: [String]
        /// Per corpus, each row's prompt and completion length in characters (for the manifest).
        public var lengths: [String: [RowLength]] = [:]
    }

    /// One row's length in characters: the prompt's messages' contents, and the completion's (the
    /// SFT completion; the longer of a pair's chosen and rejected; the RLVR action text).
    public struct RowLength: Sendable, Hashable {
        public var prompt: Int
        public var completion: Int
    }

    static func characters(_ messages: [Message]) -> Int { messages.reduce(0) { $0 + $1.content.count } }

    /// The columns every row carries.
    public struct Provenance: Sendable, Hashable, Encodable {
        public var episodeID: String
        public var parentID: String?
        public var step: Int
        public var fixture: String
        public var tier: Int?
        public var variant: String?
        public var seed: UInt64
        public var agent: String
        public var label: String?
        public var libraryVersion: String
        public var answerKeyDigest: String
        public var headHash: String
    }

    public struct Message: Sendable, Hashable, Encodable {
        public var role: String
        public var content: String
    }

    /// One step of one episode (RLVR).
    public struct RLVRRow: Encodable {
        public var prompt: [Message]
        public var observation: Observation
        public var actionText: String
        public var action: String
        public var raw: String?
        public var reward: Double
        public var rewardComponents: [StepReward.Component]
        public var terminal: Bool
        public var episodeComposite: Double
        public var episodeOutcome: String
        public var episodeHarmLevel: HarmLevel
        public var episodeDimensions: [DimensionScore]
        public var items: [ScoreItem]
        public var provenance: Provenance

        enum CodingKeys: String, CodingKey {
            case prompt, observation, actionText, action, raw, reward, rewardComponents, terminal, episodeComposite, episodeOutcome,
                episodeHarmLevel, episodeDimensions, items
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(prompt, forKey: .prompt)
            // Nested structures whose lists are empty in some episodes (alerts, results, touched items) are JSON
            // text: a column that is an empty list in one file and a list of values in another does not load with
            // `datasets` (`Couldn't cast array of type … to null`).
            try c.encode(try CanonicalJSON.string(observation, numbers: .typed), forKey: .observation)
            try c.encode(actionText, forKey: .actionText)
            try c.encode(action, forKey: .action)
            try c.encode(raw, forKey: .raw)
            try c.encode(reward, forKey: .reward)
            try c.encode(try CanonicalJSON.string(rewardComponents, numbers: .typed), forKey: .rewardComponents)
            try c.encode(terminal, forKey: .terminal)
            try c.encode(episodeComposite, forKey: .episodeComposite)
            try c.encode(episodeOutcome, forKey: .episodeOutcome)
            try c.encode(episodeHarmLevel, forKey: .episodeHarmLevel)
            try c.encode(episodeDimensions, forKey: .episodeDimensions)
            try c.encode(try CanonicalJSON.string(items.map(CorpusExporter.verifiedStated), numbers: .typed), forKey: .items)
            try provenance.encode(to: encoder)
        }
    }

    /// One alternative of a group.
    public struct GroupMember: Sendable, Hashable, Encodable {
        public var action: String
        public var text: String
        public var reward: Double
        public var outcome: String
        public var harmLevel: HarmLevel
        public var recorded: Bool
        /// Why the catalog advises against it here, if it does.
        public var contraindication: String?

        enum CodingKeys: String, CodingKey { case action, text, reward, outcome, harmLevel, recorded, contraindication }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(action, forKey: .action)
            try c.encode(text, forKey: .text)
            try c.encode(reward, forKey: .reward)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(harmLevel, forKey: .harmLevel)
            try c.encode(recorded, forKey: .recorded)
            try c.encode(contraindication, forKey: .contraindication)
        }
    }

    /// One preference pair (GRPO / DPO).
    public struct PairRow: Encodable {
        public var prompt: [Message]
        public var chosen: [Message]
        public var rejected: [Message]
        public var chosenAction: String
        public var rejectedAction: String
        public var chosenReward: Double
        public var rejectedReward: Double
        public var margin: Double
        public var continuation: ForkContinuation
        public var reason: String
        public var item: ScoreItem?
        public var group: [GroupMember]
        public var provenance: Provenance

        enum CodingKeys: String, CodingKey {
            case prompt, chosen, rejected, chosenAction, rejectedAction, chosenReward, rejectedReward, margin, continuation, reason, item, group
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(prompt, forKey: .prompt)
            try c.encode(chosen, forKey: .chosen)
            try c.encode(rejected, forKey: .rejected)
            try c.encode(chosenAction, forKey: .chosenAction)
            try c.encode(rejectedAction, forKey: .rejectedAction)
            try c.encode(chosenReward, forKey: .chosenReward)
            try c.encode(rejectedReward, forKey: .rejectedReward)
            try c.encode(margin, forKey: .margin)
            try c.encode(continuation, forKey: .continuation)
            try c.encode(reason, forKey: .reason)
            // As JSON text ("" when the pair comes from the regret sweep alone): a column that is null in one
            // file and an object in another does not load with `datasets`.
            try c.encode(try item.map { try CanonicalJSON.string(CorpusExporter.verifiedStated($0), numbers: .typed) } ?? "", forKey: .item)
            try c.encode(group, forKey: .group)
            try provenance.encode(to: encoder)
        }
    }

    /// One expert correction (SFT), in TRL's conversational prompt–completion
    /// form: the conversation up to the decisive step as `prompt`, the expert's
    /// action as the one-message `completion`, so only the correction is trained
    /// (SFTTrainer's completion-only loss), never the recorded agent's own turns.
    public struct CorrectionRow: Encodable {
        public var prompt: [Message]
        public var completion: [Message]
        public var action: String
        public var recordedAction: String?
        public var rationale: String
        public var item: ScoreItem
        public var provenance: Provenance

        enum CodingKeys: String, CodingKey { case prompt, completion, action, recordedAction, rationale, item }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(prompt, forKey: .prompt)
            try c.encode(completion, forKey: .completion)
            try c.encode(action, forKey: .action)
            try c.encode(recordedAction, forKey: .recordedAction)
            try c.encode(rationale, forKey: .rationale)
            try c.encode(item, forKey: .item)
            try provenance.encode(to: encoder)
        }
    }

    /// An item with its citation's `verified` stated: absent in a fixture means checked (only `false` marks a
    /// section not yet checked), written as `true` so the column is never null.
    static func verifiedStated(_ item: ScoreItem) -> ScoreItem {
        var item = item
        item.source.verified = item.source.verified ?? true
        return item
    }

    /// The three corpora's rows for `episodeID`, each row one line of canonical JSON.
    public func rows(_ episodeID: String) throws -> Rows {
        // The episode read, checked and re-executed once (the state before every turn and after the
        // last), for the rows, the sweep and the post-mortem alike.
        let episode = try forker.preparedEpisode(episodeID)
        let (events, score, start, fixture) = (episode.events, episode.score, episode.start, episode.fixture)
        let listing = (header: episode.header, headHash: episode.headHash)
        let catalog = forker.resolver.catalog
        let h = listing.header
        func provenance(_ step: Int) -> Provenance {
            Provenance(
                episodeID: episodeID, parentID: h.parentID, step: step, fixture: h.fixture, tier: h.tier, variant: h.variant,
                seed: h.seed, agent: h.agent, label: h.label, libraryVersion: start.provenance?.libraryVersion ?? h.libraryVersion,
                answerKeyDigest: start.provenance?.answerKeyDigest ?? "", headHash: listing.headHash)
        }
        // The applied steps and the observation each acted on.
        var observations: [Int: Observation] = [:]
        var taken: [(step: Int, text: String, action: String, raw: String?)] = []
        for event in events {
            switch event.kind {
            case .observation:
                if let o = try event.decodedPayload().observation { observations[event.step] = o }
            case .actionReceived:
                let p = try event.decodedPayload()
                taken.append((event.step, p.text ?? "", p.action ?? "", p.raw))
            default: break
            }
        }
        let limits = EncounterChart.Limits(fixture)
        func prompt(before step: Int) -> [Message] {
            var messages = [Message(role: "system", content: ChatTranscript.systemPrompt)]
            if self.prompt == .chart, let arrival = observations[0] {
                let entries = taken.filter { $0.step < step }.compactMap { t in
                    observations[t.step].map { EncounterChart.Entry(text: t.text, observation: $0) }
                }
                messages.append(Message(role: "user", content: EncounterChart.render(arrival: arrival, entries: entries, limits: limits)))
                return messages
            }
            for t in taken where t.step < step {
                if let o = observations[t.step - 1] { messages.append(Message(role: "user", content: ChatTranscript.render(o, limits: limits))) }
                messages.append(Message(role: "assistant", content: t.text))
            }
            if let o = observations[step - 1] { messages.append(Message(role: "user", content: ChatTranscript.render(o, limits: limits))) }
            return messages
        }
        /// The episode's scored answer-key item (with its detail and source).
        func item(_ key: String) -> ScoreItem? { score.items.first { $0.key == key } }

        // RLVR: every step.
        // The potential before the first step and after each: the arrival state, the states the trace
        // restores before each later exchange, and the final state.
        guard let final = episode.end else { throw TraceFormatError.noFinalState(episode: episodeID) }
        let scorer = Scorer(fixture: fixture, catalog: catalog)
        let exchanges = episode.exchanges
        let applied = exchanges.filter { if case .action = $0 { true } else { false } }
        var cards = [scorer.score(Environment(fixture: fixture, resolver: forker.resolver, seed: h.seed).state)]
        for exchange in applied {
            // After a step: the state before the next exchange of any kind, or the final state.
            let after = exchanges.first { $0.seq > exchange.seq }.flatMap { episode.restored[$0.seq] } ?? final
            cards.append(scorer.score(after))
        }
        let credits = StepReward.episode(cards)
        var rlvr: [String] = []
        var lengths: [String: [RowLength]] = [:]
        for (t, credit) in zip(taken, credits) {
            let touched =
                fixture.answerKey.items.filter { $0.actions.contains(t.action) }.map(\.id)
                + fixture.answerKey.harmful.filter { $0.actions.contains(t.action) }.map(\.id)
            let row = RLVRRow(
                prompt: prompt(before: t.step), observation: observations[t.step - 1] ?? observations[0]!, actionText: t.text,
                action: t.action, raw: t.raw, reward: credit.reward, rewardComponents: credit.components, terminal: credit.terminal,
                episodeComposite: score.composite, episodeOutcome: score.outcome, episodeHarmLevel: score.harmLevel,
                episodeDimensions: score.dimensions, items: touched.compactMap(item), provenance: provenance(t.step))
            rlvr.append(try CanonicalJSON.string(row, numbers: .typed))
            lengths["rlvr", default: []].append(RowLength(prompt: Self.characters(row.prompt), completion: t.text.count))
        }

        // GRPO and SFT: from the post-mortem's decisive step (premature closure: only that step is
        // swept), or the sweep's critical steps (contraindicated candidates played only there).
        let sweeper = Sweeper(forker: forker)
        var closureSweep: Sweep?
        var postmortem: Postmortem?
        if let closing = try PostmortemBuilder(forker: forker).decisiveClosureStep(episodeID) {
            func swept(_ continuation: ForkContinuation) throws -> Sweep {
                let step = try sweeper.sweepStep(episodeID, at: closing, candidates: .key, continuation: continuation)
                return Sweep(
                    episodeID: episodeID, fixture: fixture.id, seed: h.seed, continuation: continuation, candidates: [], steps: [step], critical: [])
            }
            let decisive = try swept(continuation)
            // The post-mortem's alternative is the best with the recorded agent carrying on (continuation original).
            postmortem = try PostmortemBuilder(forker: forker).build(
                episodeID, jobs: jobs, sweep: continuation == .original ? decisive : try swept(.original), withCounterfactuals: false)
            if postmortem?.decisive?.kind == .prematureClosure { closureSweep = decisive }
        }
        // No decisive closure (or no alternative to it): the whole sweep, for its critical steps; none when no
        // step can be critical (under `original` every step's recorded arm is the recorded episode, and the
        // fixture's ceiling leaves less than the critical margin above its score).
        let sweep: Sweep?
        if let closureSweep {
            sweep = closureSweep
        } else if continuation == .original, !Sweeper.canBeCritical(recorded: score.composite, ceiling: scorer.compositeCeiling) {
            sweep = nil
        } else {
            sweep = try sweeper.sweep(episodeID, candidates: .key, continuation: continuation, jobs: jobs, wholeOnlyWhereCritical: true)
        }
        let harmful = Set(fixture.answerKey.harmful.flatMap(\.actions))
        func text(for action: String) -> String {
            fixture.policies.expert.first { (try? forker.resolver.resolve($0).id) == action } ?? catalog[action]?.name ?? action
        }
        func group(_ step: SweepStep) -> [GroupMember] {
            var members = [
                GroupMember(
                    action: step.recordedAction ?? "", text: step.recordedText ?? "", reward: step.recordedComposite,
                    outcome: step.recordedOutcome, harmLevel: step.recordedHarmLevel, recorded: true, contraindication: nil)
            ]
            members += step.alternatives.filter { $0.action != step.recordedAction }.map {
                GroupMember(
                    action: $0.action, text: text(for: $0.action), reward: $0.composite, outcome: $0.outcome, harmLevel: $0.harmLevel,
                    recorded: false, contraindication: $0.contraindication)
            }
            return members
        }
        var grpo: [String] = []
        var sft: [String] = []
        func pair(_ step: SweepStep, chosen: SweepAlternative, reason: String, item: ScoreItem?) throws {
            guard let recorded = step.recordedText, chosen.contraindication == nil, !harmful.contains(chosen.action),
                chosen.composite - step.recordedComposite >= margin
            else { return }
            let row = PairRow(
                prompt: prompt(before: step.step), chosen: [Message(role: "assistant", content: text(for: chosen.action))],
                rejected: [Message(role: "assistant", content: recorded)], chosenAction: chosen.action,
                rejectedAction: step.recordedAction ?? "", chosenReward: chosen.composite, rejectedReward: step.recordedComposite,
                margin: round2(chosen.composite - step.recordedComposite), continuation: continuation, reason: reason, item: item,
                group: group(step), provenance: provenance(step.step))
            grpo.append(try CanonicalJSON.string(row, numbers: .typed))
            lengths["grpo", default: []].append(
                RowLength(prompt: Self.characters(row.prompt), completion: max(Self.characters(row.chosen), Self.characters(row.rejected))))
        }
        if let decisive = postmortem?.decisive, decisive.kind == .prematureClosure,
            let step = sweep?.steps.first(where: { $0.step == decisive.step })
        {
            var paired: [String] = []
            for open in decisive.open {
                guard let key = fixture.answerKey.items.first(where: { $0.id == open.key }) else { continue }
                let best = step.alternatives.filter { key.actions.contains($0.action) }.sorted { $0.composite > $1.composite }.first
                // One pair per chosen action: two open items met by one action (a β-blocker and its target) teach one lesson.
                if let best, !paired.contains(best.action) {
                    paired.append(best.action)
                    try pair(
                        step, chosen: best, reason: "premature closure at step \(step.step) with a red flag open: \(open.description)",
                        item: item(open.key))
                }
            }
            if let correction = decisive.correction, let key = item(decisive.open.first?.key ?? "") {
                let row = CorrectionRow(
                    prompt: prompt(before: decisive.step), completion: [Message(role: "assistant", content: text(for: correction.action))],
                    action: correction.action, recordedAction: decisive.recordedAction, rationale: correction.rationale,
                    item: Self.verifiedStated(key),
                    provenance: provenance(decisive.step))
                sft.append(try CanonicalJSON.string(row, numbers: .typed))
                lengths["sft", default: []].append(RowLength(prompt: Self.characters(row.prompt), completion: Self.characters(row.completion)))
            }
        } else {
            for step in sweep?.steps ?? [] where step.critical {
                if let best = step.best { try pair(step, chosen: best, reason: "critical step \(step.step): largest regret", item: nil) }
            }
        }
        return Rows(rlvr: rlvr, grpo: grpo, sft: sft, lengths: lengths)
    }
}

/// Writes the corpora of many episodes, one episode at a time (memory stays
/// flat in the number of episodes), and the wave's manifest.
public struct CorpusWriter {
    public let exporter: CorpusExporter
    public let wave: String
    public let folder: URL

    public init(exporter: CorpusExporter, wave: String, folder: URL) {
        self.exporter = exporter
        self.wave = wave
        self.folder = folder
    }

    /// The manifest of a wave: what was exported, how it was chosen, and a SHA-256 per file.
    public struct Manifest: Sendable, Hashable, Encodable {
        public struct File: Sendable, Hashable, Encodable {
            public var corpus: String
            public var path: String
            public var rows: Int
            public var sha256: String
        }
        /// The spread of row lengths of one corpus, in characters (no tokenizer is bundled:
        /// divide by a tokenizer's characters per token, about 4 for English BPE vocabularies).
        public struct Lengths: Sendable, Hashable, Encodable {
            public var unit = "characters"
            public var prompt: Spread
            public var completion: Spread
        }
        /// Smallest, median, 95th percentile and largest of a set of lengths.
        public struct Spread: Sendable, Hashable, Encodable {
            public var min: Int, median: Int, p95: Int, max: Int
            init(_ values: [Int]) {
                let sorted = values.sorted()
                func at(_ share: Double) -> Int { sorted.isEmpty ? 0 : sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count - 1) * share))] }
                (min, median, p95, max) = (sorted.first ?? 0, at(0.5), at(0.95), sorted.last ?? 0)
            }
        }
        public var wave: String
        public var libraryVersion: String
        /// How prompts show the encounter: `transcript` or `chart`.
        public var prompt: CorpusPrompt
        public var lengths: [String: Lengths]
        public var continuation: ForkContinuation
        public var margin: Double
        public var selection: [String: String]
        public var counts: [String: Int]
        public var episodes: Int
        public var fixtures: [String]
        public var agents: [String]
        public var schemas: [String: String]
        public var files: [File]
    }

    static let selection = [
        "rlvr":
            "one row per applied step; reward = the step's change in potential (the composite if the episode ended there), the last step also carrying the arrival potential: an episode's rewards sum to its composite, as medgym serve gives them",
        "grpo":
            "at the post-mortem's decisive step (premature closure): one pair per open red-flag item, its best action over the recorded one; else at the sweep's critical steps, the best alternative over the recorded one; only pairs whose reward difference is at least the margin and whose chosen action is neither harmful nor contraindicated",
        "sft":
            "at the decisive step (premature closure): the conversation so far and the expert's action for the first open red-flag item, with the item's rationale and source",
    ]

    /// The workers' exporters, each taken by one episode's export at a time and given back after, so
    /// no exporter (nor its connection) is ever used by two threads at once.
    final class Workers: @unchecked Sendable {
        private var free: [CorpusExporter]
        private let lock = NSLock()
        let count: Int
        init(_ exporters: [CorpusExporter]) {
            free = exporters
            count = exporters.count
        }

        /// `body` run with an exporter no other thread holds meanwhile (there is one per thread of the map).
        func with<T>(_ body: (CorpusExporter) throws -> T) rethrows -> T {
            lock.lock()
            let exporter = free.removeLast()
            lock.unlock()
            defer {
                lock.lock()
                free.append(exporter)
                lock.unlock()
            }
            return try body(exporter)
        }
    }

    /// One exporter per job: the caller's for one job; otherwise each on its own read-only
    /// connection to the same store, its sweeps on one thread (the episodes are the parallel part).
    private func workerExporters() throws -> [CorpusExporter] {
        guard exporter.jobs > 1 else { return [exporter] }
        return try (0..<exporter.jobs).map { _ in
            let store = try exporter.forker.store.reader()
            return CorpusExporter(
                forker: Forker(store: store, resolver: exporter.forker.resolver), continuation: exporter.continuation,
                margin: exporter.margin, jobs: 1, prompt: exporter.prompt)
        }
    }

    private func write(_ id: String, rows: CorpusExporter.Rows, root: URL, files: inout [Manifest.File], counts: inout [String: Int]) throws {
        for (corpus, lines) in [("rlvr", rows.rlvr), ("grpo", rows.grpo), ("sft", rows.sft)] where !lines.isEmpty {
            let directory = root.appendingPathComponent(corpus, isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let data = Data((lines.joined(separator: "\n") + "\n").utf8)
            try data.write(to: directory.appendingPathComponent("\(id).jsonl"), options: .atomic)
            files.append(.init(corpus: corpus, path: "\(corpus)/\(id).jsonl", rows: lines.count, sha256: TraceHash.sha256(data)))
            counts[corpus, default: 0] += lines.count
        }
    }

    /// Exports `episodes` (ids, in the order given); `progress` is told after each.
    ///
    /// The wave is written whole or not at all: into a hidden temporary
    /// folder beside it, then moved into place with its manifest, replacing
    /// the wave's earlier files as a whole. A kill mid-export leaves the
    /// previous wave untouched (and the temporary folder, removed by the next
    /// export); a wave never mixes files of two exports.
    public func write(_ episodes: [String], progress: (Int) -> Void = { _ in }) throws -> Manifest {
        let target = folder.appendingPathComponent(wave, isDirectory: true)
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let staging = folder.appendingPathComponent(".\(wave).partial", isDirectory: true)
        if fm.fileExists(atPath: staging.path) { try fm.removeItem(at: staging) }
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        let root = staging
        var files: [Manifest.File] = []
        var counts = ["rlvr": 0, "grpo": 0, "sft": 0]
        var fixtures = Set<String>()
        var agents = Set<String>()
        var lengths: [String: [CorpusExporter.RowLength]] = [:]
        // With several jobs, episodes are exported a window at a time, each by whichever worker is free
        // (on its own read-only connection, sweeps inside on one thread), and written in order: memory
        // holds one window's rows, and a slow episode holds up only its window's end.
        let workers = Workers(try workerExporters())
        let window = workers.count == 1 ? 1 : workers.count * 8
        var done = 0
        while done < episodes.count {
            let chunk = Array(episodes[done..<min(done + window, episodes.count)])
            let slots = OrderedWork.map(chunk.count, width: workers.count) { i in try workers.with { try $0.rows(chunk[i]) } }
            for (offset, id) in chunk.enumerated() {
                let header = try exporter.forker.store.header(id)
                fixtures.insert(header.fixture)
                agents.insert(header.label.map { "\(header.agent) · \($0)" } ?? header.agent)
                let rows = try slots[offset].get()
                for (corpus, some) in rows.lengths { lengths[corpus, default: []] += some }
                try write(id, rows: rows, root: root, files: &files, counts: &counts)
                progress(done + offset + 1)
            }
            done += chunk.count
        }
        let manifest = Manifest(
            wave: wave, libraryVersion: MedGymVersion.current, prompt: exporter.prompt,
            lengths: lengths.mapValues { Manifest.Lengths(prompt: .init($0.map(\.prompt)), completion: .init($0.map(\.completion))) },
            continuation: exporter.continuation, margin: exporter.margin,
            selection: Self.selection, counts: counts, episodes: episodes.count, fixtures: fixtures.sorted(), agents: agents.sorted(),
            schemas: ["rlvr": "schemas/corpus/rlvr.schema.json", "grpo": "schemas/corpus/grpo.schema.json", "sft": "schemas/corpus/sft.schema.json"],
            files: files.sorted { ($0.corpus, $0.path) < ($1.corpus, $1.path) })
        try Data((try CanonicalJSON.string(manifest, pretty: true) + "\n").utf8).write(to: root.appendingPathComponent("manifest.json"), options: .atomic)
        // Swap the finished wave in, in one step where the file system can (the old wave then sits in
        // the staging folder and goes): a kill at any moment leaves the old wave or the new one, whole.
        if fm.fileExists(atPath: target.path), medgym_exchange_paths(staging.path, target.path) == 0 {
            try fm.removeItem(at: staging)
            return manifest
        }
        let retired = folder.appendingPathComponent(".\(wave).old", isDirectory: true)
        if fm.fileExists(atPath: retired.path) { try fm.removeItem(at: retired) }
        if fm.fileExists(atPath: target.path) { try fm.moveItem(at: target, to: retired) }
        try fm.moveItem(at: staging, to: target)
        if fm.fileExists(atPath: retired.path) { try fm.removeItem(at: retired) }
        return manifest
    }
}

/// How a corpus row's prompt shows the encounter so far.
public enum CorpusPrompt: String, Sendable, Hashable, Codable, CaseIterable {
    /// The conversation as the agent had it: every observation and every action, one message each.
    case transcript
    /// The system prompt and one user message: the chart now (``EncounterChart``), Markovian and short.
    case chart
}
