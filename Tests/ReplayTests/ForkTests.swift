import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// Forks through the library, on a real store holding the committed demo trace.
struct ForkTests {
    /// A temp store with the committed demo episode imported.

    @Test func ctaAtStep13UnderTheRecordedContinuationIsStillMissed() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let fork = try Forker(store: store).fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest")
        #expect(fork.minute == 32)
        #expect(fork.recordedText == "reassure, no imaging")
        #expect(fork.actual.outcome == "missed_aad")
        // The CTA result arrives, but the recorded agent still sends him to chest-pain observation: missed.
        let resulted = fork.events.contains { $0.kind == .resultArrived && (try? $0.decodedPayload().action) == "cta_chest" }
        #expect(resulted)
        #expect(fork.counterfactual.outcome == "missed_aad")
        #expect(fork.deltaComposite > 0)
        #expect(fork.deltas.count == 9)
        #expect(fork.deltas.first { $0.dimension == .redFlag }!.delta > 0)
        #expect(!fork.reproducesOriginal)
        let pair = try #require(fork.pair.pair)
        #expect(pair.chosen == "CTA chest" && pair.rejected == "reassure, no imaging")
        #expect(pair.chosenReward > pair.rejectedReward && pair.seed == 42 && pair.prompt.step == 12)
        // The prefix is the original's, event for event.
        let original = try store.events("ep_0fa72a32ec1d")
        let cut = original.firstIndex { $0.kind == .actionReceived && $0.step == 13 }!
        #expect(Array(fork.events[..<cut]) == Array(original[..<cut]))
        #expect(TraceComparison.firstBrokenLink(fork.events) == nil)
    }

    @Test func ctaAtStep13UnderTheExpertContinuation() throws {
        // Both arms continue with the expert plan: both are caught; the CTA arm has it on time.
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let fork = try Forker(store: store).fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest", continuation: .expert)
        #expect(fork.counterfactual.outcome == "caught_aad")
        #expect(fork.actual.outcome == "caught_aad")  // like for like: the expert rescues the recorded arm too
        // The CTA is on time in one arm only.
        let onTime = { (card: ScoreCard) in card.items.first { $0.key == "cta_chest" }?.points ?? 0 }
        #expect(onTime(fork.counterfactual) > onTime(fork.actual))
    }

    @Test func alteplaseIsNeverPreferred() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        // Step 8: the IV line went in at step 7 (before it, an IV drug is not given at all).
        let fork = try Forker(store: store).fork("ep_0fa72a32ec1d", at: 8, action: "alteplase", continuation: .expert)
        #expect(fork.deltaComposite < 0)
        #expect(fork.counterfactual.harmLevel == .critical)
        #expect(fork.pair.pair?.chosenAction != "alteplase")
    }

    /// For every action the fixture contraindicates, at every step of the
    /// demo, under each continuation, no preference pair chooses it.
    @Test(arguments: [ForkContinuation.expert, .original, .none])
    func noPairEverChoosesAContraindicatedAction(continuation: ForkContinuation) throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let fixture = try FixtureLoader.fixture(named: "adv_cocaine_dissection")
        // Harm items that need repetition (two fluid boluses) do not make one dose contraindicated.
        let single = fixture.answerKey.harmful.filter { ($0.minCount ?? 1) <= 1 }
        let harmful = Set(single.flatMap(\.actions) + fixture.answerKey.disposition.harmful.flatMap(\.actions))
        #expect(harmful.count >= 3, "the fixture contraindicates actions to try")
        let forker = Forker(store: store)
        let steps = continuation == .expert ? Array(1...28) : [1, 4, 13, 28]
        var pairs = 0
        for step in steps {
            for action in harmful.sorted() {
                let fork = try forker.fork("ep_0fa72a32ec1d", at: step, action: action, continuation: continuation)
                if fork.pair.pair != nil { pairs += 1 }
                #expect(fork.pair.pair?.chosenAction != action, "step \(step) \(action) \(continuation)")
            }
        }
        #expect(pairs > 0, "some forks made preference pairs, and none chose the contraindicated action")
    }

    @Test(arguments: [1, 2, 7, 13, 20, 27, 28])
    func sameActionForkReproducesTheOriginalBitForBit(step: Int) throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let original = try store.events("ep_0fa72a32ec1d")
        let text = try #require(try original.first { $0.kind == .actionReceived && $0.step == step }?.decodedPayload().text)
        let fork = try Forker(store: store).fork("ep_0fa72a32ec1d", at: step, action: text)
        #expect(fork.reproducesOriginal)
        #expect(fork.events == original)
        #expect(fork.deltaComposite == 0)
    }

    @Test(arguments: ["adv_aaa_30min", "adv_pediatric_dka"])
    func sameActionForkReproducesOtherFixtures(fixtureName: String) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let fixture = try FixtureLoader.fixture(named: fixtureName)
        for spec in [AgentSpec.expert, .anchoring, .random] {
            var agent = spec.makeAgent(fixture: fixture, seed: 5)
            let recorded = try EpisodeRecorder(fixture: fixture).record(seed: 5, agent: &agent, createdAt: "x")
            try store.save(recorded)
            let steps = recorded.events.filter { $0.kind == .actionReceived }
            for event in [steps.first!, steps[steps.count / 2], steps.last!] {
                let text = try event.decodedPayload().text!
                let fork = try Forker(store: store).fork(recorded.header.episodeID, at: event.step, action: text)
                #expect(fork.events == recorded.events, "\(spec) step \(event.step)")
            }
        }
    }

    @Test func continuationsDiffer() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let forker = Forker(store: store)
        let expert = try forker.fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest", continuation: .expert)
        let none = try forker.fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest", continuation: .none)
        let original = try forker.fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest", continuation: .original)
        #expect(expert.counterfactual.composite > original.counterfactual.composite)
        #expect(expert.counterfactual.outcome == "caught_aad")
        // Like for like: the recorded arm gets the same continuation.
        #expect(none.actual.composite != original.actual.composite)
        let agent = try forker.fork("ep_0fa72a32ec1d", at: 13, action: "reassure, no imaging", continuation: .agent)
        #expect(agent.reproducesOriginal)
        #expect(none.events.contains { $0.kind == .noAction })
        #expect(!original.events.contains { $0.kind == .noAction })
        // The original agent's later CTA-free actions follow; none repeats the alternate.
        let ctas = original.events.filter { $0.kind == .actionReceived }.filter { (try? $0.decodedPayload().action) == "cta_chest" }
        #expect(ctas.count == 1)
    }

    @Test func agentContinuationNeedsAnAgentItCanRerun() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let forker = Forker(store: store)
        let saved = try forker.save(try forker.fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest"), createdAt: "x")
        let before = try store.episodeIDs()
        let refusal = #expect(throws: ForkError.self) {
            try forker.fork(saved.header.episodeID, at: 14, action: "troponin", continuation: .agent)
        }
        guard case .agentNotReplayable(let agent, _) = refusal else {
            Issue.record("expected .agentNotReplayable, got \(String(describing: refusal))")
            return
        }
        #expect(agent == "fork:original")
        #expect(try store.episodeIDs() == before)
    }

    @Test func savedForkIsListedLinkedAndVerifies() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let fork = try Forker(store: store).fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest")
        let recorded = fork.recorded(createdAt: "x")
        try store.save(recorded)
        let row = try store.listing(recorded.header.episodeID)
        #expect(row.header.parentID == "ep_0fa72a32ec1d" && row.header.forkStep == 13)
        #expect(row.summary?.outcome == "missed_aad")
        #expect(try Verifier(store: store).verify(recorded.header.episodeID).passed)
        #expect(try Verifier(store: store).verify("ep_0fa72a32ec1d").passed)
    }

    @Test func forksRebuildTheStateAndRefuseATraceThatDoesNotReexecute() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let forker = Forker(store: store)
        let fork = try forker.fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest")
        let saved = try forker.save(fork, createdAt: "x")
        #expect(saved.finalState?.step == fork.finalState.step)
        #expect(try Verifier(store: store).verify(saved.header.episodeID).passed)

        // A forged trace whose chain is intact (every hash recomputed after an
        // edit at step 12): forks before the edit still work, forks after it
        // are refused because re-execution does not reproduce it.
        var events = try store.events("ep_0fa72a32ec1d")
        let edited = try #require(events.firstIndex { $0.kind == .observation && $0.step == 12 })
        events[edited].payload = events[edited].payload.replacingOccurrences(of: "\"minute\":", with: "\"minute\":1")
        for i in edited..<events.count {
            events[i].prevHash = events[i - 1].hash
            events[i].hash = TraceHash.hash(of: events[i])
        }
        #expect(TraceComparison.firstBrokenLink(events) == nil)
        var header = try store.header("ep_0fa72a32ec1d")
        header.episodeID = "ep_00000000f0f0"
        let score = try #require(try store.storedScore("ep_0fa72a32ec1d"))
        try store.save(RecordedEpisode(header: header, events: events, score: score, finalState: nil))
        #expect(try forker.fork("ep_00000000f0f0", at: 10, action: "CTA chest").counterfactual.composite.isFinite)
        // Refused as a value a caller can switch on, not a message to match.
        let refusal = #expect(throws: TraceFormatError.self) { try forker.fork("ep_00000000f0f0", at: 13, action: "CTA chest") }
        guard case .doesNotReexecute = refusal else {
            Issue.record("expected .doesNotReexecute, got \(String(describing: refusal))")
            return
        }

        for (tamper, fields) in [
            ("UPDATE summaries SET composite = 99", "composite (stored 99.0, re-scored 10.5)"),
            (
                "UPDATE summaries SET outcome = 'caught_aad'",
                "outcome (stored caught_aad, re-scored missed_aad)"
            ),
        ] {
            let (fresh, freshDir) = try DemoStore.opened()
            defer { freshDir.remove() }
            try fresh.connection.execute(tamper + " WHERE episode = (SELECT id FROM episodes WHERE episode_id = 'ep_0fa72a32ec1d')")
            #expect(
                try Verifier(store: fresh).verify("ep_0fa72a32ec1d").problems
                    .contains("summary: the stored summary differs from re-scoring the events in \(fields)"))
        }
    }

    @Test func forksAtRejectedAndNoActionSteps() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        let fixture = try FixtureLoader.fixture(named: "adv_aaa_30min")
        var agent = ScriptedAgent(id: "script", actions: ["ECG", "zzzz qq", "troponin", "CT angiography"])
        let recorded = try EpisodeRecorder(fixture: fixture, invalidActions: .reject(limit: 5)).record(seed: 3, agent: &agent, createdAt: "x")
        try store.save(recorded)
        let id = recorded.header.episodeID
        let rejection = try #require(recorded.events.first { $0.kind == .actionRejected })
        // Same action at the step whose turn began with a rejection: identical trace.
        let same = try Forker(store: store).fork(id, at: rejection.step, action: "troponin")
        #expect(same.reproducesOriginal)
        // The clock-runs-out turn is a step too: fork it with an action.
        let none = try #require(recorded.events.first { $0.kind == .noAction })
        let fork = try Forker(store: store).fork(id, at: none.step, action: "vascular surgery consult")
        #expect(fork.recordedText == nil)
        #expect(fork.events.contains { $0.kind == .actionReceived && $0.step == none.step })
        #expect(try Verifier(store: store).verify(try Forker(store: store).save(fork, createdAt: "x").header.episodeID).passed)
    }

    @Test func badForkRequestsAreClearErrors() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let forker = Forker(store: store)
        for step in [0, 29, -3] {
            let refusal = ForkError.stepOutOfRange(episode: "ep_0fa72a32ec1d", step: step, valid: "1…28")
            #expect(throws: refusal) { try forker.fork("ep_0fa72a32ec1d", at: step, action: "CTA chest") }
            #expect(refusal.description == "--at \(step) is out of range for ep_0fa72a32ec1d: valid steps are 1…28")
        }
        #expect {
            try forker.fork("ep_0fa72a32ec1d", at: 13, action: "cta chst abdmn xyz")
        } throws: { error in
            guard case .unknownAction(let unknown) = error as? ForkError else { return false }
            return unknown.text == "cta chst abdmn xyz" && unknown.suggestions.contains("cta_chest")
        }
        #expect(throws: StoreError.self) { try forker.fork("ep_000000000000", at: 13, action: "CTA chest") }
    }

    @Test func rescoringTheEventsGivesTheRecordedScore() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let rescored = try Rescorer(store: store).rescore("ep_0fa72a32ec1d")
        #expect(rescored.matchesRecorded && !rescored.fixtureChanged)
        #expect(rescored.score.outcome == "missed_aad")
        let timeline = try Timeline.render(header: store.header("ep_0fa72a32ec1d"), events: store.events("ep_0fa72a32ec1d"))
        #expect(timeline.contains("min  32  step 13  \"reassure, no imaging\""))
    }
}

