"""One encounter driven by tool calls: what the Inspect task and the verifiers environment share.

The tools, their descriptions and the system prompt come from the server's
``hello`` (the same definitions the MCP server and the ``openai:`` agent
use); a tool call is checked by the server against its tool's family, and a
call it does not take comes back as a refusal (nothing done, no time passed)
that the framework shows the model as a tool error.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from .server import MedGymError, Server

_ENVS = itertools.count(1)

#: The nine dimensions of a MedGym score card, in the card's order.
DIMENSIONS = ("survival", "disposition", "workup", "red_flag", "communication", "cost", "harm", "efficiency", "documentation")

_SERVERS: dict[tuple[Optional[str], bool, Optional[str]], Server] = {}


def shared_server(binary: Optional[str] = None, store: Any = None) -> Server:
    """One server per binary and store in this process, started on first use (the encounters of an
    evaluation share it, each in an environment of its own); `store=False` records nothing."""
    key = (binary, store is False, None if store is None or store is False else str(store))
    if key not in _SERVERS or _SERVERS[key]._process.poll() is not None:
        _SERVERS[key] = Server(binary=binary, store=store)
    return _SERVERS[key]


def tool_schemas(hello: dict[str, Any]) -> list[dict[str, Any]]:
    """The action tools as OpenAI function schemas (one per action family, its one argument
    ``action`` an enum of the family's catalog actions), exactly as the ``openai:`` agent sends them."""
    return [{
        "type": "function",
        "function": {
            "name": tool["name"],
            "description": tool["description"],
            "strict": True,
            "parameters": {"type": "object", "properties": {"action": {"type": "string", "enum": list(tool["actions"])}},
                           "required": ["action"], "additionalProperties": False},
        },
    } for tool in hello["tools"]]


def not_taken(tool: str, action: Optional[str]) -> str:
    """What a further tool call of one reply is answered (one action per turn), as the ``openai:`` agent says it."""
    what = f"{tool} '{action[:60]}'" if action else f"this {tool} call"
    return (f"Not taken: {what}. One action per turn: only the first tool call of a reply is acted on; "
            "call again for the next.")


@dataclass
class Turn:
    """What one tool call did: the text the model reads next, the step's reward, and whether it ended the encounter.

    ``refused`` is the refusal (why, the nearest valid calls, how many more may be refused) when the call was not
    taken: then nothing was done and no time passed, and a framework shows ``text`` as a tool error.
    """

    text: str
    reward: float
    done: bool
    refused: Optional[str]
    info: dict[str, Any]


@dataclass
class Encounter:
    """One episode of `fixture` (a fixture or scenario id) at `seed` on `server`, recorded in its store under
    the agent ``python`` with `label` and `settings` (a model's name and sampling settings) in its provenance.

    :meth:`start` gives the first observation; :meth:`act` takes one tool call; when the encounter is over,
    ``episode_id``, ``composite``, ``final`` (the last step's info) and ``card`` (the recorded episode's score
    card, what ``replay score`` prints; None when the server records nothing) say how it went, and ``rewards`` holds every step's reward (they sum to the composite). An encounter the
    caller leaves before it ends is recorded by :meth:`close` as abandoned (the patient left to the clock).
    """

    server: Server
    fixture: str
    seed: int
    label: Optional[str] = None
    settings: dict[str, Any] = field(default_factory=dict)
    env: str = field(default_factory=lambda: f"encounter-{next(_ENVS)}")
    rewards: list[float] = field(default_factory=list)
    done: bool = False
    episode_id: Optional[str] = None
    composite: Optional[float] = None
    final: dict[str, Any] = field(default_factory=dict)
    card: Optional[dict[str, Any]] = None
    #: Whether the outcome is the answer key's "caught" (the diagnosis confirmed and acted on); an encounter left
    #: unfinished never is (it has no disposition).
    caught: bool = False
    refusals: int = 0

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The action tools as OpenAI function schemas."""
        return tool_schemas(self.server.hello)

    @property
    def system_prompt(self) -> str:
        """The system prompt every model path gives a model."""
        return str(self.server.hello["system_prompt"])

    def start(self) -> str:
        """Starts the encounter; the first observation as a clinician reads it."""
        settings = {str(k): v if isinstance(v, str) else json.dumps(v, sort_keys=True) for k, v in self.settings.items()}
        result = self.server.call("reset", env=self.env, fixture=self.fixture, seed=int(self.seed),
                                  options={"label": self.label, "settings": settings})
        self.final = result["info"]
        return str(result["text"])

    def act(self, tool: Optional[str], action: str, raw: Optional[str] = None) -> Turn:
        """One action: a tool call (`tool` and its `action` argument), or with `tool` None a plain-text action.
        `raw` (the model's whole reply, clipped to 64 KiB) is recorded with it."""
        if self.done:
            raise MedGymError("no_episode", f"the encounter is over (recorded as {self.episode_id}); start another")
        params: dict[str, Any] = {"env": self.env, "action": str(action)}
        if tool is not None:
            params["tool"] = str(tool)
        if raw is not None:
            params["raw"] = raw.encode()[:65536].decode(errors="ignore")
        result = self.server.call("step", **params)
        info = result["info"]
        refused = info.get("refused")
        reward = float(result["reward"])
        self.rewards.append(reward)
        self.final = info
        if refused:
            self.refusals += 1
        if result["terminated"] or result["truncated"]:
            self.done = True
            self.episode_id = info.get("episode_id")
            self.composite = info.get("composite")
            self.caught = bool(info.get("caught"))
            self._read_card()
        return Turn(text=str(result["text"]), reward=reward, done=self.done,
                    refused=str(refused["message"]) if refused else None, info=info)

    def close(self) -> Optional[str]:
        """Ends an encounter still in progress (recorded, marked abandoned, even when nothing was done: the
        patient left to the clock is the score of a model that did nothing); returns the episode id."""
        if self.done:
            return self.episode_id
        result = self.server.call("close", env=self.env, record=True)
        self.done = True
        self.episode_id = result.get("episode_id")
        self._read_card()
        return self.episode_id

    def _read_card(self) -> None:
        """The recorded episode's score card, read back from the store (what ``replay score`` prints)."""
        if self.episode_id:
            self.card = self.server.call("score", episode=self.episode_id)
            self.composite = self.card["composite"]

    def score_metadata(self) -> dict[str, Any]:
        """What a framework's score carries: the episode id, composite, outcome, harm level and the nine dimensions."""
        source = self.card or self.final
        dimensions = {d["dimension"]: d["points"] for d in source.get("dimensions", [])}
        metadata = {"episode_id": self.episode_id, "composite": self.composite, "outcome": source.get("outcome"),
                    "harm_level": source.get("harm_level"), "dimensions": dimensions, "fixture": self.fixture,
                    "seed": int(self.seed), "steps": len(self.rewards), "refusals": self.refusals, "caught": self.caught,
                    "step_rewards": list(self.rewards), "abandoned": bool(self.card and self.card.get("abandoned"))}
        if self.card:
            metadata["outcome_text"] = self.card.get("outcome_text")
            metadata["fate"] = self.card.get("fate")
        return metadata
