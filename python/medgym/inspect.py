"""MedGym as an Inspect AI task: ``inspect eval medgym/ed_encounter -T fixtures='adv_*' -T seeds=1-5 --model …``.

Each (fixture, seed) is a sample: an encounter with a simulated patient in
``medgym serve --stdio``, recorded in MedGym's trace store (agent ``python``,
label the Inspect model's name, settings its generate config and the epoch).
The model acts through the action tools the server lists (one per action
family, the same tools as the MCP server and the ``openai:`` agent), one call
per turn; a call the server does not take reaches the model as a tool error
with the reason and the nearest valid calls. The scorer gives MedGym's
composite, whether the diagnosis was caught and the nine dimensions, with the
outcome, harm level and episode id (for ``replay postmortem``) as metadata.

Also registered: the model ``medgym/plan`` (``-M plans=FILE``), which plays a
fixed plan of tool calls per fixture (and seed), for checking a setup offline.
"""
from __future__ import annotations

import json
import os
from typing import Any, Optional

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (ChatMessageAssistant, ChatMessageSystem, ChatMessageTool, ChatMessageUser, GenerateConfig,
                              ModelAPI, ModelOutput, get_model, modelapi)
from inspect_ai.scorer import Score, Target, mean, scorer, stderr
from inspect_ai.solver import Generate, TaskState, solver
from inspect_ai.tool import ToolCallError, ToolInfo, ToolParam, ToolParams
from inspect_ai.util import store

from .encounter import DIMENSIONS, Encounter, not_taken, shared_server
from .selection import parse_fixtures, parse_seeds

def tool_infos(hello: dict[str, Any]) -> list[ToolInfo]:
    """The server's action tools as Inspect tools (name, description, the ``action`` enum)."""
    return [ToolInfo(name=t["name"], description=t["description"],
                     parameters=ToolParams(properties={"action": ToolParam(type="string", enum=list(t["actions"]),
                                                                           description=f"One of the {t['name']} actions.")},
                                           required=["action"]))
            for t in hello["tools"]]


def _raw(message: ChatMessageAssistant) -> str:
    """The model's reply as recorded with its action: its text and tool calls, keys sorted."""
    calls = [{"arguments": call.arguments, "function": call.function, "id": call.id} for call in message.tool_calls or []]
    return json.dumps({"content": message.text, "tool_calls": calls}, sort_keys=True)


def _settings(model: Any, epoch: int) -> dict[str, Any]:
    """The model's effective generate settings (its config and the run's), and the epoch, for the provenance."""
    config = model.config
    try:
        from inspect_ai.model._generate_config import active_generate_config
        config = config.merge(active_generate_config())
    except ImportError:  # pragma: no cover - a later Inspect without it
        pass
    settings = {k: v for k, v in config.model_dump(mode="json", exclude_none=True).items() if v not in ({}, [])}
    settings["model"] = str(model)
    settings["epoch"] = epoch
    settings["harness"] = "inspect_ai"
    return settings


