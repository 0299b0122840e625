"""MedGym as an Inspect AI task, offline: `inspect eval medgym/ed_encounter` with scripted models making tool
calls (the expert's plans), against the real binaries (MEDGYM_BINARY, default .build/debug)."""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("inspect_ai")
# Inspect's own retry set-up warns on every model call (tenacity's renamed parameter): not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The 'initial' parameter is deprecated:DeprecationWarning")

from inspect_ai import eval as inspect_eval  # noqa: E402
from inspect_ai.log import read_eval_log  # noqa: E402
from inspect_ai.model import ChatMessageAssistant, ModelOutput, ModelUsage, get_model  # noqa: E402
from inspect_ai.util import store as sample_store  # noqa: E402

import medgym  # noqa: E402
from medgym.inspect import ed_encounter  # noqa: E402
from medgym.selection import parse_fixtures, parse_seeds  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("MEDGYM_BINARY") or os.path.join(ROOT, ".build", "debug", "medgym")
REPLAY = os.path.join(os.path.dirname(BINARY), "replay")
FIXTURES = ("adv_cocaine_dissection", "im_hyperkalaemia", "neg_minor_head_injury")
SEEDS = (1, 2)
#: The scripted refusal: the first call of every plan names a lab tool for a CT (an imaging action).
REFUSED = ["lab", "CT angiography of the chest/aorta"]


def expert(fixture, seed):
    """The built-in expert's episode (not stored): its plan as tool calls, and its composite."""
    out = subprocess.run([BINARY, "run", "--fixture", fixture, "--seed", str(seed), "--agent", "expert", "--no-store",
                          "--json"], check=True, capture_output=True, text=True).stdout
    episode = json.loads(out)
    return episode["final_state"]["actions"], episode["score"]["composite"]


@pytest.fixture(scope="module")
def plans():
    """Each fixture's and seed's plan: the scripted refusal, then the expert's actions as tool calls."""
    with medgym.Server(binary=BINARY, store=False) as server:
        kinds = {a["id"]: (a["kind"], a["name"]) for a in server.hello["actions"]}
    found, composites = {}, {}
    for fixture in FIXTURES:
        for seed in SEEDS:
            actions, composite = expert(fixture, seed)
            found.setdefault(fixture, {})[str(seed)] = [REFUSED] + [list(kinds[a["action_id"]]) for a in actions]
            composites[(fixture, seed)] = composite
    return found, composites


def replay(*args):
    return subprocess.run([REPLAY, *args], check=True, capture_output=True, text=True).stdout


def check_log(path, store, composites, model):
    """The log holds a score per sample with the episode id; each episode verifies and scores the same in the store."""
    log = read_eval_log(path)
    assert log.status == "success", log.error
    assert log.eval.model == model
    assert sorted((s.metadata["fixture"], s.metadata["seed"]) for s in log.samples) == sorted(composites)
    for sample in log.samples:
        score = sample.scores["composite"]
        episode = score.metadata["episode_id"]
        assert episode and episode.startswith("ep_")
        assert "verified" in replay("verify", episode, "--store", str(store))
        scored = json.loads(replay("score", episode, "--store", str(store), "--json"))
        card = scored["score"]  # re-scored from the trace now, and equal to the recorded card
        assert card == scored["recorded"]
        assert score.value["composite"] == card["composite"]
        assert score.value["composite"] == composites[(sample.metadata["fixture"], sample.metadata["seed"])]
        assert score.value["caught"] == 1.0 and score.answer == card["outcome"]
        assert score.metadata["harm_level"] == card["harm_level"]
        assert {d["dimension"]: d["points"] for d in card["dimensions"]} == score.metadata["dimensions"]
        assert all(score.value[d["dimension"]] == d["points"] for d in card["dimensions"])
        # The scripted refusal reached the model as a tool error naming the right tool, and changed nothing.
        errors = [m.error.message for m in sample.messages if m.role == "tool" and m.error]
        assert len(errors) == 1 and errors[0].startswith("Not taken:") and "call the imaging tool" in errors[0]
        listed = json.loads(replay("list", "--json", "--store", str(store)))
        header = next(item["listing"]["header"] for item in listed if item["episode"] == episode)
        assert header["label"] == model and header["agent"] == "python"
    composite = next(s for s in log.results.scores if s.name == "composite")
    assert composite.metrics["mean"].value == pytest.approx(sum(composites.values()) / len(composites))
    assert len(log.samples) == len(composites)


