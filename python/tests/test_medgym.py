"""MedGym from Python: the Gymnasium environment and the TRL reward function,
against the real `medgym` and `replay` binaries (MEDGYM_BINARY, default .build/debug)."""
import json
import os
import subprocess

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import medgym
from medgym import Server
from medgym.rewards import make_counterfactual_reward

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("MEDGYM_BINARY") or os.path.join(ROOT, ".build", "debug", "medgym")
REPLAY = os.path.join(os.path.dirname(BINARY), "replay")
FIXTURE = "adv_cocaine_dissection"


def play(env, seed, policy_seed, limit=60):
    rng = np.random.default_rng(policy_seed)
    observation, info = env.reset(seed=seed)
    trajectory, rewards = [observation], []
    workup = [a for a in env.actions if env.action_kinds[a] != "disposition"]
    for number in range(limit):
        choices = workup if number < 8 else env.actions  # a workup before any disposition
        action = choices[int(rng.integers(len(choices)))]
        observation, reward, terminated, truncated, info = env.step(action)
        trajectory.append((action, observation, reward, terminated, truncated))
        rewards.append(reward)
        if terminated or truncated:
            break
    return trajectory, rewards, info


def _listed(store):
    out = subprocess.run([REPLAY, "list", "--json", "--store", str(store)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_check_env_passes_and_leaves_no_episode_that_counts(tmp_path):
    store = tmp_path / "store.sqlite"
    env = medgym.make(FIXTURE, binary=BINARY, store=store, label="checkenv")
    check_env(env, skip_render_check=True)
    env.close()
    # check_env's resets abandon its episodes: each is recorded marked abandoned (or, with no action taken,
    # not at all), and the leaderboard has nothing to rank.
    assert all(item.get("abandoned") for item in _listed(store))
    board = subprocess.run([BINARY, "leaderboard", "--store", str(store)], capture_output=True, text=True)
    assert board.returncode != 0 and "no recorded episodes count" in board.stderr


def test_an_episode_abandoned_mid_way_is_marked(tmp_path):
    store = tmp_path / "store.sqlite"
    with medgym.make(FIXTURE, binary=BINARY, store=store) as env:
        env.reset(seed=1)
        env.step("12-lead ECG")
        env.reset(seed=2)  # the seed-1 encounter is abandoned
        env.step("troponin")
    listed = _listed(store)
    assert len(listed) == 2
    reasons = sorted(item["abandoned"] for item in listed)
    assert reasons[0].startswith("a reset started a new episode") and "closed" in reasons[1]


def test_a_seeded_random_policy_gives_identical_trajectories(tmp_path):
    runs = []
    for run in range(2):
        env = medgym.make(FIXTURE, binary=BINARY, store=tmp_path / f"store{run}.sqlite")
        runs.append(play(env, seed=42, policy_seed=7)[:2])
        env.close()
    assert runs[0] == runs[1]
    assert len(runs[0][0]) > 2


def test_step_rewards_sum_to_the_stored_composite(tmp_path):
    env = medgym.make(FIXTURE, binary=BINARY, store=tmp_path / "store.sqlite", label="pytest",
                      settings={"model": "policy-net", "temperature": 0.7})
    for policy_seed in (1, 2, 3):
        trajectory, rewards, info = play(env, seed=policy_seed, policy_seed=policy_seed)
        assert trajectory[-1][3] or trajectory[-1][4], "the episode ended"
        assert info["episode_id"] == env.last_episode_id
        stored = env.score()
        assert round(sum(rewards), 2) == pytest.approx(stored["composite"], abs=1e-6)
        assert info["composite"] == stored["composite"]
        assert [d["dimension"] for d in info["dimensions"]] == [d["dimension"] for d in stored["dimensions"]]
    # The recorded episodes verify like any other run.
    verify = subprocess.run([REPLAY, "verify", "--all", "--store", str(tmp_path / "store.sqlite")], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout
    assert "3 of 3 episodes verified" in verify.stdout
    # The caller's settings are in the trace's provenance (inside the hash chain).
    trace = subprocess.run([REPLAY, "export", "trace", env.last_episode_id, "--store", str(tmp_path / "store.sqlite")],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    provenance = json.loads(trace[1])["payload"]["provenance"]
    assert provenance["agent"] == "python" and provenance["label"] == "pytest"
    assert provenance["settings"] == {"model": "policy-net", "temperature": "0.7"}


def test_fork_from_python(tmp_path):
    env = medgym.make(FIXTURE, binary=BINARY, store=tmp_path / "store.sqlite")
    env.reset(seed=42)
    for action in ["order ECG", "reassure, no imaging", "discharge home"]:
        *_, terminated, truncated, info = env.step(action)
    assert terminated
    fork = env.fork(2, "CTA chest")
    assert fork["delta"] > 0 and fork["alternate_action"] == "cta_chest"
    env.close()


def test_errors_are_replies_not_a_dead_server(tmp_path):
    env = medgym.make(FIXTURE, binary=BINARY, store=tmp_path / "store.sqlite")
    with pytest.raises(medgym.MedGymError) as error:
        env.step("CTA chest")
    assert error.value.code == "no_episode"
    with pytest.raises(medgym.MedGymError) as error:
        env.reset(options={"fixture": "no_such_fixture"})
    assert error.value.code == "unknown_fixture" and "adv_cocaine_dissection" in error.value.message
    observation, info = env.reset(seed=1)
    _, reward, terminated, _, info = env.step("zzzz qq")
    assert reward == 0 and not terminated and "unknown action" in info["rejected"]
    # The model reads why in the observation itself: the reason, that nothing was done, and the bad replies left.
    text, _, _, _, info = env.step("cta chst abdmn xyz")
    assert text.startswith("Not taken: 'cta chst abdmn xyz' names no action in the catalog. Nearest actions: CT angiography of the chest/aorta")
    assert "Nothing was done and no time passed" in text and info["refused"]["remaining"] == 3
    assert info["refused"]["suggestions"][0] == "CT angiography of the chest/aorta"
    env.close()


def test_the_reward_function_prefers_the_cta_on_the_demo_step_13_row(tmp_path):
    store = tmp_path / "store.sqlite"
    subprocess.run([REPLAY, "import", "--store", str(store), os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl")], check=True,
                   capture_output=True)
    rows = [json.loads(line) for line in open(os.path.join(ROOT, "corpus", "wave1b", "rlvr", "ep_0fa72a32ec1d.jsonl"))]
    row = next(r for r in rows if r["step"] == 13)
    reward = make_counterfactual_reward(binary=BINARY, store=str(store))
    completions = [[{"role": "assistant", "content": "CTA chest"}], [{"role": "assistant", "content": "reassure, no imaging"}],
                   [{"role": "assistant", "content": "give alteplase 0.9 mg/kg"}], [{"role": "assistant", "content": "blah"}]]
    columns = {key: [row[key]] * len(completions) for key in ("episode_id", "step", "fixture", "seed", "head_hash")}
    cta, recorded, alteplase, nonsense = reward([row["prompt"]] * len(completions), completions, **columns)
    assert cta > recorded
    assert alteplase < recorded  # a contraindicated action is never preferred
    assert nonsense is not None and nonsense < alteplase  # a completion that names no action is below every real one
    assert reward([row["prompt"]], ["CTA chest"], episode_id=["ep_000000000000"], step=[13]) == [None]
    assert reward([row["prompt"]], ["CTA chest"]) == [None]


def _demo_step_13(tmp_path):
    store = tmp_path / "store.sqlite"
    subprocess.run([REPLAY, "import", "--store", str(store), os.path.join(ROOT, "traces", "ep_0fa72a32ec1d.jsonl")], check=True,
                   capture_output=True)
    rows = [json.loads(line) for line in open(os.path.join(ROOT, "corpus", "wave1b", "rlvr", "ep_0fa72a32ec1d.jsonl"))]
    return store, next(r for r in rows if r["step"] == 13)


def test_malformed_completions_score_below_every_real_action_at_the_demo_step_13(tmp_path):
    store, row = _demo_step_13(tmp_path)
    reward = make_counterfactual_reward(binary=BINARY, store=str(store))
    malformed = ["", "asdf qwerty", "CTA chest and esmolol", "CBC, BMP, lactate", None,
                 [{"role": "assistant", "content": "<think>dissection?</think>"}],
                 '<tool_call>{"name": "imaging", "arguments": {"action": "cta_chest"}}</tool_call>'
                 '<tool_call>{"name": "medication", "arguments": {"action": "esmolol"}}</tool_call>',
                 [{"role": "assistant", "content": "", "tool_calls": [
                     {"type": "function", "function": {"name": "imaging", "arguments": '{"action": "cta_chest"}'}},
                     {"type": "function", "function": {"name": "lab", "arguments": '{"action": "cbc"}'}}]}],
                 '<tool_call>{"name": "imaging", "arguments": {"action": "cta_ch',
                 '{"name": "medication", "arguments": {"action": "cta_chest"}}',
                 '{"name": "teleport", "arguments": {"action": "cta_chest"}}']
    columns = {key: [row[key]] * len(malformed) for key in ("episode_id", "step")}
    penalties = reward([row["prompt"]] * len(malformed), malformed, **columns)
    assert all(p is not None for p in penalties) and len(set(penalties)) == 1
    assert all(d["penalised"] for d in reward.details), reward.details
    # Every catalog action forked at step 13, the worst (harmful ones included) above the penalty.
    with Server(binary=BINARY, store=str(store)) as server:
        swept = server.call("bounds", episode=row["episode_id"], step=13, continuation="expert")  # the reward's default
        every = [server.call("fork", episode=row["episode_id"], step=13, action=a["id"], continuation="expert")["counterfactual"]
                 for a in server.hello["actions"]]
    assert swept["candidates"] == len(every) and swept["worst"] == min(every)
    assert penalties[0] == pytest.approx(min(every) - 1.0)
    assert max(penalties) < min(every)
    # The tool-call form the corpus's system prompt asks for is read, and scores as the text does.
    wellformed = ["CTA chest", '<tool_call>{"name": "imaging", "arguments": {"action": "cta_chest"}}</tool_call>',
                  [{"role": "assistant", "content": "", "tool_calls": [
                      {"type": "function", "function": {"name": "imaging", "arguments": {"action": "CT angiography of the chest/aorta"}}}]}],
                  [{"role": "assistant", "content": "<think>tearing pain, cocaine</think>CTA chest"}]]
    scored = reward([row["prompt"]] * 4, wellformed, episode_id=[row["episode_id"]] * 4, step=[13] * 4)
    assert len(set(scored)) == 1 and scored[0] == max(every)
    fixed = make_counterfactual_reward(binary=BINARY, store=str(store), format_penalty=-50.0)
    assert fixed([row["prompt"]], ["asdf"], episode_id=[row["episode_id"]], step=[13]) == [-50.0]


def test_registered_with_gymnasium_and_one_version(tmp_path):
    import gymnasium

    env = gymnasium.make(f"MedGym/{FIXTURE}-v0", binary=BINARY, store=tmp_path / "store.sqlite")
    observation, info = env.reset(seed=42)
    assert observation.startswith("34M, chest pain for 2 hours.")
    server = env.unwrapped._server
    # One version for both languages, and the registered fixtures are the shipped ones.
    assert medgym.__version__ == server.hello["library_version"]
    assert sorted(medgym.SHIPPED_FIXTURES) == sorted(server.hello["fixtures"])
    env.close()


def test_servers_close_in_a_with_block_and_replies_time_out(tmp_path):
    store = tmp_path / "store.sqlite"
    with medgym.Server(binary=BINARY, store=store) as server:
        server.call("reset", env="a", fixture=FIXTURE, seed=1)
        server.call("step", env="a", action="12-lead ECG")
        process = server._process
    assert process.poll() is not None  # closed, and the episode in progress recorded
    listing = subprocess.run([REPLAY, "list", "--store", str(store)], capture_output=True, text=True).stdout
    assert "1 episode" in listing
    with pytest.raises(medgym.MedGymError) as caught:
        medgym.Server(binary=BINARY, store=False, timeout=0.0001)  # its hello cannot come back that fast
    assert caught.value.code == "timeout"


def test_the_reward_function_says_why_a_row_is_not_scored(tmp_path, caplog):
    reward = make_counterfactual_reward(binary=BINARY, store=str(tmp_path / "store.sqlite"))
    with caplog.at_level("WARNING", logger="medgym.rewards"):
        assert reward(["p"], ["CTA chest"]) == [None]
        assert reward(["p"], ["CTA chest"], episode_id=["ep_00000000dead"], step=[3]) == [None]
    messages = [record.getMessage() for record in caplog.records]
    assert any("no episode_id or step column" in m for m in messages), messages
    assert any("unknown_episode" in m for m in messages), messages


def test_make_vec_steps_many_environments_in_one_request_like_single_ones(tmp_path):
    import gymnasium
    store = tmp_path / "store.sqlite"
    actions = [["12-lead ECG", "discharge home", "troponin", "zzz qq"], ["CTA chest", "troponin", "discharge home", "CBC"],
               ["observe and reassess"] * 4, ["esmolol IV"] * 4]
    runs = []
    for servers in (1, 2, 3):  # one server process, or several stepping at once: the same episodes
        vec = gymnasium.make_vec(f"MedGym/{FIXTURE}-v0", num_envs=4, binary=BINARY, store=store, label="vec", servers=servers)
        assert type(vec.unwrapped).__name__ == "MedGymVectorEnv" and len(vec.unwrapped._servers) == servers
        observations, infos = vec.reset(seed=10)
        trace = [(observations, None)]
        for step in actions:
            observations, rewards, terminations, truncations, infos = vec.step(step)
            trace.append((observations, rewards.tolist(), terminations.tolist(), truncations.tolist()))
        vec.close()
        runs.append(trace)
    assert runs[0] == runs[1] == runs[2]  # same seeds, same actions: the same transitions
    first = runs[0]
    # Env 1 discharged at once: it ended, and the next step started it again (Gymnasium's next-step autoreset).
    assert first[1][2][1] and first[2][0][1].startswith("34M, chest pain") and first[2][1][1] == 0.0
    assert "Not taken" in first[1][0][3]  # a refusal reaches the model here too
    # Each environment is the single environment with seed 10 + i.
    for i in range(4):
        env = medgym.make(FIXTURE, binary=BINARY, store=False)
        observation, _ = env.reset(seed=10 + i)
        assert observation == first[0][0][i]
        observation, reward, terminated, truncated, _ = env.step(actions[0][i])
        assert (observation, reward, terminated, truncated) == (first[1][0][i], first[1][1][i], first[1][2][i], first[1][3][i])
        env.close()
    ended = [item for item in _listed(store) if not item.get("abandoned")]
    assert len(ended) >= 2  # the discharges, recorded like any run (each run twice: one id)


def _live(store):
    import sqlite3
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        runs = db.execute("SELECT id, source, state, step, episode_id FROM live_runs ORDER BY id").fetchall()
        events = {run: db.execute("SELECT COUNT(*) FROM live_events WHERE run = ?", (run,)).fetchone()[0] for run, *_ in runs}
    return runs, events


def test_a_single_environments_turns_are_in_the_live_tables_as_played_and_a_vectors_only_when_asked(tmp_path):
    import time
    store = str(tmp_path / "store.sqlite")
    env = medgym.make("adv_cocaine_dissection", binary=BINARY, store=store)
    env.reset(seed=42)
    for action in ("order ECG", "cardiac monitor", "history of present illness"):
        env.step(action)
    for _ in range(100):  # the server writes them within about 50 ms
        runs, events = _live(store)
        if runs and runs[0][3] == 3:
            break
        time.sleep(0.05)
    (run, source, state, step, episode), = runs
    assert (source, state, step, episode) == ("stdio", "running", 3, None)
    assert events[run] >= 2 + 3 * 3  # the start, then each turn's action, what it did and what the agent sees next
    env.close()
    runs, events = _live(store)
    assert runs[0][2] == "stored" and runs[0][4].startswith("ep_") and events[run] == 0

    for live, expected in ((False, 0), (True, 2)):
        vec_store = str(tmp_path / f"vec-{live}.sqlite")
        vec = medgym.MedGymVectorEnv(2, "adv_cocaine_dissection", seed=1, binary=BINARY, store=vec_store, live=live, servers=1)
        vec.reset(seed=1)
        vec.step(["order ECG", "order ECG"])
        vec.close()
        runs, _ = _live(vec_store)
        assert len(runs) == expected and all(source == "stdio" for _, source, *_ in runs)