/// A trace recorded by simulation 1 (MedGym 0.3.0): its chain is still
/// checked, but forks and scores refuse it rather than give numbers from a
/// different patient.
struct LegacyTraceTests {
    static let log = CLI.packageRoot.appendingPathComponent("Tests/ReplayTests/Legacy/ep_0fa72a32ec1d.sim1.jsonl")

    @Test func olderSimulationTracesAreVerifiedByChainAndRefusedForForks() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = try TraceStore(path: dir.path("store.sqlite"))
        try TraceImporter(store: store).importLog(atPath: Self.log.path)
        // Not re-executed, so it fails unless a chain check alone is accepted.
        let refused = try Verifier(store: store).verify("ep_0fa72a32ec1d")
        #expect(!refused.passed && refused.problems.contains { $0.hasPrefix("unverified: chain checked, but not re-executed") })
        let report = try Verifier(store: store, acceptChainOnly: true).verify("ep_0fa72a32ec1d")
        #expect(report.passed)
        #expect(report.notes.contains { $0.contains("recorded by simulation version 1") && $0.contains("MedGym 0.3.0") })
        #expect(report.notes.contains { $0.hasPrefix("trace format 1: its agent and label are outside the hash chain") })
        #expect(throws: SimulationVersionError(episode: "ep_0fa72a32ec1d", recorded: 1)) {
            try Forker(store: store).fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest")
        }
        #expect(throws: SimulationVersionError(episode: "ep_0fa72a32ec1d", recorded: 1)) {
            try Rescorer(store: store).rescore("ep_0fa72a32ec1d")
        }
        // A simulation-3 trace (MedGym 0.5.0, the demo before simulation 4) is refused the same way, naming its version.
        let sim3 = try TraceStore(path: dir.path("sim3.sqlite"))
        try TraceImporter(store: sim3).importLog(atPath: Self.log.deletingLastPathComponent().appendingPathComponent("ep_0fa72a32ec1d.sim3.jsonl").path)
        #expect(try Verifier(store: sim3, acceptChainOnly: true).verify("ep_0fa72a32ec1d").passed)
        #expect(try !Verifier(store: sim3).verify("ep_0fa72a32ec1d").passed)
        #expect(throws: SimulationVersionError(episode: "ep_0fa72a32ec1d", recorded: 3)) {
            try Forker(store: sim3).fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest")
        }
        #expect("\(SimulationVersionError(episode: "ep_0fa72a32ec1d", recorded: 3))".contains("MedGym 0.5.0"))
        // A tampered old trace still fails its chain.
        try store.connection.execute("DROP TRIGGER IF EXISTS events_no_update")
        try store.connection.execute("UPDATE events SET payload = replace(payload, 'reassure', 'CTA chest') WHERE seq > 5")
        #expect(try !Verifier(store: store).verify("ep_0fa72a32ec1d").passed)
    }
}

