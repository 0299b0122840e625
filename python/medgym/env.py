"""A Gymnasium environment over `medgym serve --stdio`."""
from __future__ import annotations

import os
from typing import Any, Optional, Union

import gymnasium as gym
from gymnasium import spaces

from .server import DEFAULT_TIMEOUT, Server


class MedGymEnv(gym.Env):
    """One fixture as a Gymnasium environment.

    Observations and actions are text (`gymnasium.spaces.Text` with the
    explicit character set of everything an observation can hold): the
    observation as a clinician reads it, and an action as a model writes it
    ("CTA chest", "give labetalol 20 mg IV push"). `terminated` is a clinical
    end (disposition or death), `truncated` the time or step limit. The
    reward is potential-based: each step's change in the composite the
    episode would score if it ended there, the last step also carrying the
    arrival state's potential, so an episode's rewards sum to its composite.
    `info` carries the nine-dimension decomposition, outcome, harm level, the
    trace's event seq numbers and, at the end, the episode id in the store.
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, fixture: str, seed: Optional[int] = None, binary: Optional[Union[str, os.PathLike]] = None,
                 store: Optional[Union[str, os.PathLike, bool]] = None, label: Optional[str] = None,
                 render_mode: Optional[str] = None, server: Optional[Server] = None,
                 settings: Optional[dict[str, Any]] = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.fixture = fixture
        self.label = label
        self.settings = dict(settings or {})
        self.render_mode = render_mode
        self._server: Optional[Server] = server or Server(binary=binary, store=store, timeout=timeout)
        self._owns_server = server is None
        self._first_seed = seed
        self._env = f"env-{id(self)}"
        charset = self._server.hello["charset"]
        self.observation_space = spaces.Text(max_length=16384, min_length=1, charset=charset)
        self.action_space = spaces.Text(max_length=4096, min_length=1, charset=charset)
        self.actions = [a["name"] for a in self._server.hello["actions"]]
        self.action_kinds = {a["name"]: a["kind"] for a in self._server.hello["actions"]}
        self.last_episode_id: Optional[str] = None
        self._text = ""

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict[str, Any]] = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        if seed is None and self._first_seed is not None:
            seed, self._first_seed = self._first_seed, None
        if seed is None:
            seed = int(self.np_random.integers(0, 2**31 - 1))
        result = self._server.call("reset", env=self._env, fixture=options.pop("fixture", self.fixture), seed=int(seed),
                                   options={"label": options.pop("label", self.label),
                                            "settings": options.pop("settings", self.settings)})
        self._text = result["text"]
        return self._text, result["info"]

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        result = self._server.call("step", env=self._env, action=str(action))
        self._text = result["text"]
        info = result["info"]
        if info.get("episode_id"):
            self.last_episode_id = info["episode_id"]
        return self._text, float(result["reward"]), bool(result["terminated"]), bool(result["truncated"]), info

    def render(self) -> Optional[str]:
        if self.render_mode == "ansi":
            return self._text
        return None

    def fork(self, step: int, action: str, continuation: str = "original", episode: Optional[str] = None) -> dict[str, Any]:
        """The last finished episode (or `episode`) forked at `step` with `action`: both arms' composites and the Δ."""
        episode = episode or self.last_episode_id
        if episode is None:
            raise ValueError("no finished episode to fork: play one to the end, or pass episode=…")
        return self._server.call("fork", episode=episode, step=int(step), action=str(action), continuation=continuation)

    def score(self, episode: Optional[str] = None) -> dict[str, Any]:
        """A recorded episode's score card."""
        return self._server.call("score", episode=episode or self.last_episode_id)

    def close(self) -> None:
        if getattr(self, "_server", None) is not None:
            if self._owns_server:
                self._server.close()
            else:
                self._server.call("close", env=self._env)
            self._server = None


def make(fixture: str, seed: Optional[int] = None, binary: Optional[Union[str, os.PathLike]] = None,
         store: Optional[Union[str, os.PathLike, bool]] = None, label: Optional[str] = None,
         render_mode: Optional[str] = None, settings: Optional[dict[str, Any]] = None,
         timeout: float = DEFAULT_TIMEOUT) -> MedGymEnv:
    """A MedGym environment for `fixture` (e.g. "adv_cocaine_dissection"). `label` names the model version;
    `settings` (model name, temperature, …) are recorded in every episode's provenance. The same as
    ``gymnasium.make("MedGym/<fixture>-v0", …)``."""
    return MedGymEnv(fixture, seed=seed, binary=binary, store=store, label=label, render_mode=render_mode, settings=settings,
                     timeout=timeout)


#: The fixtures MedGym ships, each registered with Gymnasium as ``MedGym/<fixture>-v0``
#: (a test checks this list against the server's own).
SHIPPED_FIXTURES = (
    "adv_aaa_30min", "adv_cocaine_dissection", "adv_pediatric_dka", "cardio_anterior_stemi", "em_anaphylaxis", "im_hyperkalaemia",
    "im_septic_shock", "neg_low_risk_chest_pain", "neg_minor_head_injury", "neg_perc_pleuritic_pain", "neg_simple_febrile_seizure",
    "neuro_lvo_stroke", "ob_ruptured_ectopic", "scc_tension_pneumothorax", "tox_opioid_apnoea",
)


def register_environments() -> None:
    """Registers ``MedGym/<fixture>-v0`` for every shipped fixture (done on import), with
    :class:`medgym.vector.MedGymVectorEnv` as its vector entry point, so
    ``gymnasium.make_vec("MedGym/<fixture>-v0", num_envs=16)`` steps all sixteen in one request."""
    for fixture in SHIPPED_FIXTURES:
        name = f"MedGym/{fixture}-v0"
        if name not in gym.registry:
            gym.register(id=name, entry_point="medgym.env:MedGymEnv", vector_entry_point="medgym.vector:MedGymVectorEnv",
                         kwargs={"fixture": fixture})
