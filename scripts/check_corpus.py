#!/usr/bin/env python3
"""The committed corpus (corpus/wave1b) as a trainer will read it, run by .ci/run after swift test.

  python3 scripts/check_corpus.py [--bin .build/debug]     # check
  python3 scripts/check_corpus.py --write [--bin ...]      # regenerate corpus/wave1b

Exports the demo's corpus again from a fresh store and requires the committed
files to be byte-identical (and --jobs 1 to equal --jobs 2); checks the
manifest's SHA-256 and row counts; loads every file with
datasets.load_dataset("json", data_files=...) unmodified and checks the
columns TRL's trainers take (conversational `prompt`, `chosen`/`rejected`
for DPOTrainer, `messages` for SFTTrainer); validates every row against its
JSON Schema in schemas/corpus/; and checks the corpus invariants: an
episode's RLVR rewards sum to its composite, no pair prefers an action its
group marks contraindicated, the demo's GRPO file holds "CTA chest" over
"reassure, no imaging" at step 13.
Needs: datasets, jsonschema.
"""
import argparse, hashlib, json, os, shutil, subprocess, sys, tempfile

import datasets
import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMITTED = os.path.join(ROOT, "corpus", "wave1b")


def export(replay, store, out, jobs):
    env = dict(os.environ, MEDGYM_STORE="")
    subprocess.run([replay, "export", "corpus", "--wave", "wave1b", "ep_0fa72a32ec1d", "--out", out, "--jobs", str(jobs),
                    "--store", store], check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return os.path.join(out, "wave1b")


def files(folder):
    found = {}
    for base, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(base, name)
            found[os.path.relpath(path, folder)] = open(path, "rb").read()
    return found


def conversational(value):
    return isinstance(value, list) and value and all(isinstance(m, dict) and set(m) == {"role", "content"} for m in value)


def fail(message):
    sys.exit("corpus: " + message)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    replay = os.path.join(os.path.abspath(args.bin), "replay")
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store.sqlite")
        subprocess.run([replay, "import", "--store", store, os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl")],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, MEDGYM_STORE=""))
        one = export(replay, store, os.path.join(tmp, "one"), 1)
        two = export(replay, store, os.path.join(tmp, "two"), 2)
        if files(one) != files(two):
            fail("--jobs 2 wrote different files from --jobs 1")
        if args.write:
            shutil.rmtree(COMMITTED, ignore_errors=True)
            shutil.copytree(one, COMMITTED)
            print("wrote", COMMITTED)
            return
        if files(one) != files(COMMITTED):
            fail("corpus/wave1b differs from a fresh export; run scripts/check_corpus.py --write")

    manifest = json.load(open(os.path.join(COMMITTED, "manifest.json")))
    schemas = {name: json.load(open(os.path.join(ROOT, path))) for name, path in manifest["schemas"].items()}
    for entry in manifest["files"]:
        path = os.path.join(COMMITTED, entry["path"])
        data = open(path, "rb").read()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            fail(f"{entry['path']}: SHA-256 differs from the manifest")
        rows = [json.loads(line) for line in data.decode().splitlines()]
        if len(rows) != entry["rows"]:
            fail(f"{entry['path']}: {len(rows)} rows, the manifest says {entry['rows']}")
        validator = jsonschema.Draft202012Validator(schemas[entry["corpus"]])
        for number, row in enumerate(rows, 1):
            errors = sorted(validator.iter_errors(row), key=lambda e: list(e.path))
            if errors:
                fail(f"{entry['path']} row {number}: {errors[0].message} at {'/'.join(map(str, errors[0].path))}")
        dataset = datasets.load_dataset("json", data_files=path, split="train")
        columns = set(dataset.column_names)
        first = dataset[0]
        if entry["corpus"] == "sft":
            if not {"prompt", "completion"} <= columns or not conversational(first["prompt"]) or first["prompt"][-1]["role"] != "user" \
                    or [m["role"] for m in first["completion"]] != ["assistant"]:
                fail(f"{entry['path']}: SFTTrainer takes a conversational `prompt` ending with the observation and a one-turn `completion`")
        elif entry["corpus"] == "grpo":
            if not {"prompt", "chosen", "rejected"} <= columns or not all(conversational(first[k]) for k in ("prompt", "chosen", "rejected")):
                fail(f"{entry['path']}: DPOTrainer takes conversational `prompt`, `chosen` and `rejected`")
            for row in rows:
                chosen = next(m for m in row["group"] if m["action"] == row["chosen_action"])
                if chosen["contraindication"] or row["chosen_reward"] <= row["rejected_reward"]:
                    fail(f"{entry['path']}: a pair prefers {row['chosen_action']}, contraindicated or not better")
        else:
            if "prompt" not in columns or not conversational(first["prompt"]) or first["prompt"][-1]["role"] != "user":
                fail(f"{entry['path']}: RLVR rows need a conversational `prompt` ending with the observation")
            if abs(sum(r["reward"] for r in rows) - rows[0]["episode_composite"]) > 1e-6:
                fail(f"{entry['path']}: step rewards sum to {sum(r['reward'] for r in rows)}, not the composite {rows[0]['episode_composite']}")
        print(f"{entry['path']}: {len(rows)} rows, {len(columns)} columns, schema and TRL shape ok")
    grpo = [json.loads(l) for l in open(os.path.join(COMMITTED, "grpo", "ep_0fa72a32ec1d.jsonl"))]
    if not any(r["step"] == 13 and r["chosen"][0]["content"] == "CTA chest" and r["rejected"][0]["content"] == "reassure, no imaging" for r in grpo):
        fail("the demo's GRPO file lacks CTA chest over reassure, no imaging at step 13")
    print(f"corpus/wave1b: {manifest['counts']} match a fresh export (--jobs 1 = --jobs 2)")
    chart(replay, manifest)
    at_scale(args.bin)


def chart(replay, transcript_manifest):
    """--prompt chart: every prompt is the system prompt and one chart message, shorter than the transcript
    at every step past the third, with the same rows otherwise; the manifest says so and gives lengths."""
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store.sqlite")
        env = dict(os.environ, MEDGYM_STORE="")
        subprocess.run([replay, "import", "--store", store, os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl")],
                       check=True, stdout=subprocess.DEVNULL, env=env)
        subprocess.run([replay, "export", "corpus", "--wave", "chart", "ep_0fa72a32ec1d", "--prompt", "chart", "--out", tmp,
                        "--store", store], check=True, stdout=subprocess.DEVNULL, env=env)
        manifest = json.load(open(os.path.join(tmp, "chart", "manifest.json")))
        if manifest["prompt"] != "chart" or manifest["counts"] != transcript_manifest["counts"]:
            fail("the chart export differs in its rows or does not say prompt: chart")
        charted = [json.loads(l) for l in open(os.path.join(tmp, "chart", "rlvr", "ep_0fa72a32ec1d.jsonl"))]
        transcript = [json.loads(l) for l in open(os.path.join(COMMITTED, "rlvr", "ep_0fa72a32ec1d.jsonl"))]
        for c, t in zip(charted, transcript):
            if [m["role"] for m in c["prompt"]] != ["system", "user"] or c["action"] != t["action"] or c["reward"] != t["reward"]:
                fail(f"chart row at step {c['step']} is not system + one user message with the same action and reward")
        size = lambda row: sum(len(m["content"]) for m in row["prompt"])
        for c, t in zip(charted, transcript):
            if c["step"] > 3 and size(c) >= size(t):
                fail(f"the chart at step {c['step']} is {size(c)} characters, no shorter than the transcript's {size(t)}")
        lengths = manifest["lengths"]["rlvr"]
        print(f"--prompt chart: the longest prompt is {lengths['prompt']['max']} characters "
              f"(transcript: {transcript_manifest['lengths']['rlvr']['prompt']['max']})")


def at_scale(folder):
    """A corpus of every shipped fixture x expert, anchoring and random x 12 seeds (540 episodes with fifteen fixtures) loads
    with datasets as it is: every folder's files at once, each column one type across all of them."""
    medgym = os.path.join(os.path.abspath(folder), "medgym")
    replay = os.path.join(os.path.abspath(folder), "replay")
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store.sqlite")
        subprocess.run([medgym, "batch", "--seeds", "1-12", "--agent", "expert,anchoring,random", "--label", "scale",
                        "--jobs", "2", "--store", store], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([replay, "export", "corpus", "--wave", "scale", "--label", "scale", "--out", tmp, "--jobs", "2",
                        "--store", store], check=True, stdout=subprocess.DEVNULL)
        manifest = json.load(open(os.path.join(tmp, "scale", "manifest.json")))
        episodes = len({entry["path"].split("/")[-1] for entry in manifest["files"]})
        if episodes < 100:
            fail(f"the scale export holds {episodes} episodes, not 100 or more")
        for corpus in ("rlvr", "grpo", "sft"):
            pattern = os.path.join(tmp, "scale", corpus, "*.jsonl")
            dataset = datasets.load_dataset("json", data_files=pattern, split="train")
            if len(dataset) != manifest["counts"][corpus]:
                fail(f"scale/{corpus}: datasets loaded {len(dataset)} rows, the manifest says {manifest['counts'][corpus]}")
            print(f"scale/{corpus}: {len(dataset)} rows from {len(dataset.unique('episode_id'))} episodes load with datasets")


if __name__ == "__main__":
    main()
