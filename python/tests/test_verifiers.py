"""MedGym as a verifiers environment, offline: `vf-eval medgym-verifiers` against the stand-in OpenAI endpoint the
openai: agent's tests use, the model playing expert plans as tool calls; every rollout's reward is `replay score`
of the episode it recorded. Against the real binaries (MEDGYM_BINARY, default .build/debug)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("verifiers.v1")

import medgym  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.abspath(os.environ.get("MEDGYM_BINARY") or os.path.join(ROOT, ".build", "debug", "medgym"))
REPLAY = os.path.join(os.path.dirname(BINARY), "replay")
STAND_IN = os.path.join(ROOT, "Tests", "ReplayTests", "Agents", "fake_openai.py")
FIXTURES = ("adv_cocaine_dissection", "im_hyperkalaemia", "neg_minor_head_injury")
KEY = "sk-stand-in-key"


def replay(*args):
    return subprocess.run([REPLAY, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """The stand-in endpoint, each conversation following the plan its first message names: a refused call
    (a CT through the lab tool), then the seed-1 expert's actions as tool calls."""
    folder = tmp_path_factory.mktemp("endpoint")
    plans = {}
    with medgym.Server(binary=BINARY, store=False) as server:
        kinds = {a["id"]: (a["kind"], a["name"]) for a in server.hello["actions"]}
        for fixture in FIXTURES:
            out = subprocess.run([BINARY, "run", "--fixture", fixture, "--seed", "1", "--agent", "expert", "--no-store", "--json"],
                                 check=True, capture_output=True, text=True).stdout
            actions = json.loads(out)["final_state"]["actions"]
            presentation = server.call("reset", env=fixture, fixture=fixture, seed=1)["text"].split("\n")[0]
            plans[presentation] = [["lab", "CT angiography of the chest/aorta"]] + [list(kinds[a["action_id"]]) for a in actions]
    (folder / "script.json").write_text(json.dumps([{"plans": plans}]))
    process = subprocess.Popen([sys.executable, STAND_IN, str(folder / "script.json"), KEY, str(folder / "requests.log"),
                                str(folder / "port")], stdin=subprocess.DEVNULL, start_new_session=True)
    for _ in range(100):
        if (folder / "port").exists():
            break
        time.sleep(0.1)
    port = int((folder / "port").read_text().split()[0])
    yield f"http://127.0.0.1:{port}/v1", folder / "requests.log"
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def test_vf_eval_rewards_are_replay_score(tmp_path, endpoint):
    url, requests = endpoint
    store = tmp_path / "store.sqlite"
    vf_eval = shutil.which("vf-eval") or pytest.fail("vf-eval is not on PATH (pip install './python[verifiers]')")
    env = dict(os.environ, MEDGYM_BINARY=BINARY, STAND_IN_KEY=KEY, PRIME_RUNS_MODE="disabled")
    # The documented config, pointed at the stand-in endpoint and this test's fixtures, seeds and store.
    config = os.path.join(ROOT, "examples", "verifiers", "medgym.toml")
    run = subprocess.run([vf_eval, "@", config, "-m", "stand-in", "--client.base-url", url, "--client.api-key-var",
                          "STAND_IN_KEY", "--env.taskset.fixtures", ",".join(FIXTURES),
                          "--env.taskset.seeds", "1-2", "--env.taskset.task.store", str(store), "-n", "6", "-r", "1", "-c", "3",
                          "--no-push", "--no-rich", "-o", str(tmp_path / "out"), "--run.name", "medgym"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    traces = [json.loads(line)["traces"][0] for line in (tmp_path / "out" / "medgym" / "traces.jsonl").read_text().splitlines()]
    assert len(traces) == 6
    assert sorted((t["task"]["data"]["fixture"], t["task"]["data"]["seed"]) for t in traces) == sorted(
        (f, s) for f in FIXTURES for s in (1, 2))
    for trace in traces:
        assert trace["ok"] and not trace["errors"], trace["errors"]
        assert trace["stop_condition"] == "encounter_over"
        episode = trace["info"]["episode_id"]
        assert "verified" in replay("verify", episode, "--store", str(store))
        card = json.loads(replay("score", episode, "--store", str(store), "--json"))["score"]
        reward = trace["rewards"]["composite"]["score"]
        assert reward == card["composite"]
        assert sum(trace["info"]["step_rewards"]) == pytest.approx(card["composite"], abs=1e-6)
        assert trace["metrics"]["caught"] == (1.0 if card["outcome"].startswith("caught_") else 0.0)
        assert all(trace["metrics"][d["dimension"]] == d["points"] for d in card["dimensions"])
        # The refused call reached the model (its answer names the right tool) and was recorded as a protocol error.
        answers = [n["message"]["content"] for n in trace["nodes"] if n["message"].get("role") == "tool"]
        assert answers[0].startswith("Not taken:") and "call the imaging tool" in answers[0]
        assert trace["metrics"]["refusals"] == 1.0
        events = replay("export", "trace", episode, "--store", str(store))
        assert '"agent_error"' in events and "call the imaging tool" in events
    listed = json.loads(replay("list", "--json", "--store", str(store)))
    assert {item["listing"]["header"]["label"] for item in listed} == {"stand-in"}
    assert len(listed) == 6
    # The expert's plans catch every diagnosis at seed 1 (the seed-2 patients may differ from the plan's).
    assert all(t["metrics"]["caught"] == 1.0 for t in traces if t["task"]["data"]["seed"] == 1)
    # Every request offered the same tools as the server's hello, and the system prompt the openai: agent uses.
    logged = [json.loads(line) for line in requests.read_text().splitlines()]
    with medgym.Server(binary=BINARY, store=False) as server:
        names, prompt = [t["name"] for t in server.hello["tools"]], server.hello["system_prompt"]
    assert logged and all(sorted(entry["tools"]) == sorted(names) for entry in logged)
    assert all(entry["system"].startswith(prompt) for entry in logged)


def test_load_environment_builds_the_taskset(monkeypatch):
    monkeypatch.setenv("MEDGYM_BINARY", BINARY)
    from medgym.verifiers import MedGymTaskset, load_environment

    env = load_environment(fixtures="neg_*", seeds="1-3")
    assert isinstance(env.taskset, MedGymTaskset)
    tasks = list(env.taskset.take(100))
    assert len(tasks) == 4 * 3 and {t.data.fixture for t in tasks} >= {"neg_minor_head_injury", "neg_low_risk_chest_pain"}
    with pytest.raises(ValueError, match="matches no shipped fixture"):
        list(load_environment(fixtures="zzz_*").taskset.take(1))


def test_vf_validate_every_fixture(tmp_path):
    """`vf-validate`'s two checks on every shipped fixture: the gold (the built-in expert catches the diagnosis
    and scores +75 or more) passes, and the untouched encounter (no action: the patient left waiting) does not."""
    vf_validate = shutil.which("vf-validate") or pytest.fail("vf-validate is not on PATH (pip install './python[verifiers]')")
    store = tmp_path / "store.sqlite"
    env = dict(os.environ, MEDGYM_BINARY=BINARY, PRIME_RUNS_MODE="disabled")
    run = subprocess.run([vf_validate, "medgym-verifiers", "--taskset.fixtures", ",".join(medgym.SHIPPED_FIXTURES),
                          "--taskset.seeds", "1", "--taskset.task.store", str(store), "--runtime.type", "subprocess",
                          "--rich", "False", "-o", str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    [results] = list((tmp_path / "out").rglob("results.jsonl"))
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(row["name"] for row in rows) == sorted(f"{name}@1" for name in medgym.SHIPPED_FIXTURES)
    for row in rows:
        assert row["gold"]["reason"] == "valid", row
        assert row["noop"]["reason"] == "valid" and row["noop"]["reward"] < 0, row
    # Each untouched encounter is recorded, marked abandoned, and scores what its reward said.
    listed = json.loads(replay("list", "--json", "--store", str(store)))
    assert len(listed) == len(rows) and all(item.get("abandoned") for item in listed)
