import CLITestSupport
import Foundation
import Testing

/// `replay export notebook` through the built binary: the files it writes and
/// their shape (executing them is scripts/notebooks.py --check, run by .ci/run).
struct NotebookExportTests {
    @Test func anEpisodeNotebookAndItsDataAreWrittenAndDeterministic() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("replay", ["import", "--store", store, CLI.demoLog.path]).status == 0)
        var outputs: [[String: Data]] = []
        for run in 0..<2 {
            let out = dir.path("out\(run)")
            let r = try CLI.run("replay", ["export", "notebook", "ep_0fa72a32ec1d", "--out", out, "--store", store])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("wrote \(out)/ep_0fa72a32ec1d.ipynb with ep_0fa72a32ec1d.jsonl"))
            let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            #expect(names == ["ep_0fa72a32ec1d.ipynb", "ep_0fa72a32ec1d.jsonl", "ep_0fa72a32ec1d.postmortem.json", "ep_0fa72a32ec1d.sweep.json"])
            outputs.append(Dictionary(uniqueKeysWithValues: try names.map { ($0, try Data(contentsOf: URL(fileURLWithPath: "\(out)/\($0)"))) }))
        }
        #expect(outputs[0] == outputs[1])
        // The event log beside the notebook is the committed demo log, byte for byte.
        #expect(outputs[0]["ep_0fa72a32ec1d.jsonl"] == (try Data(contentsOf: CLI.demoLog)))
        let notebook = try #require(try JSONSerialization.jsonObject(with: outputs[0]["ep_0fa72a32ec1d.ipynb"]!) as? [String: Any])
        #expect(notebook["nbformat"] as? Int == 4 && notebook["nbformat_minor"] as? Int == 5)
        let cells = try #require(notebook["cells"] as? [[String: Any]])
        #expect(cells.contains { $0["cell_type"] as? String == "code" && (($0["source"] as? [String])?.joined().contains("import pandas as pd") ?? false) })
        #expect(cells.allSatisfy { ($0["id"] as? String)?.isEmpty == false })
    }

    @Test func aDiffNotebookAndBadArguments() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let store = dir.path("store.sqlite")
        #expect(try CLI.run("medgym", ["batch", "--fixtures", "adv_aaa_30min", "--seeds", "1-3", "--agent", "expert,anchoring", "--store", store]).status == 0)
        let out = dir.path("nb")
        let r = try CLI.run("replay", ["export", "notebook", "--diff", "expert", "anchoring", "--out", out, "--store", store])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(out)/diff-expert-vs-anchoring.ipynb"))
        #expect(FileManager.default.fileExists(atPath: "\(out)/diff-expert-vs-anchoring.json"))
        let neither = try CLI.run("replay", ["export", "notebook", "--store", store])
        #expect(neither.status != 0 && neither.stderr.contains("give an episode id or --diff BASELINE CANDIDATE"))
        let one = try CLI.run("replay", ["export", "notebook", "--diff", "expert", "--store", store])
        #expect(one.status != 0 && one.stderr.contains("--diff takes two names"))
    }
}
