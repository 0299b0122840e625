"""A Gymnasium environment over `medgym serve --stdio`."""
import gymnasium as gym
from gymnasium import spaces

from .server import Server


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

    def __init__(self, fixture, seed=None, binary=None, store=None, label=None, render_mode=None, server=None, settings=None):
        self.fixture = fixture
        self.label = label
        self.settings = dict(settings or {})
        self.render_mode = render_mode
        self._server = server or Server(binary=binary, store=store)
        self._owns_server = server is None
        self._first_seed = seed
        self._env = f"env-{id(self)}"
        charset = self._server.hello["charset"]
        self.observation_space = spaces.Text(max_length=16384, min_length=1, charset=charset)
        self.action_space = spaces.Text(max_length=4096, min_length=1, charset=charset)
        self.actions = [a["name"] for a in self._server.hello["actions"]]
        self.action_kinds = {a["name"]: a["kind"] for a in self._server.hello["actions"]}
        self.last_episode_id = None
        self._text = ""

    def reset(self, *, seed=None, options=None):
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

    def step(self, action):
        result = self._server.call("step", env=self._env, action=str(action))
        self._text = result["text"]
        info = result["info"]
        if info.get("episode_id"):
            self.last_episode_id = info["episode_id"]
        return self._text, float(result["reward"]), bool(result["terminated"]), bool(result["truncated"]), info

    def render(self):
        if self.render_mode == "ansi":
            return self._text
        return None

    def fork(self, step, action, continuation="original", episode=None):
        """The last finished episode (or `episode`) forked at `step` with `action`: both arms' composites and the Δ."""
        episode = episode or self.last_episode_id
        if episode is None:
            raise ValueError("no finished episode to fork: play one to the end, or pass episode=…")
        return self._server.call("fork", episode=episode, step=int(step), action=str(action), continuation=continuation)

    def score(self, episode=None):
        """A recorded episode's score card."""
        return self._server.call("score", episode=episode or self.last_episode_id)

    def close(self):
        if getattr(self, "_server", None) is not None:
            if self._owns_server:
                self._server.close()
            else:
                self._server.call("close", env=self._env)
            self._server = None


def make(fixture, seed=None, binary=None, store=None, label=None, render_mode=None, settings=None):
    """A MedGym environment for `fixture` (e.g. "adv_cocaine_dissection"). `label` names the model version;
    `settings` (model name, temperature, …) are recorded in every episode's provenance."""
    return MedGymEnv(fixture, seed=seed, binary=binary, store=store, label=label, render_mode=render_mode, settings=settings)
