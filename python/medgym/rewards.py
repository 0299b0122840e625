"""Rewards for TRL, computed by forking recorded episodes: no judge model.

    from medgym.rewards import counterfactual_reward
    trainer = GRPOTrainer(model=…, reward_funcs=counterfactual_reward, train_dataset=load_dataset("json", data_files="corpus/wave1b/rlvr/*.jsonl"))
"""
from __future__ import annotations

import logging
import os
from typing import Any, Callable, Optional

from .server import MedGymError, Server

log = logging.getLogger("medgym.rewards")

_servers: dict[tuple[Optional[str], Optional[str]], Server] = {}


def _server(binary: Optional[str], store: Optional[str]) -> Server:
    key = (binary, store)
    if key not in _servers:
        _servers[key] = Server(binary=binary, store=store)
    return _servers[key]


def _text(completion: Any) -> str:
    if isinstance(completion, str):
        return completion.strip()
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", "")).strip()
    return ""


RewardFunction = Callable[..., "list[Optional[float]]"]


def make_counterfactual_reward(binary: Optional[str] = None, store: Optional[str] = None,
                               continuation: Optional[str] = None) -> RewardFunction:
    """A reward function bound to a medgym binary and a trace store holding the corpus's episodes."""

    def counterfactual_reward(prompts: list[Any], completions: list[Any], **kwargs: Any) -> list[Optional[float]]:
        """For each completion: the recorded episode (the row's `episode_id`) forked
        at the row's `step` with the completion as the action, same patient and luck,
        the recorded agent carrying on (or the row's `continuation`); the reward is
        that arm's composite. A completion that names no action is scored as
        "observe and reassess" (time passes, nothing is done). None where the row
        cannot be scored (no episode id or step, or an episode not in the store), each
        with a warning on the ``medgym.rewards`` logger saying why."""
        server = _server(binary or os.environ.get("MEDGYM_BINARY"), store or os.environ.get("MEDGYM_STORE"))
        episodes, steps = kwargs.get("episode_id"), kwargs.get("step")
        arms = kwargs.get("continuation") or [continuation or "original"] * len(completions)
        rewards = []
        for index, completion in enumerate(completions):
            if not episodes or not steps or episodes[index] is None or steps[index] is None:
                log.warning("row %d not scored: it has no episode_id or step column (rows from a MedGym corpus have both)", index)
                rewards.append(None)
                continue
            action = _text(completion) or "observe and reassess"
            arm = arms[index] if arms[index] in ("original", "expert", "none") else "original"
            try:
                try:
                    fork = server.call("fork", episode=episodes[index], step=int(steps[index]), action=action, continuation=arm)
                except MedGymError as error:
                    if error.code != "unknown_action":
                        raise
                    fork = server.call("fork", episode=episodes[index], step=int(steps[index]), action="observe and reassess",
                                       continuation=arm)
            except MedGymError as error:
                log.warning("row %d (episode %s, step %s) not scored: %s", index, episodes[index], steps[index], error)
                rewards.append(None)
                continue
            rewards.append(float(fork["counterfactual"]))
        return rewards

    return counterfactual_reward


counterfactual_reward = make_counterfactual_reward()
