import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// `replay sweep`: every step × every candidate, scored like-for-like.
struct SweepTests {

    @Test func sweepScoresAgreeWithForksAndNeverPreferAContraindicatedAction() throws {
        let (store, dir) = try DemoStore.opened()
        defer { dir.remove() }
        let forker = Forker(store: store)
        let sweep = try Sweeper(forker: forker).sweep("ep_0fa72a32ec1d", candidates: .key, continuation: .original)
        #expect(sweep.steps.map(\.step) == Array(1...28))
        #expect(sweep.steps.allSatisfy { $0.recordedComposite == 10.5 && $0.regret >= 0 })
        #expect(sweep.steps.allSatisfy { $0.best?.contraindication == nil })
        #expect(sweep.steps.allSatisfy { $0.best?.action != "alteplase" })
        let step13 = try #require(sweep.steps.first { $0.step == 13 })
        #expect(step13.recordedText == "reassure, no imaging")
        #expect(step13.best?.action == "cta_chest" && step13.regret == 10)
        // The score-only arms are the forks' counterfactual arms.
        for (step, text) in [(4, "alteplase"), (13, "cta_chest"), (20, "esmolol"), (28, "to_or")] {
            let fork = try forker.fork("ep_0fa72a32ec1d", at: step, action: text, continuation: .original)
            let swept = try #require(sweep.steps[step - 1].alternatives.first { $0.text == text })
            #expect(swept.composite == fork.counterfactual.composite, "step \(step) \(text)")
        }
        for continuation in [ForkContinuation.expert, .none] {
            let other = try Sweeper(forker: forker).sweep("ep_0fa72a32ec1d", candidates: .list(["CTA chest"]), continuation: continuation)
            let fork = try forker.fork("ep_0fa72a32ec1d", at: 13, action: "CTA chest", continuation: continuation)
            #expect(other.steps[12].alternatives[0].composite == fork.counterfactual.composite)
            #expect(other.steps[12].recordedComposite == fork.actual.composite)
        }
    }

