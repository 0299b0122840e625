import CLITestSupport
import Foundation
import MedGym
import Replay
import Testing
import TraceStore

/// `replay sweep`: every step × every candidate, scored like-for-like.
struct SweepTests {
    func demoStore() throws -> (TraceStore, TempDir) {
        let dir = try TempDir()
        let store = try TraceStore(path: dir.path("store.sqlite"))
        try TraceImporter(store: store).importLog(atPath: CLI.demoLog.path)
        return (store, dir)
    }

    @Test func sweepScoresAgreeWithForksAndNeverPreferAContraindicatedAction() throws {
        let (store, dir) = try demoStore()
        defer { dir.remove() }
        let forker = Forker(store: store)
        let sweep = try Sweeper(forker: forker).sweep("ep_0fa72a32ec1d", candidates: .key, continuation: .original)
        #expect(sweep.steps.map(\.step) == Array(1...28))
        #expect(sweep.steps.allSatisfy { $0.recordedComposite == 25.5 && $0.regret >= 0 })
        #expect(sweep.steps.allSatisfy { $0.best?.contraindication == nil })
        #expect(sweep.steps.allSatisfy { $0.best?.action != "alteplase" })
        let step13 = try #require(sweep.steps.first { $0.step == 13 })
        #expect(step13.recordedText == "reassure, no imaging")
        #expect(step13.best?.action == "cta_chest" && step13.regret == 9.73)
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
}
