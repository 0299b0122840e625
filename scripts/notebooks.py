#!/usr/bin/env python3
"""The committed notebooks in notebooks-export/: regenerate them, or check them.

  python3 scripts/notebooks.py --write [--bin .build/debug]   # export, execute, write with outputs
  python3 scripts/notebooks.py --check [--bin .build/debug]   # what .ci/run runs after swift test

Both build a fresh store in a temp folder: the demo episode (imported from
traces/) and expert and anchoring on the three curated fixtures (adv_*), seeds 1-10. The
check exports the same notebooks again and requires the committed data files
to be byte-identical, the committed notebooks' code to be the fresh code,
every committed notebook to be valid nbformat 4 with outputs, and the fresh
notebooks to execute without an error and draw their figures.
Needs: pandas, matplotlib, nbformat, nbclient, ipykernel.
"""
import argparse, os, shutil, subprocess, sys, tempfile

import nbclient
import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "notebooks-export")
NOTEBOOKS = ["ep_0fa72a32ec1d.ipynb", "diff-expert-vs-anchoring.ipynb"]


def export(binaries, folder):
    store = os.path.join(folder, "store.sqlite")
    env = dict(os.environ, MEDGYM_STORE="")
    def run(*args):
        subprocess.run(list(args) + ["--store", store], check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    run(os.path.join(binaries, "replay"), "import", os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl"))
    run(os.path.join(binaries, "medgym"), "batch", "--fixtures", "adv_*", "--seeds", "1-10", "--agent", "expert,anchoring")
    out = os.path.join(folder, "out")
    run(os.path.join(binaries, "replay"), "export", "notebook", "ep_0fa72a32ec1d", "--out", out)
    run(os.path.join(binaries, "replay"), "export", "notebook", "--diff", "expert", "anchoring", "--out", out)
    return out


def execute(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "error"]
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {}))
    if errors:
        sys.exit(f"{os.path.basename(path)}: a cell failed: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    if images == 0:
        sys.exit(f"{os.path.basename(path)}: executed but drew no figure")
    return nb


def main():
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = export(os.path.abspath(args.bin), tmp)
        if args.write:
            shutil.rmtree(OUT, ignore_errors=True)
            shutil.copytree(fresh, OUT)
            for name in NOTEBOOKS:
                nbformat.write(execute(os.path.join(OUT, name)), os.path.join(OUT, name))
            print("wrote", ", ".join(sorted(os.listdir(OUT))))
            return
        committed = sorted(os.listdir(OUT))
        if committed != sorted(os.listdir(fresh)):
            sys.exit(f"notebooks-export/ holds {committed}, a fresh export {sorted(os.listdir(fresh))}; run scripts/notebooks.py --write")
        for name in committed:
            if name.endswith(".ipynb"):
                old, new = nbformat.read(os.path.join(OUT, name), as_version=4), nbformat.read(os.path.join(fresh, name), as_version=4)
                nbformat.validate(old)
                if [c.source for c in old.cells] != [c.source for c in new.cells]:
                    sys.exit(f"{name}: the committed cells differ from a fresh export; run scripts/notebooks.py --write")
                if not any(c.get("outputs") for c in old.cells if c.cell_type == "code"):
                    sys.exit(f"{name}: committed without outputs; run scripts/notebooks.py --write")
                execute(os.path.join(fresh, name))
            elif open(os.path.join(OUT, name), "rb").read() != open(os.path.join(fresh, name), "rb").read():
                sys.exit(f"{name}: differs from a fresh export; run scripts/notebooks.py --write")
        print(f"notebooks-export/: {len(committed)} files match a fresh export; {len(NOTEBOOKS)} notebooks execute")


if __name__ == "__main__":
    main()
