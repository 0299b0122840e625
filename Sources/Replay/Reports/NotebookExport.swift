import Foundation
import MedGym
import TraceStore

/// Jupyter notebooks (nbformat 4.5) that read what MedGym wrote beside them
/// with pandas and plot it with matplotlib: for an episode, its event log
/// (the `replay export trace` JSONL), its sweep and its post-mortem; for a
/// diff, the diff's JSON. The notebook computes nothing MedGym did not
/// record: it reads, tabulates and plots, so it runs anywhere with pandas.
public enum NotebookExport {
    /// The files written, relative to the output folder.
    public struct Written: Sendable, Hashable {
        public var notebook: String
        public var data: [String]
    }

    /// Writes `EP.ipynb`, `EP.jsonl`, `EP.sweep.json` and `EP.postmortem.json` into `folder`.
    public static func episode(_ id: String, forker: Forker, folder: URL, jobs: Int = 1) throws -> Written {
        let (listing, events) = try forker.store.checkedEvents(id)
        let log = try TraceLog.encode(header: listing.header, events: events)
        let sweep = try Sweeper(forker: forker).sweep(id, candidates: .key, continuation: .original, jobs: jobs)
        let postmortem = try PostmortemBuilder(forker: forker).build(id, jobs: jobs)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = [
            "\(id).jsonl": log, "\(id).sweep.json": try CanonicalJSON.string(CompactSweep(sweep)) + "\n",
            "\(id).postmortem.json": try CanonicalJSON.string(postmortem, pretty: true) + "\n",
        ]
        for name in files.keys.sorted() { try write(files[name]!, folder.appendingPathComponent(name)) }
        let notebook = episodeNotebook(id: id, postmortem: postmortem)
        try write(notebook, folder.appendingPathComponent("\(id).ipynb"))
        return Written(notebook: "\(id).ipynb", data: files.keys.sorted())
    }

    /// Writes `diff-A-vs-B.ipynb` and `diff-A-vs-B.json` into `folder`.
    public static func diff(baseline: String, candidate: String, fixtures: [String], forker: Forker, folder: URL) throws -> Written {
        let diff = try ModelDiff.build(forker: forker, baseline: baseline, candidate: candidate, fixtures: fixtures)
        let stem = "diff-\(fileSafe(baseline))-vs-\(fileSafe(candidate))"
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try write(try CanonicalJSON.string(diff, pretty: true) + "\n", folder.appendingPathComponent("\(stem).json"))
        try write(diffNotebook(stem: stem, diff: diff), folder.appendingPathComponent("\(stem).ipynb"))
        return Written(notebook: "\(stem).ipynb", data: ["\(stem).json"])
    }

    /// The sweep without each arm's whole score card: per step, the recorded action and every alternative's result.
    struct CompactSweep: Encodable {
        struct Step: Encodable {
            var step: Int, minute: Int, recordedText: String?, recordedAction: String?, recordedComposite: Double
            var regret: Double, critical: Bool, best: Alternative?, alternatives: [Alternative]
        }
        struct Alternative: Encodable {
            var action: String, composite: Double, delta: Double, outcome: String, harmLevel: HarmLevel, contraindication: String?
            init(_ a: SweepAlternative) {
                (action, composite, delta, outcome, harmLevel, contraindication) = (a.action, a.composite, a.delta, a.outcome, a.harmLevel, a.contraindication)
            }
        }
        var episodeID: String, fixture: String, seed: UInt64, continuation: ForkContinuation, critical: [Int], steps: [Step]
        init(_ s: Sweep) {
            (episodeID, fixture, seed, continuation, critical) = (s.episodeID, s.fixture, s.seed, s.continuation, s.critical)
            steps = s.steps.map { step in
                Step(
                    step: step.step, minute: step.minute, recordedText: step.recordedText, recordedAction: step.recordedAction,
                    recordedComposite: step.recordedComposite, regret: step.regret, critical: step.critical,
                    best: step.best.map(Alternative.init), alternatives: step.alternatives.map(Alternative.init))
            }
        }
    }

    static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    static func write(_ text: String, _ url: URL) throws {
        try OutputFile.write(Data(text.utf8), to: url.path)
    }

    // MARK: notebook JSON

    static func markdown(_ text: String) -> [String: Any] {
        ["cell_type": "markdown", "metadata": [String: Any](), "source": lines(text)]
    }

    static func code(_ text: String) -> [String: Any] {
        ["cell_type": "code", "execution_count": NSNull(), "metadata": [String: Any](), "outputs": [Any](), "source": lines(text)]
    }

