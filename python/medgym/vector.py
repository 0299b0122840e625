"""Many MedGym environments stepped in one request: a Gymnasium vector environment.

    import gymnasium, medgym
    envs = gymnasium.make_vec("MedGym/adv_cocaine_dissection-v0", num_envs=16, store=False)
    observations, infos = envs.reset(seed=0)
    observations, rewards, terminations, truncations, infos = envs.step(["CTA chest"] * 16)

`servers` `medgym serve --stdio` processes serve them (default: one per core,
at most two; environment i on server i·servers/num_envs): each `step` is one
`step_batch` request per server, sent to every server before any reply is
read, so the servers step on their cores at once while this process waits
(resetting the environments that ended on the previous step: Gymnasium's
next-step autoreset, in the same request; `pipeline=N` splits each server's
part into N requests sent at once), with slim replies (the text, reward, flags
and a short info; `observation=True` adds the structured observation). An
environment's episodes are the same on any number of servers. Every episode is recorded in the trace store as with
:class:`medgym.MedGymEnv`, unless `store=False`; unlike it, the turns are not written to the store's live
tables as they are played (for the viewer's live page) unless `live=True`: at 16 environments that writing cost
a third of the recorded rate.
"""
from __future__ import annotations

import os
from typing import Any, Optional, Sequence, Union

import numpy as np
from gymnasium import spaces
from gymnasium.vector import VectorEnv
from gymnasium.vector.utils import batch_space
from gymnasium.vector.vector_env import AutoresetMode

from .server import DEFAULT_TIMEOUT, MedGymError, Server

#: Info keys every entry carries, as arrays (step and minute as ints, the potential as floats).
_ALWAYS = (("step", np.int64), ("minute", np.int64), ("potential", np.float64))
#: Info keys only some entries carry: an object array and its `_key` mask, Gymnasium's convention.
_SOMETIMES = ("action", "episode_id", "composite", "outcome", "harm_level", "rejected", "refused")


