"""Rewards for TRL, computed by forking recorded episodes: no judge model.

    from medgym.rewards import counterfactual_reward
    trainer = GRPOTrainer(model=…, reward_funcs=counterfactual_reward, train_dataset=load_dataset("json", data_files="corpus/wave1b/rlvr/*.jsonl"))
"""
from __future__ import annotations

import logging
import os
from typing import Any, Callable, Optional

from .completions import parse_completion
from .server import MedGymError, Server

log = logging.getLogger("medgym.rewards")

_servers: dict[tuple[Optional[str], Optional[str]], Server] = {}


def _server(binary: Optional[str], store: Optional[str]) -> Server:
    key = (binary, store)
    if key not in _servers:
        _servers[key] = Server(binary=binary, store=store)
    return _servers[key]


RewardFunction = Callable[..., "list[Optional[float]]"]

#: Who carries on after the completion's action when the row names no `continuation`: the expert.
#: Measured by scripts/grpo_signal.py over 108 episodes (2,138 steps, groups of 8 answer-key
#: actions): groups with no reward spread were 0.1 % under `expert`, 1.0 % under `original` (the
#: recorded agent carrying on) and 0.4 % under `none`; among actions not contraindicated there,
#: 0.0 %, 1.9 % and 1.8 %; mean spread 18.9, 12.6 and 9.6 points. See docs/corpora.md.
DEFAULT_CONTINUATION = "expert"

#: How far below the worst real action at a step a malformed completion scores (composite points).
DEFAULT_PENALTY_MARGIN = 1.0


def make_counterfactual_reward(binary: Optional[str] = None, store: Optional[str] = None,
                               continuation: Optional[str] = None, format_penalty: Optional[float] = None,
                               penalty_margin: float = DEFAULT_PENALTY_MARGIN) -> RewardFunction:
    """A reward function bound to a medgym binary and a trace store holding the corpus's episodes.

    `format_penalty`: what a malformed completion scores (one that names no
    action, several, a tool call that does not parse, an action outside the
    catalog or a call to the wrong tool). None (the default): `penalty_margin`
    below the worst real action at that row's step, found by forking every
    catalog action there (the server's `bounds`, once per row and
    continuation), so a malformed completion always ranks below every action
    a clinician could take, harmful ones included. The reward function's
    `details` holds, for the last batch, what each completion was read as and
    why it was penalised.
    """
    bounds: dict[tuple[str, int, str], float] = {}

    def penalty(server: Server, episode: str, step: int, arm: str) -> float:
        if format_penalty is not None:
            return float(format_penalty)
        key = (episode, step, arm)
        if key not in bounds:
            swept = server.call("bounds", episode=episode, step=step, continuation=arm)
            bounds[key] = float(swept["worst"]) - penalty_margin
        return bounds[key]

    def counterfactual_reward(prompts: list[Any], completions: list[Any], **kwargs: Any) -> list[Optional[float]]:
        """For each completion: the recorded episode (the row's `episode_id`) forked
        at the row's `step` with the completion's action, same patient and luck,
        the expert carrying on (or the row's `continuation`, or the one bound); the reward is
        that arm's composite. The action is read from plain text or from a tool
        call (``tool_calls``, ``<tool_call>`` JSON). A malformed completion (no
        action, several, unreadable, outside the catalog, the wrong tool) gets the
        format penalty, below every real action. None where the row cannot be
        scored (no episode id or step, or an episode not in the store), each with a
        warning on the ``medgym.rewards`` logger saying why."""
        server = _server(binary or os.environ.get("MEDGYM_BINARY"), store or os.environ.get("MEDGYM_STORE"))
        families = {a["kind"] for a in server.hello["actions"]}
        kinds = {a["id"]: a["kind"] for a in server.hello["actions"]}
        episodes, steps = kwargs.get("episode_id"), kwargs.get("step")
        arms = kwargs.get("continuation") or [continuation or DEFAULT_CONTINUATION] * len(completions)
        rewards: list[Optional[float]] = []
        details: list[dict[str, Any]] = []
        for index, completion in enumerate(completions):
            if not episodes or not steps or episodes[index] is None or steps[index] is None:
                log.warning("row %d not scored: it has no episode_id or step column (rows from a MedGym corpus have both)", index)
                rewards.append(None)
                details.append({"action": None, "penalised": "no episode_id or step column"})
                continue
            episode, step = episodes[index], int(steps[index])
            arm = arms[index] if arms[index] in ("original", "expert", "none") else DEFAULT_CONTINUATION
            parsed = parse_completion(completion)
            problem, action = parsed.problem, parsed.action
            if problem is None and parsed.calls and parsed.calls[0].tool not in families:
                problem = f"'{parsed.calls[0].tool}' is not one of the tools ({', '.join(sorted(families))})"
            try:
                fork = None
                if problem is None:
                    try:
                        fork = server.call("fork", episode=episode, step=step, action=action, continuation=arm)
                    except MedGymError as error:
                        if error.code != "unknown_action":
                            raise
                        problem = error.message
                if fork is not None and parsed.calls and kinds.get(fork["alternate_action"]) != parsed.calls[0].tool:
                    problem = (f"'{action}' is a {kinds.get(fork['alternate_action'])} action, "
                               f"not one of the {parsed.calls[0].tool} tool's")
                reward = penalty(server, episode, step, arm) if problem is not None else float(fork["counterfactual"])
            except MedGymError as error:
                log.warning("row %d (episode %s, step %s) not scored: %s", index, episode, step, error)
                rewards.append(None)
                details.append({"action": action, "penalised": None, "error": str(error)})
                continue
            rewards.append(reward)
            details.append({"action": None if problem else fork["alternate_action"], "penalised": problem})
        counterfactual_reward.details = details  # type: ignore[attr-defined]
        return rewards

    counterfactual_reward.details = []  # type: ignore[attr-defined]
    return counterfactual_reward


counterfactual_reward = make_counterfactual_reward()
