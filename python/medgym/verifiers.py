"""MedGym as a `verifiers` (0.4, ``verifiers.v1``) environment: ``vf-eval medgym-verifiers …``.

A rollout is one encounter: a fixture (or scenario) at a seed. The model acts
through the action tools the server lists (one per action family, each with
one argument ``action`` from the family's catalog actions: the same tools as
the MCP server, the ``openai:`` agent and the Inspect task), served per
rollout by :class:`MedGymTools`, an MCP tool server holding the patient in a
``medgym serve --stdio`` of its own (recording nothing). A call the server
does not take is answered "Not taken: …" with the nearest valid calls. The
rollout stops when the encounter ends (disposition, death, its time or action
limit, five refused replies in a row) or the model stops calling tools.

Then :class:`MedGymTask` records it: the tool calls the model made are played
again, in order, into the trace store (deterministic, so the same patient and
the same composite; a divergence is an error), as agent ``python`` with the
model's name as label and its sampling settings in the provenance; an
encounter the model left unfinished is recorded as abandoned (the patient left
to the clock). The reward is MedGym's composite of that recorded episode,
what ``replay score`` prints; ``trace.info`` holds the episode id, the
outcome, the harm level, the nine dimensions and ``step_rewards`` (each
step's potential-based reward, summing to the composite) for trainers that
take turn-level rewards; the metrics are ``caught`` and the nine dimensions.

``vf-eval`` finds it by the id ``medgym-verifiers`` (the module
``medgym_verifiers``, which re-exports this one: verifiers 0.4 imports a
taskset by a module name without dots); :func:`load_environment` builds the
same environment from Python. The ``medgym`` binary is ``$MEDGYM_BINARY``,
``medgym`` on PATH, or a checkout's build (the tools are read from it when
this module is imported).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Annotated, Any, Optional

import verifiers.v1 as vf
from pydantic import Field

from .encounter import DIMENSIONS, Encounter, shared_server
from .selection import parse_fixtures, parse_seeds
from .server import Server, find_binary

def _binary() -> str:
    """The ``medgym`` executable (``$MEDGYM_BINARY``, ``medgym`` on PATH, or a checkout's build), made
    ``$MEDGYM_BINARY`` for the tool servers this process starts, so every rollout runs the same one."""
    binary = find_binary()
    os.environ["MEDGYM_BINARY"] = binary
    return binary


def _hello() -> dict[str, Any]:
    """The server's hello (tools, system prompt, fixtures), from a server that records nothing."""
    return shared_server(_binary(), False).hello


class MedGymData(vf.TaskData):
    """One rollout's encounter: the fixture (or scenario id), the seed and the ``medgym`` binary."""

    fixture: str
    seed: int


class MedGymState(vf.State):
    """What the tool server tells the host: the tool calls taken (refused ones too, in order), whether the
    encounter is over, its composite there and the last observation (the rollout stops before the model reads it)."""

    calls: list[dict[str, str]] = Field(default_factory=list)
    done: bool = False
    composite: Optional[float] = None
    final_text: Optional[str] = None


class MedGymTools(vf.Toolset[vf.ToolsetConfig, MedGymState]):
    """The action tools, one per family, served for one rollout (``python -m medgym.verifiers``)."""

    TOOL_PREFIX = None  # the tools keep the names every other MedGym path gives them

    async def setup_task(self, task: MedGymData) -> None:
        self.encounter = Encounter(Server(binary=_binary(), store=False), task.fixture, task.seed)
        self.encounter.start()

    async def act(self, tool: str, action: str) -> str:
        state = self.state
        if state.done:
            return f"Not taken: the encounter is over ({state.final_text or 'ended'}); nothing more can be done."
        turn = self.encounter.act(tool, action)
        state.calls.append({"tool": tool, "action": action})
        if turn.done:
            state.done, state.composite, state.final_text = True, self.encounter.composite, turn.text
        return turn.text


def _tool(name: str, description: str, actions: list[str]):
    """One family's tool: its ``action`` argument shows the family's actions as an enum, and any text reaches
    the server (which refuses one outside the family, naming the right call, and records the refusal)."""

    async def tool(self: MedGymTools, action: str) -> str:
        return await self.act(name, action)

    # Real objects, not the strings `from __future__ import annotations` leaves (the schema is built from them).
    tool.__annotations__ = {"action": Annotated[str, Field(description=f"One of the {name} actions.",
                                                           json_schema_extra={"enum": actions})], "return": str}
    tool.__name__ = tool.__qualname__ = name
    tool.__doc__ = description
    return vf.tool(tool)


for _spec in _hello()["tools"]:
    setattr(MedGymTools, _spec["name"], _tool(_spec["name"], _spec["description"], list(_spec["actions"])))


class MedGymTaskConfig(vf.TaskConfig):
    """Where rollouts are recorded and under which label."""

    tools: vf.ToolsetConfig = vf.ToolsetConfig()
    #: The trace store (default: ``$MEDGYM_STORE``, else ``traces/medgym.sqlite``).
    store: Optional[str] = None
    #: The label episodes are recorded under (default: the model's name).
    label: Optional[str] = None


class MedGymTask(vf.Task[MedGymData, MedGymState, MedGymTaskConfig]):
    """One encounter: its first observation as the prompt, the action tools, and MedGym's reward."""

    @classmethod
    def toolsets(cls, config: MedGymTaskConfig) -> list[vf.Toolset]:
        return [MedGymTools(config.tools)]

    async def setup(self, trace: vf.Trace, runtime: vf.Runtime) -> None:
        first = Encounter(shared_server(_binary(), False), self.data.fixture, self.data.seed)
        trace.task.data = trace.task.data.model_copy(update={"prompt": first.start()})
        first.close()

    async def validate(self, runtime: vf.Runtime) -> bool:
        """The gold check (``vf-validate``): the built-in expert, who reads the answer key, catches this
        encounter's diagnosis and scores at least +75 (the bar ``medgym fixtures lint`` holds every archetype to)."""
        out = subprocess.run([_binary(), "run", "--fixture", self.data.fixture, "--seed", str(self.data.seed), "--agent",
                              "expert", "--no-store", "--json"], capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip() or f"medgym run exited {out.returncode}")
        episode = json.loads(out.stdout)
        outcome, composite = episode["score"]["outcome"], episode["score"]["composite"]
        return outcome.startswith("caught_") and composite >= 75

    @vf.stop
    async def encounter_over(self, trace: vf.Trace) -> bool:
        return trace.state.done

    async def finalize(self, trace: vf.Trace, runtime: vf.Runtime) -> None:
        calls = [call for call in trace.calls if call.model]
        model = calls[0].model if calls else None
        settings: dict[str, Any] = {"harness": "verifiers"}
        if model:
            settings["model"] = model
        if calls and calls[0].sampling is not None:
            settings.update(calls[0].sampling.model_dump(mode="json", exclude_none=True))
        store = self.config.store or os.environ.get("MEDGYM_STORE")
        played = Encounter(shared_server(_binary(), store), self.data.fixture, self.data.seed,
                           label=self.config.label or model or "verifiers", settings=settings)
        played.start()
        for call in trace.state.calls:
            if played.done:
                break
            played.act(call["tool"], call["action"], raw=json.dumps({"arguments": {"action": call["action"]},
                                                                    "name": call["tool"]}, sort_keys=True))
        if not played.done:
            played.close()
        elif trace.state.composite is not None and played.composite != trace.state.composite:
            raise RuntimeError(f"{self.data.fixture} seed {self.data.seed}: the recorded episode {played.episode_id} scores "
                               f"{played.composite}, the rollout {trace.state.composite}; MedGym did not re-execute "
                               "deterministically (report it)")
        result = played.score_metadata()
        result["final_text"] = trace.state.final_text
        trace.info["medgym"] = result
        trace.info["step_rewards"] = result["step_rewards"]
        trace.info["episode_id"] = result["episode_id"]

    @vf.reward(weight=1.0)
    async def composite(self, trace: vf.Trace) -> float:
        """MedGym's composite of the recorded episode (``replay score``)."""
        return float(trace.info["medgym"]["composite"])

    @vf.metric
    async def medgym(self, trace: vf.Trace) -> dict[str, float]:
        """Whether the diagnosis was caught, the nine dimensions, the steps and the refused calls."""
        result = trace.info["medgym"]
        values = {"caught": 1.0 if result["caught"] else 0.0, "steps": float(result["steps"]),
                  "refusals": float(result["refusals"])}
        values.update({name: float(result["dimensions"].get(name, 0.0)) for name in DIMENSIONS})
        return values


class MedGymTasksetConfig(vf.TasksetConfig):
    """``--env.taskset.fixtures 'adv_*,neg_*' --env.taskset.seeds 1-5 --env.taskset.task.store PATH``."""

    #: Fixture names or patterns (``adv_*``) or scenario ids (``tension_pneumothorax/t50/v0``), comma-separated.
    fixtures: str = "adv_*"
    #: Seeds: ``3``, ``1-5`` or ``1,3,5``.
    seeds: str = "1"
    task: MedGymTaskConfig = MedGymTaskConfig()


class MedGymTaskset(vf.Taskset[MedGymTask, MedGymTasksetConfig]):
    """Every fixture at every seed, one rollout's encounter each."""

    def load(self):
        hello = _hello()
        for fixture in parse_fixtures(self.config.fixtures, list(hello["fixtures"])):
            for seed in parse_seeds(self.config.seeds):
                yield MedGymTask(MedGymData(name=f"{fixture}@{seed}", prompt=f"MedGym encounter: {fixture}, seed {seed}",
                                            system_prompt=hello["system_prompt"], fixture=fixture, seed=seed),
                                 self.config.task)


class LocalChatHarnessConfig(vf.HarnessConfig):
    """The local chat harness's settings (those of any harness)."""


class LocalChatHarness(vf.Harness[LocalChatHarnessConfig]):
    """The plain chat loop over the rollout's tools (verifiers' own chat program, the ``null`` harness's), run
    with this interpreter: no tools but MedGym's (the default ``bash`` harness would add a shell), and nothing
    fetched (``null`` installs its script's packages with uv on every run)."""

    APPENDS_SYSTEM_PROMPT = True
    SUPPORTS_MCP = True
    SUPPORTS_RESUME = True
    SUPPORTS_TOOL_INTERCEPTION = True
    EXECUTES_CODE = False
    NEEDS_CONTAINER = False

    async def launch(self, ctx, trace, runtime, endpoint, secret, mcp_urls, data, tool_interception_url=None):
        from verifiers.v1.dialects.chat import message_to_wire
        from verifiers.v1.harnesses.utils.launch import CHAT_PROGRAM_SOURCE

        system_prompt, prompt = self.resolve_prompt(data)
        script = f".vf-chat-{hashlib.sha256(CHAT_PROGRAM_SOURCE.encode()).hexdigest()[:12]}.py"
        await runtime.write(script, CHAT_PROGRAM_SOURCE.encode())
        args = [f"--base-url={endpoint}", f"--api-key={secret}", f"--model={ctx.model}"]
        if tool_interception_url:
            args.append(f"--tool-interception-url={tool_interception_url}")
        if system_prompt:
            args.append(f"--system-prompt={system_prompt}")
        if mcp_urls:
            servers = {name: {"url": url, "timeout": self.config.tool_timeout} for name, url in mcp_urls.items()}
            args.append("--mcp-config=" + json.dumps({"mcpServers": servers}))
        if isinstance(prompt, str):
            args.append(f"--prompt={prompt}")
        elif prompt is not None:  # a resumed exchange: the messages so far
            path = f".vf-initial-messages-{trace.id}.json"
            await runtime.write(path, json.dumps([message_to_wire(m) for m in prompt]).encode())
            args.append(f"--initial-messages-file={path}")
        return await runtime.run_program([sys.executable, script, *args], {**self.config.resolved_env})


def load_environment(**taskset: Any) -> Any:
    """The environment built from Python, as ``vf-eval medgym-verifiers`` builds it: ``taskset`` holds the
    taskset's settings (``fixtures``, ``seeds``, ``task={"store": …, "label": …}``); the agent
    runs the plain chat loop over the tools (:class:`medgym_verifiers.LocalChatHarness`) in local processes."""
    config = vf.resolve_env_config({"taskset": {"id": "medgym-verifiers", **taskset},
                                    "agent": {"runtime": {"type": "subprocess"}}})
    return vf.load_environment(config)


if __name__ == "__main__":
    MedGymTools.run()
