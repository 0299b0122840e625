"""Runs the Python verifier printed in docs/store.md against a fresh store and
checks it agrees with `replay verify`: every episode ok on an untouched store,
and the same episode broken after one payload byte is flipped."""
import json, os, re, shutil, sqlite3, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("MEDGYM_BIN_DIR") or os.path.join(ROOT, ".build", "debug")

def doc_verifier():
    text = open(os.path.join(ROOT, "docs", "store.md"), encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    matching = [b for b in blocks if b.startswith("# verify_chain.py")]
    assert len(matching) == 1, "docs/store.md must hold exactly one verify_chain.py block"
    return matching[0]

def run(args):
    return subprocess.run(args, capture_output=True, text=True)

def main():
    work = tempfile.mkdtemp(prefix="medgym-store-doc-")
    try:
        script = os.path.join(work, "verify_chain.py")
        open(script, "w").write(doc_verifier())
        store = os.path.join(work, "store.sqlite")
        batch = run([os.path.join(BIN, "medgym"), "batch", "--fixtures", "adv_*", "--seeds", "1-2",
                     "--agent", "expert,anchoring", "--store", store])
        assert batch.returncode == 0, batch.stderr
        imported = run([os.path.join(BIN, "replay"), "import", "--store", store, os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl")])
        assert imported.returncode == 0, imported.stderr

        def both():
            doc = run([sys.executable, script, store])
            swift = run([os.path.join(BIN, "replay"), "verify", "--all", "--json", "--store", store])
            doc_ok = {line.split()[0]: line.split()[1] == "ok" for line in doc.stdout.splitlines()}
            swift_ok = {r["episode_id"]: not r["problems"] for r in json.loads(swift.stdout) if r["episode_id"] != "store"}
            return doc, doc_ok, swift, swift_ok

        doc, doc_ok, swift, swift_ok = both()
        assert doc.returncode == 0 and swift.returncode == 0, (doc.stdout, swift.stdout)
        assert doc_ok == swift_ok and len(doc_ok) == 13 and all(doc_ok.values()), (doc_ok, swift_ok)

        db = sqlite3.connect(store)
        db.execute("DROP TRIGGER IF EXISTS events_no_update")
        target = db.execute("SELECT e.episode_id, v.id FROM events v JOIN episodes e ON e.id = v.episode "
                            "WHERE typeof(v.payload) = 'text' AND v.kind = 'observation' ORDER BY v.id LIMIT 1 OFFSET 40").fetchone()
        db.execute("UPDATE events SET payload = replace(payload, '\"minute\":', '\"minute\": ') WHERE id = ?", (target[1],))
        db.commit()
        db.close()
        doc, doc_ok, swift, swift_ok = both()
        assert doc.returncode == 1 and swift.returncode == 1
        broken_doc = sorted(k for k, v in doc_ok.items() if not v)
        broken_swift = sorted(k for k, v in swift_ok.items() if not v)
        assert broken_doc == broken_swift == [target[0]], (broken_doc, broken_swift)
        print(f"store doc: the verifier in docs/store.md agrees with replay verify on {len(doc_ok)} episodes, and both catch a flipped byte in {target[0]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