    /// nbformat's multi-line source: lines keeping their newline, the last without.
    static func lines(_ text: String) -> [String] {
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return parts.enumerated().map { $0.offset < parts.count - 1 ? $0.element + "\n" : $0.element }.filter { !$0.isEmpty }
    }

    static func notebook(_ cells: [[String: Any]]) -> String {
        let object: [String: Any] = [
            "cells": cells.enumerated().map { index, cell in cell.merging(["id": String(format: "cell-%02d", index)]) { a, _ in a } },
            "metadata": [
                "kernelspec": ["display_name": "Python 3", "language": "python", "name": "python3"],
                "language_info": ["name": "python"],
            ],
            "nbformat": 4, "nbformat_minor": 5,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func episodeNotebook(id: String, postmortem p: Postmortem) -> String {
        var cells: [[String: Any]] = []
        cells.append(
            markdown(
                """
                # Post-mortem of `\(id)`

                \(p.fixture) · seed \(p.seed) · agent \(p.agent)\(p.label.map { " (\($0))" } ?? "") · outcome **\(p.outcome)** · harm \(p.harmLevel.rawValue) · composite **\(EpisodeFormatter.signed(p.composite))**

                Written by `replay export notebook \(id) --out notebooks-export`. This notebook reads the files written beside it:
                `\(id).jsonl` (the hash-chained event log, as `replay export trace` writes it), `\(id).sweep.json` (every
                answer-key action tried at every step, continuation original) and `\(id).postmortem.json`. It needs pandas and matplotlib only.
                """))
        cells.append(
            code(
                """
                import json
                import pandas as pd
                import matplotlib.pyplot as plt

                EPISODE = "\(id)"
                with open(f"{EPISODE}.jsonl") as f:
                    header, *rows = [json.loads(line) for line in f]
                events = pd.DataFrame(rows)
                print(header["episode"]["fixture"], "seed", header["episode"]["seed"], "agent", header["episode"]["agent"])
                print(len(events), "events, head hash", events["hash"].iloc[-1][:12])
                events["kind"].value_counts()
                """))
        cells.append(markdown("## Vital signs over sim minutes\nOne point per observation; red dashes are alerts, the orange line the decisive step."))
        cells.append(
            code(
                """
                obs = events[events["kind"] == "observation"]
                vitals = pd.DataFrame([{"minute": p["observation"]["minute"], **p["observation"]["vitals"]} for p in obs["payload"]])
                alerts = events[events["kind"] == "alert"]
                with open(f"{EPISODE}.postmortem.json") as f:
                    postmortem = json.load(f)
                fig, ax = plt.subplots(figsize=(9, 4))
                for name in ["hr", "sbp", "dbp", "spo2", "rr"]:
                    ax.plot(vitals["minute"], vitals[name], label=name.upper())
                for minute in alerts["sim_minute"]:
                    ax.axvline(minute, color="red", linestyle="--", linewidth=0.8)
                if postmortem.get("decisive"):
                    ax.axvline(postmortem["decisive"]["minute"], color="orange", linewidth=2, label=f"step {postmortem['decisive']['step']}")
                ax.set_xlabel("sim minute"); ax.legend(ncol=6, fontsize=8); ax.set_title("monitor")
                plt.show()
                vitals.tail()
                """))
        cells.append(markdown("## The score: nine dimensions, every point with its source"))
        cells.append(
            code(
                """
                score = events[events["kind"] == "score"]["payload"].iloc[0]["score"]
                dims = pd.DataFrame(score["dimensions"]).set_index("dimension")
                ax = dims[["points", "max"]].plot.barh(figsize=(7, 4), title=f"composite {score['composite']}")
                ax.invert_yaxis(); plt.show()
                items = pd.DataFrame([{"dimension": i["dimension"], "points": i["points"], "item": i["description"],
                                       "detail": i["detail"], "source": i["source"]["guideline"]} for i in score["items"]])
                items
                """))
        cells.append(
            markdown(
                """
                ## Per-step rewards and the counterfactual sweep
                For each step, every action the answer key scores was tried instead of the recorded one (same patient, same luck),
                and the recorded agent carried on. *Regret* is the best alternative's gain. The per-step reward plotted is the
                recorded action's advantage: its composite minus the mean composite of the alternatives that are not
                contraindicated at that step (a harmful action is no choice to compare with: counted in, it drags the mean down
                and every step looks good, even the missed one).
                """))
        cells.append(
            code(
                """
                with open(f"{EPISODE}.sweep.json") as f:
                    sweep = json.load(f)
                def mean_allowed(s):
                    allowed = [a["composite"] for a in s["alternatives"] if not a.get("contraindication")] or [s["recorded_composite"]]
                    return sum(allowed) / len(allowed)
                steps = pd.DataFrame([{
                    "step": s["step"], "minute": s["minute"], "recorded": s.get("recorded_text"),
                    "best": s["best"]["action"] if s.get("best") else None, "regret": s["regret"], "critical": s["critical"],
                    "advantage": s["recorded_composite"] - mean_allowed(s),
                } for s in sweep["steps"]])
                fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
                top.bar(steps["step"], steps["regret"], color=["crimson" if c else "grey" for c in steps["critical"]])
                top.set_ylabel("regret")
                bottom.bar(steps["step"], steps["advantage"], color="steelblue")
                bottom.axhline(0, color="black", linewidth=0.6); bottom.set_ylabel("advantage"); bottom.set_xlabel("step")
                plt.show()
                steps
                """))
        cells.append(markdown("## Where it went wrong"))
        cells.append(
            code(
                """
                d = postmortem.get("decisive")
                if d:
                    print(f"step {d['step']} · minute {d['minute']} · {d['kind']}: {d['why']}")
                    for c in d["counterfactuals"]:
                        print(f"  if instead {d['alternative']}, continue {c['continuation']}: Δ {c['delta']:+}, {c['recorded_outcome']} → {c['outcome']}")
                    if d.get("correction"):
                        print("expert's correction:", d["correction"]["name"], "—", d["correction"]["rationale"])
                        print("source:", d["correction"]["source"]["guideline"], "·", d["correction"]["source"]["section"])
                """))
        return notebook(cells)
    }

    static func diffNotebook(stem: String, diff d: ModelDiff) -> String {
        var cells: [[String: Any]] = []
        cells.append(
            markdown(
                """
                # Diff: `\(d.baseline)` → `\(d.candidate)`

                \(d.pairs) pairs (same fixture, same seed) on \(d.fixtures.joined(separator: ", ")) · verdict **\(d.verdict.rawValue)** · composite \(DiffReport.interval(d.composite))

                Written by `replay export notebook --diff \(d.baseline) \(d.candidate) --out notebooks-export`; it reads `\(stem).json` (the
                `replay diff --format json` report) with pandas and plots it with matplotlib.
                """))
        cells.append(
            code(
                """
                import json
                import pandas as pd
                import matplotlib.pyplot as plt

                with open("\(stem).json") as f:
                    diff = json.load(f)
                print(diff["baseline"], "→", diff["candidate"], "·", diff["pairs"], "pairs ·", diff["verdict"])
                """))
        cells.append(markdown("## Mean change per dimension (candidate − baseline), paired bootstrap 95 % intervals"))
        cells.append(
            code(
                """
                rows = [{"dimension": x["dimension"], "mean": x["change"]["mean"], "low": x["change"]["interval"][0],
                         "high": x["change"]["interval"][1]} for x in diff["dimensions"]]
                rows.append({"dimension": "composite", "mean": diff["composite"]["mean"], "low": diff["composite"]["interval"][0],
                             "high": diff["composite"]["interval"][1]})
                change = pd.DataFrame(rows).set_index("dimension")
                fig, ax = plt.subplots(figsize=(7, 4))
                ax.barh(change.index, change["mean"], xerr=[change["mean"] - change["low"], change["high"] - change["mean"]],
                        color=["seagreen" if m >= 0 else "indianred" for m in change["mean"]])
                ax.axvline(0, color="black", linewidth=0.6); ax.invert_yaxis(); plt.show()
                change
                """))
        cells.append(markdown("## The spread: composite change per pair"))
        cells.append(
            code(
                """
                spread = pd.DataFrame(diff["spread"])
                ax = spread["delta"].plot.hist(bins=20, figsize=(7, 3), title="candidate − baseline, per patient")
                ax.axvline(0, color="black", linewidth=0.6); plt.show()
                spread.describe()
                """))
        cells.append(markdown("## Outcome transitions: regressions first"))
        cells.append(
            code(
                """
                def table(rows):
                    return pd.DataFrame([{
                        "fixture": t["fixture"], "seed": t["seed"], "baseline": f"{t['baseline_outcome']} · {t['baseline_harm']}",
                        "candidate": f"{t['candidate_outcome']} · {t['candidate_harm']}", "delta": t["delta"],
                        "parts at step": (t.get("divergence") or {}).get("step"),
                        "baseline action there": (t.get("divergence") or {}).get("baseline_action"),
                        "its value for the candidate": (t.get("divergence") or {}).get("fork_delta"),
                    } for t in rows])
                print(len(diff["regressions"]), "regressions,", len(diff["improvements"]), "improvements,", diff["unchanged"], "unchanged")
                table(diff["regressions"] + diff["improvements"])
                """))
        return notebook(cells)
    }
}