@solver
def encounter(binary: Optional[str] = None, store_path: Optional[str] = None, max_turns: int = 400):
    """Plays one MedGym encounter per sample: the model's tool calls (or plain-text actions) until the
    encounter ends (a disposition, death, its time or action limit, or five refused replies in a row).
    An encounter Inspect cuts short (a message or token limit) is recorded as abandoned."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        server = shared_server(binary, store_path)
        model = get_model()
        fixture, seed = state.metadata["fixture"], int(state.metadata["seed"])
        store().set("fixture", fixture)
        store().set("seed", seed)
        play = Encounter(server, fixture, seed, label=str(model), settings=_settings(model, state.epoch))
        tools = tool_infos(server.hello)
        state.messages = [ChatMessageSystem(content=play.system_prompt), ChatMessageUser(content=play.start())]
        try:
            for _ in range(max_turns):
                state.output = await model.generate(state.messages, tools)
                message = state.output.message
                state.messages.append(message)
                if message.tool_calls:
                    first, *extra = message.tool_calls
                    action = first.arguments.get("action") if isinstance(first.arguments, dict) else None
                    turn = play.act(first.function, action if isinstance(action, str) else "", raw=_raw(message))
                    state.messages.append(ChatMessageTool(
                        content="" if turn.refused else turn.text, tool_call_id=first.id, function=first.function,
                        error=ToolCallError("unknown", turn.text) if turn.refused else None))
                    for call in extra:
                        other = call.arguments.get("action") if isinstance(call.arguments, dict) else None
                        state.messages.append(ChatMessageTool(
                            content="", tool_call_id=call.id, function=call.function,
                            error=ToolCallError("unknown", not_taken(call.function, other if isinstance(other, str) else None))))
                else:
                    turn = play.act(None, message.text, raw=_raw(message))
                    state.messages.append(ChatMessageUser(content=turn.text))
                if play.done:
                    break
        finally:
            if not play.done:
                play.close()
            store().set("medgym", play.score_metadata())
        return state

    return solve


@scorer(metrics={"*": [mean(), stderr()]})
def composite():
    """MedGym's score of the recorded episode: the composite, ``caught`` (1 when the answer key's diagnosis was
    confirmed and acted on) and the nine dimensions; outcome, harm level and episode id as metadata."""

    async def score(state: TaskState, target: Target) -> Score:
        result = state.store.get("medgym") or {}
        if result.get("composite") is None:
            return Score(value=float("nan"), explanation="the encounter was not recorded (a server without a store?)",
                         metadata=result)
        dimensions = result.get("dimensions", {})
        value = {"composite": float(result["composite"]), "caught": 1.0 if result.get("caught") else 0.0}
        value.update({name: float(dimensions.get(name, 0.0)) for name in DIMENSIONS})
        episode = result.get("episode_id")
        return Score(value=value, answer=result.get("outcome"),
                     explanation=(f"{result.get('outcome_text') or result.get('outcome')}; harm {result.get('harm_level')}; "
                                  f"composite {result['composite']:+.2f}; episode {episode} (replay postmortem {episode})"),
                     metadata={**result, "postmortem": f"replay postmortem {episode}"})

    return score


@task
def ed_encounter(fixtures: Any = "adv_*", seeds: Any = "1", binary: Optional[str] = None, store: Optional[str] = None,
                 reducer: Any = "mean", max_turns: int = 400) -> Task:
    """Emergency-department encounters: each fixture (names or patterns) at each seed, as a sample.

    ``store``: the trace store (default: ``$MEDGYM_STORE``, else ``traces/medgym.sqlite``); ``binary``: the
    ``medgym`` executable (default: ``$MEDGYM_BINARY``, ``medgym`` on PATH, or a checkout's build). With
    ``--epochs K`` each sample is played K times (the same patient; a sampling model acts differently), and
    ``reducer`` (``mean``, ``max``, ``pass_at_2``…; ``caught`` is the key to read for pass@k) folds the K scores.
    """
    server = shared_server(binary, store)
    names = parse_fixtures(fixtures, list(server.hello["fixtures"]))
    samples = [Sample(id=f"{name}@{seed}", input=f"MedGym encounter: {name}, seed {seed}",
                      metadata={"fixture": name, "seed": seed})
               for name in names for seed in parse_seeds(seeds)]
    return Task(dataset=MemoryDataset(samples, name="medgym"), solver=encounter(binary, store, int(max_turns)),
                scorer=composite(), epochs=Epochs(1, reducer))


@modelapi(name="medgym")
class PlanModel(ModelAPI):
    """``--model medgym/plan -M plans=FILE``: plays a fixed plan of tool calls, for checking a setup offline.

    FILE (JSON) maps a fixture to its plan, or to an object of plans by seed: ``{"adv_aaa_30min":
    [["procedure", "IV access"], "CTA chest", …], "adv_cocaine_dissection": {"1": [...], "2": [...]}, "*": [...]}``; a
    plan's step is the number of assistant turns so far; a step is a tool call ``[tool, action]`` or a plain-text
    reply; past the plan's end the model answers "the plan is over" (text that names no action).
    """

    def __init__(self, model_name: str, base_url: Optional[str] = None, api_key: Optional[str] = None,
                 config: GenerateConfig = GenerateConfig(), plans: Optional[str] = None, **model_args: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        if model_name != "plan":
            raise ValueError(f"unknown MedGym model 'medgym/{model_name}'; the one model is medgym/plan -M plans=FILE")
        path = plans or os.environ.get("MEDGYM_PLANS")
        if not path:
            raise ValueError("medgym/plan needs its plans: -M plans=FILE (JSON: fixture -> [[tool, action], ...])")
        with open(path) as handle:
            self.plans: dict[str, Any] = json.load(handle)

    def plan(self, fixture: str, seed: int) -> list[list[str]]:
        found = self.plans.get(fixture, self.plans.get("*", []))
        if isinstance(found, dict):
            found = found.get(str(seed), found.get("*", []))
        return list(found)

    async def generate(self, input: list[Any], tools: list[ToolInfo], tool_choice: Any, config: GenerateConfig) -> ModelOutput:
        plan = self.plan(str(store().get("fixture")), int(store().get("seed") or 0))
        step = sum(isinstance(message, ChatMessageAssistant) for message in input)
        if step < len(plan):
            if isinstance(plan[step], str):  # a plain-text action
                return ModelOutput.from_content(self.model_name, plan[step])
            tool, action = plan[step]
            return ModelOutput.for_tool_call(self.model_name, tool, {"action": action})
        return ModelOutput.from_content(self.model_name, "the plan is over")