    /// Every fixture's expert and anchoring episodes, swept over the answer
    /// key's actions and the catalog's dangerous ones: the best alternative at
    /// every step is never harmful, contraindicated or unindicated there, and
    /// no such action scores above it.
    @Test func sweepsNeverRankAHarmfulOrUnindicatedActionFirst() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let batch = try CLI.run("medgym", ["batch", "--fixtures", "adv_*", "--seeds", "42", "--agent", "expert,anchoring", "--store", path])
        #expect(batch.status == 0, "\(batch.stderr)")
        let store = try TraceStore(path: path)
        let forker = Forker(store: store)
        let episodes = try store.list()
        #expect(episodes.count == 6)
        for listing in episodes {
            let fixture = try FixtureLoader.fixture(named: listing.header.fixture)
            let conditions = fixture.truth.conditions ?? []
            let dangerous = ActionCatalog.shipped.actions.filter { action in
                (action.risk?.dangers ?? []).contains { $0.when.contains { $0.condition.map(conditions.contains) ?? false } }
            }.map(\.id)
            let sweep = try Sweeper(forker: forker).sweep(listing.header.episodeID, candidates: .key, continuation: .original, jobs: 2)
            #expect(!dangerous.isEmpty && dangerous.allSatisfy(sweep.candidates.contains), "the catalog's dangerous actions are candidates")
            for step in sweep.steps {
                guard let best = step.best else { continue }
                // contraindication() is the one rule: the fixture's harm items that apply then, unsafe
                // dispositions, the catalog's dangers and missing indications.
                #expect(best.contraindication == nil, "\(listing.header.fixture) \(listing.header.agent) step \(step.step): \(best.action)")
                // And the reward itself agrees: no harmful or unindicated action outscores the best safe one.
                let harmful = step.alternatives.filter { $0.contraindication != nil }
                #expect(
                    harmful.allSatisfy { $0.composite <= best.composite },
                    "\(listing.header.fixture) \(listing.header.agent) step \(step.step): \(harmful.max { $0.composite < $1.composite }?.action ?? "")")
            }
        }
    }

    /// The ceiling a corpus skips sweeps by: no arm of any sweep scores above it, for every fixture and
    /// three agents (the random one's trajectories included), with every key candidate and the catalog's
    /// dangerous ones played at every step; and an episode it says can have no critical step has none.
    @Test func noArmScoresAboveTheFixturesCeilingAndNoStepIsCriticalBelowIt() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let batch = try CLI.run("medgym", ["batch", "--seeds", "7", "--agent", "expert,anchoring,random", "--store", path])
        #expect(batch.status == 0, "\(batch.stderr)")
        let store = try TraceStore(path: path)
        let forker = Forker(store: store)
        var skippable = 0
        for listing in try store.list() {
            let fixture = try FixtureLoader.fixture(named: listing.header.fixture)
            let ceiling = try #require(Scorer(fixture: fixture, catalog: .shipped).compositeCeiling)
            let id = listing.header.episodeID
            let sweep = try Sweeper(forker: forker).sweep(id, candidates: .key, continuation: .original, jobs: 2)
            let recorded = try #require(sweep.steps.first?.recordedComposite)
            for step in sweep.steps {
                let top = step.alternatives.map(\.composite).max() ?? -.infinity
                #expect(max(top, step.recordedComposite) <= ceiling, "\(listing.header.fixture) \(listing.header.agent) step \(step.step)")
            }
            if !Sweeper.canBeCritical(recorded: recorded, ceiling: ceiling) {
                skippable += 1
                #expect(sweep.critical.isEmpty && sweep.steps.allSatisfy { $0.regret < Sweeper.criticalMinimum }, "\(id)")
            }
        }
        #expect(skippable > 10, "most expert episodes score within the critical margin of their ceiling")
        // A catalog that could charge positive harm points has no ceiling.
        var actions = ActionCatalog.shipped.actions
        let risky = try #require(actions.firstIndex { $0.risk?.dangers?.isEmpty == false })
        actions[risky].risk?.dangers?[0].points = 1
        let catalog = try ActionCatalog(actions: actions)
        #expect(Scorer(fixture: try FixtureLoader.fixture(named: "adv_aaa_30min"), catalog: catalog).compositeCeiling == nil)
        #expect(Sweeper.canBeCritical(recorded: 100, ceiling: nil))
    }

    @Test func parallelSweepIsIdenticalAndBadInputIsAnError() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", path, CLI.demoLog.path]).status == 0)
        let one = try CLI.run("replay", ["sweep", "ep_0fa72a32ec1d", "--candidates", "catalog", "--jobs", "1", "--json", "--store", path])
        let two = try CLI.run("replay", ["sweep", "ep_0fa72a32ec1d", "--candidates", "catalog", "--jobs", "2", "--json", "--store", path])
        #expect(one.status == 0 && two.status == 0)
        #expect(one.stdout == two.stdout)
        #expect(one.stdout.contains("\"critical\""))
        let text = try CLI.run("replay", ["sweep", "ep_0fa72a32ec1d", "--store", path])
        #expect(text.stdout.contains("critical steps: "))
        #expect(text.stdout.contains(" 13   32 reassure, no imaging"))
        let bad = try CLI.run("replay", ["sweep", "ep_0fa72a32ec1d", "--candidates", "CTA chest,zzzz qq", "--store", path])
        #expect(bad.status != 0 && bad.stderr.contains("unknown action 'zzzz qq'"))
    }

    @Test func onPolicySamplesDrawTheAgentAgainDeterministically() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("store.sqlite")
        let run = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "7", "--agent", "random",
                "--episode-id", "ep_00000000ab07", "--store", path,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let store = try TraceStore(path: path)
        let forker = Forker(store: store)
        let samples = try forker.samples("ep_00000000ab07", at: 2, action: "CTA chest", count: 3)
        #expect(Set(samples.draws.map(\.counterfactual)).count == 3, "three distinct continuations")
        let fork = try forker.fork("ep_00000000ab07", at: 2, action: "CTA chest", continuation: .agent)
        #expect(samples.draws[0].counterfactual == fork.counterfactual.composite)
        #expect(samples.draws[0].recorded == fork.actual.composite)
        // A deterministic agent draws the same continuation every time.
        let expert = try CLI.run(
            "medgym",
            [
                "run", "--fixture", "adv_cocaine_dissection", "--seed", "7", "--agent", "anchoring",
                "--episode-id", "ep_00000000ab08", "--store", path,
            ])
        #expect(expert.status == 0)
        let same = try Forker(store: TraceStore(path: path)).samples("ep_00000000ab08", at: 13, action: "CTA chest", count: 2)
        #expect(same.spread == 0)

        let args = [
            "fork", "ep_00000000ab07", "--at", "2", "--action", "CTA chest", "--continue", "agent", "--samples", "3",
            "--store", path,
        ]
        let a = try CLI.run("replay", args)
        let b = try CLI.run("replay", args)
        #expect(a.status == 0 && a.stdout == b.stdout)
        #expect(a.stdout.contains("mean Δ"))
        let bad = try CLI.run(
            "replay",
            [
                "fork", "ep_00000000ab07", "--at", "2", "--action", "CTA chest", "--samples", "3",
                "--continue", "original", "--store", path,
            ])
        #expect(bad.status != 0 && bad.stderr.contains("needs --continue agent"))
        // Without --continue, samples draw the recorded agent again.
        let implicit = try CLI.run("replay", Array(args.filter { $0 != "--continue" && $0 != "agent" }))
        #expect(implicit.status == 0 && implicit.stdout.contains("mean Δ"))
    }
}