/// A disposition the receiving team declines is not done: forks continue
/// with the expert, who supplies what was missing and asks again.
struct DeclinedDispositionTests {
    @Test func theDeclinedPICUForkPrefersAdmittingOnceTheFellowHasCome() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let fixture = try FixtureLoader.fixture(named: "adv_pediatric_dka")
        var plan = fixture.policies.expert
        let call = try #require(plan.firstIndex(of: "call PICU"))
        plan.insert("admit to PICU", at: call + 1)
        let script = dir.path("early.txt")
        try plan.joined(separator: "\n").write(toFile: script, atomically: true, encoding: .utf8)
        let path = dir.path("store.sqlite")
        let r = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_pediatric_dka", "--seed", "42", "--agent", "script:\(script)",
                "--episode-id", "ep_00000000dec1", "--store", path,
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("declined"))
        let forker = Forker(store: try TraceStore(path: path))
        let step = call + 2
        let transfer = try forker.fork("ep_00000000dec1", at: step, action: "transfer to another hospital", continuation: .expert)
        let intubate = try forker.fork("ep_00000000dec1", at: step, action: "intubate", continuation: .expert)
        // The recorded arm (admit, declined, then the expert waits and asks again) is admitted and caught.
        #expect(transfer.actual.outcome == "caught_dka" && intubate.actual.outcome == "caught_dka")
        // A transfer then is declined too (no receiving physician has accepted) and would be unsafe: never preferred.
        #expect(transfer.counterfactual.composite <= transfer.actual.composite)
        #expect(transfer.pair.pair?.chosenAction != "transfer")
        // Intubating her to pass the time removes her respiratory compensation.
        #expect(intubate.counterfactual.composite < intubate.actual.composite - 30)
        #expect(intubate.pair.pair?.chosenAction == "admit_icu")
    }
}