class MedGymVectorEnv(VectorEnv):
    """`num_envs` copies of one fixture over one server, stepped together."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int, fixture: str, seed: Optional[int] = None,
                 binary: Optional[Union[str, os.PathLike]] = None, store: Optional[Union[str, os.PathLike, bool]] = None,
                 label: Optional[str] = None, settings: Optional[dict[str, Any]] = None, observation: bool = False,
                 server: Optional[Server] = None, timeout: float = DEFAULT_TIMEOUT, pipeline: int = 1,
                 jobs: Optional[int] = None, servers: Optional[int] = None, live: bool = False, **_: Any) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be 1 or more, not {num_envs}")
        self.num_envs = num_envs
        self.fixture = fixture
        self.label = label
        self.settings = dict(settings or {})
        self.observation = observation
        if servers is None:
            servers = 1 if server is not None else min(2, os.cpu_count() or 1, num_envs)
        if servers < 1 or servers > num_envs or (server is not None and servers != 1):
            raise ValueError(f"servers must be 1 to num_envs ({num_envs}), and 1 with server=…; not {servers}")
        #: Requests each server's part of a step is split into, sent at once (1: one request).
        self.pipeline = max(1, min(int(pipeline), -(-num_envs // servers)))
        self._servers: list[Server] = [server] if server is not None else [
            # Not watched by default: writing every turn of many environments for the viewer's live
            # page cost a third of the recorded rate (live=True to follow them there).
            Server(binary=binary, store=store, timeout=timeout, jobs=jobs, live=live) for _ in range(servers)]
        #: The first server (the only one unless `servers` > 1).
        self._server: Optional[Server] = self._servers[0]
        self._owns_server = server is None
        #: Which environments each server holds: contiguous blocks, in order.
        self._blocks = [range(k * num_envs // servers, (k + 1) * num_envs // servers) for k in range(servers)]
        self._first_seed = seed
        self._names = [f"vec-{id(self)}-{i}" for i in range(num_envs)]
        charset = self._server.hello["charset"]
        self.single_observation_space = spaces.Text(max_length=16384, min_length=1, charset=charset)
        self.single_action_space = spaces.Text(max_length=4096, min_length=1, charset=charset)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._autoreset = np.zeros(num_envs, dtype=bool)
        self.last_episode_ids: list[Optional[str]] = [None] * num_envs

    def _reset_entries(self, indices: Sequence[int], seeds: Sequence[int]) -> list[dict[str, Any]]:
        options = {"label": self.label, "settings": self.settings}
        resets = {i: {"env": self._names[i], "fixture": self.fixture, "seed": int(s), "options": options} for i, s in zip(indices, seeds)}
        calls = [[("reset_batch", {"resets": [resets[i] for i in block if i in resets], "observation": self.observation})]
                 for block in self._blocks]
        return self._exchange(calls)

    def _exchange(self, calls: list[list[tuple[str, dict[str, Any]]]]) -> list[dict[str, Any]]:
        """Each server's requests sent before any reply is read (the servers work at once), then
        their entries in the environments' order; the first error raises after every reply is read."""
        for server, mine in zip(self._servers, calls):
            if mine:
                server.send(mine)
        entries, failure = [], None
        for server, mine in zip(self._servers, calls):
            if not mine:
                continue
            try:
                replies = server.receive(mine)
            except MedGymError as error:
                failure = failure or error
                continue
            entries += [entry for reply in replies for entry in reply["results"]]
        if failure is not None:
            raise failure
        for entry in entries:
            if "error" in entry:
                raise MedGymError(entry["error"]["code"], entry["error"]["message"])
        return entries

    def _step_batches(self, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The steps as each server's `step_batch` requests (its block split into `pipeline` parts)."""
        calls = []
        for block in self._blocks:
            mine = steps[block.start:block.stop]
            size = -(-len(mine) // self.pipeline)
            calls.append([("step_batch", {"steps": mine[i:i + size], "observation": self.observation}) for i in range(0, len(mine), size)])
        return self._exchange(calls)

    def _draw_seeds(self, count: int) -> list[int]:
        return [int(s) for s in self.np_random.integers(0, 2**31 - 1, size=count)]

    def reset(self, *, seed: Optional[Union[int, Sequence[int]]] = None,
              options: Optional[dict[str, Any]] = None) -> tuple[tuple[str, ...], dict[str, Any]]:
        if seed is None and self._first_seed is not None:
            seed, self._first_seed = self._first_seed, None
        if isinstance(seed, (list, tuple)):
            seeds = [int(s) for s in seed]
            super().reset(seed=seeds[0])
        else:
            super().reset(seed=seed)
            seeds = [int(seed) + i for i in range(self.num_envs)] if seed is not None else self._draw_seeds(self.num_envs)
        if len(seeds) != self.num_envs:
            raise ValueError(f"{len(seeds)} seeds for {self.num_envs} environments")
        entries = self._reset_entries(range(self.num_envs), seeds)
        self._autoreset[:] = False
        return tuple(e["text"] for e in entries), self._infos(entries)

    def step(self, actions: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if len(actions) != self.num_envs:
            raise ValueError(f"{len(actions)} actions for {self.num_envs} environments")
        # One request: the environments that ended on the last step start again (next-step autoreset), the others act.
        ended = self._autoreset.nonzero()[0]
        seeds = iter(self._draw_seeds(len(ended))) if len(ended) else None
        options = {"label": self.label, "settings": self.settings}
        steps = [{"env": name, "reset": {"fixture": self.fixture, "seed": next(seeds), "options": options}} if seeds and self._autoreset[i]
                 else {"env": name, "action": str(actions[i])} for i, name in enumerate(self._names)]
        entries = self._step_batches(steps)
        rewards = np.array([e["reward"] for e in entries], dtype=np.float64)
        terminations = np.array([e["terminated"] for e in entries], dtype=bool)
        truncations = np.array([e["truncated"] for e in entries], dtype=bool)
        self._autoreset = terminations | truncations
        for i in self._autoreset.nonzero()[0]:
            self.last_episode_ids[i] = entries[i]["info"].get("episode_id")
        return tuple(e["text"] for e in entries), rewards, terminations, truncations, self._infos(entries)

    def _infos(self, entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
        infos = [e["info"] for e in entries]
        out: dict[str, Any] = {key: np.array([i[key] for i in infos], dtype=dtype) for key, dtype in _ALWAYS}
        present = {key for i in infos for key in i}
        for key in _SOMETIMES:
            if key in present:
                out[key] = np.array([i.get(key) for i in infos], dtype=object)
                out["_" + key] = np.array([key in i for i in infos], dtype=bool)
        if self.observation:
            out["observation"] = np.array([e["observation"] for e in entries], dtype=object)
        return out

    def close_extras(self, **kwargs: Any) -> None:
        servers, self._servers, self._server = getattr(self, "_servers", []), [], None
        for server in servers:
            if self._owns_server:
                server.close()
            else:
                for name in self._names:
                    server.call("close", env=name)