def test_inspect_eval_from_the_command_line(tmp_path, plans):
    """`inspect eval medgym/ed_encounter` (found through the package's entry point), 3 fixtures x 2 seeds,
    the medgym/plan model playing the expert's plans as tool calls."""
    found, composites = plans
    (tmp_path / "plans.json").write_text(json.dumps(found))
    store = tmp_path / "store.sqlite"
    inspect = shutil.which("inspect") or pytest.fail("the inspect command is not on PATH (pip install './python[inspect]')")
    run = subprocess.run([inspect, "eval", "medgym/ed_encounter", "-T", f"fixtures={','.join(FIXTURES)}", "-T", "seeds=1-2",
                          "-T", f"store={store}", "-T", f"binary={BINARY}", "--model", "medgym/plan",
                          "-M", f"plans={tmp_path / 'plans.json'}", "--log-dir", str(tmp_path / "logs"), "--display", "none"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    [path] = glob.glob(str(tmp_path / "logs" / "*.eval"))
    check_log(path, store, composites, "medgym/plan")


def test_the_readme_command(tmp_path):
    """The README's offline `inspect eval` (the committed plans of the three curated fixtures, seeds 1-3)."""
    inspect = shutil.which("inspect") or pytest.fail("the inspect command is not on PATH (pip install './python[inspect]')")
    store = tmp_path / "store.sqlite"
    run = subprocess.run([inspect, "eval", "medgym/ed_encounter", "-T", "fixtures=adv_*", "-T", "seeds=1-3", "--model", "medgym/plan",
                          "-M", "plans=examples/inspect/plans.json", "-T", f"store={store}", "-T", f"binary={BINARY}",
                          "--log-dir", str(tmp_path / "logs"), "--display", "none"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    [path] = glob.glob(str(tmp_path / "logs" / "*.eval"))
    log = read_eval_log(path)
    assert log.status == "success" and len(log.samples) == 9
    assert all(sample.scores["composite"].value["caught"] == 1.0 for sample in log.samples)


def test_inspect_mockllm_scripted_with_epochs(tmp_path, plans):
    """Inspect's own mockllm/model, scripted per sample with the same plans, over two epochs with pass@2."""
    found, composites = plans

    def script(input, tools, tool_choice, config):
        plan = found[sample_store().get("fixture")][str(sample_store().get("seed"))]
        step = sum(isinstance(m, ChatMessageAssistant) for m in input)
        output = (ModelOutput.for_tool_call("mockllm/model", plan[step][0], {"action": plan[step][1]}) if step < len(plan)
                  else ModelOutput.from_content("mockllm/model", "done"))
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)  # no tokenizer download
        return output

    store = tmp_path / "store.sqlite"
    task = ed_encounter(fixtures=list(FIXTURES), seeds="1-2", binary=BINARY, store=str(store), reducer=["mean", "pass_at_2"])
    [log] = inspect_eval(task, model=get_model("mockllm/model", custom_outputs=script), epochs=2,
                         log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    assert len(log.samples) == 2 * len(composites)
    reducers = {score.reducer for score in log.results.scores}
    assert reducers == {"mean", "pass_at_2"}
    passed = next(s for s in log.results.scores if s.reducer == "pass_at_2")
    assert passed.metrics["mean"].value == 1.0 if "mean" in passed.metrics else True
    # Two epochs of one seed are two episodes (the epoch is in their settings), both scored as the expert.
    episodes = {s.scores["composite"].metadata["episode_id"] for s in log.samples}
    assert len(episodes) == 2 * len(composites)
    for sample in log.samples:
        assert sample.scores["composite"].value["composite"] == composites[(sample.metadata["fixture"], sample.metadata["seed"])]
    assert "episodes verified" in replay("verify", "--all", "--store", str(store)).strip().splitlines()[-1]


def test_an_encounter_cut_short_is_recorded_abandoned(tmp_path):
    """A message limit ends the sample before the encounter: the episode is recorded, marked abandoned."""
    store = tmp_path / "store.sqlite"

    def script(input, tools, tool_choice, config):
        output = ModelOutput.for_tool_call("mockllm/model", "exam", {"action": "cardiovascular exam"})
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output

    task = ed_encounter(fixtures="adv_aaa_30min", seeds=3, binary=BINARY, store=str(store))
    [log] = inspect_eval(task, model=get_model("mockllm/model", custom_outputs=script), message_limit=8,
                         log_dir=str(tmp_path / "logs"), display="none")
    [sample] = log.samples
    metadata = sample.scores["composite"].metadata
    assert metadata["abandoned"] and metadata["episode_id"]
    [row] = json.loads(replay("list", "--json", "--store", str(store)))
    assert "closed env" in row["abandoned"]


def test_task_arguments_as_inspect_passes_them():
    assert parse_seeds("1-5") == [1, 2, 3, 4, 5]
    assert parse_seeds(["1", "3"]) == [1, 3] and parse_seeds(7) == [7] and parse_seeds([1, "4-5"]) == [1, 4, 5]
    for bad in ("one", True, "", "3-x"):
        with pytest.raises(ValueError, match="seeds"):
            parse_seeds(bad)
    shipped = ["adv_aaa_30min", "adv_cocaine_dissection", "im_hyperkalaemia"]
    assert parse_fixtures("adv_*", shipped) == ["adv_aaa_30min", "adv_cocaine_dissection"]
    assert parse_fixtures(["im_*", "tension_pneumothorax/t50/v0"], shipped) == ["im_hyperkalaemia", "tension_pneumothorax/t50/v0"]
    with pytest.raises(ValueError, match="matches no shipped fixture"):
        parse_fixtures("zzz_*", shipped)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
