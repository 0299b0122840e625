import ArgumentParser
import CommandLineSupport
import Foundation
import MedGym
import Replay
import TraceStore

/// `replay export corpus --wave W (EP... | --all | --fixtures PATTERN | --label L) --out DIR`.
struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Write training corpora (RLVR tuples, GRPO groups and pairs, SFT corrections) and a manifest for a wave of episodes.",
        discussion: "Example: replay export corpus --wave wave1b ep_0fa72a32ec1d --out corpus")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Episode ids (or --all, --fixtures, --label).")
    var episodes: [String] = []

    @Option(help: "The wave's name: files go to OUT/WAVE/{rlvr,grpo,sft}/EP.jsonl and OUT/WAVE/manifest.json.")
    var wave: String

    @Flag(help: "Every stored episode (forks excluded).")
    var all = false

    @Option(help: "Every episode of fixtures matching these patterns (comma-separated).")
    var fixtures: String?

    @Option(help: "Every episode recorded with this label.")
    var label: String?

    @Option(help: "Folder to write into.")
    var out: String = "corpus"

    @Option(name: .customLong("continue"), help: "After each alternative: original, expert or none (like-for-like arms).")
    var continuation: ForkContinuation = .original

    @Option(
        help: """
            How each prompt shows the encounter: transcript (every observation and action as the agent had them) \
            or chart (the system prompt and one message with the chart now: short, and the same whatever came before).
            """)
    var prompt: CorpusPrompt = .transcript

    @Option(help: "Least reward difference (points) for a preference pair.")
    var margin: Double = 5

    @Option(help: "Export only episodes signed by a key in this file (one 'medgym-ed25519 BASE64' a line).")
    var trust: String?

    @Flag(name: .customLong("include-abandoned"), help: "Count episodes their caller abandoned (a reset or close mid-episode), left out by default.")
    var includeAbandoned = false

    @Option(help: "Threads for the sweeps (the files are the same for any number).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        let ways = [!episodes.isEmpty, all, fixtures != nil, label != nil].filter { $0 }.count
        guard ways == 1 else { throw ValidationError("choose the episodes one way: ids, --all, --fixtures PATTERN or --label L") }
        guard !wave.isEmpty, !wave.contains("/"), wave != ".", wave != ".." else {
            throw ValidationError("--wave '\(wave)' must be a plain folder name, such as wave1b")
        }
        guard margin >= 0 else { throw ValidationError("--margin \(margin) must be 0 or more points") }
        guard continuation != .agent else { throw ValidationError("--continue agent is not a like-for-like arm for a corpus; use original, expert or none") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs \(jobs) is out of range; use 1…256") }
    }

    func run() throws {
        do {
            let store = try storeOptions.open()
            var ids = episodes
            let trusted = try trust.map(TrustedKeys.load)
            if episodes.isEmpty {
                let selection = try EpisodeSelection.checked(
                    store, fixtures: EpisodeSelection.patterns(fixtures), label: label, trust: trusted, includeAbandoned: includeAbandoned,
                    jobs: jobs)
                for line in CheckedSelection.summary(selection.leftOut) {
                    FileHandle.standardError.write(Data((PrintableText.terminal(line) + "\n").utf8))
                }
                ids = selection.runs.map(\.header.episodeID)
                if ids.isEmpty { throw ValidationError("no stored episodes count; run 'replay list' to see them") }
            } else {
                // Named episodes are checked before anything is written.
                try EpisodeSelection.requireCounted(ids, in: store, trust: trusted)
            }
            let exporter = CorpusExporter(forker: Forker(store: store), continuation: continuation, margin: margin, jobs: jobs, prompt: prompt)
            let writer = CorpusWriter(exporter: exporter, wave: wave, folder: URL(fileURLWithPath: out, isDirectory: true))
            let manifest = try writer.write(ids) { done in
                if ids.count > 20 && done % 20 == 0 { FileHandle.standardError.write(Data("\(done)/\(ids.count) episodes\n".utf8)) }
            }
            let root = (out as NSString).appendingPathComponent(wave)
            print(
                "wrote \(root): \(manifest.counts["rlvr"] ?? 0) RLVR tuples, \(manifest.counts["grpo"] ?? 0) GRPO pairs, \(manifest.counts["sft"] ?? 0) SFT corrections from \(manifest.episodes) episode\(manifest.episodes == 1 ? "" : "s")"
            )
        } catch {
            throw fail(error)
        }
    }
}

extension CorpusPrompt: ExpressibleByArgument {}
