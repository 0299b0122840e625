"""What a completion asks for, read the way a model writes it.

A completion is a string or a conversation (a list of messages, the last
assistant turn being the model's). It names actions as plain text ("CTA
chest"), as tool calls in the message's ``tool_calls`` field (OpenAI and TRL
form), as ``<tool_call>{"name": …, "arguments": {…}}</tool_call>`` blocks
in the text (Hermes/Qwen chat templates), or as a bare JSON tool call.
Reasoning in ``<think>…</think>`` is skipped. MedGym takes one action per
turn, so a completion that names none, or several, is malformed: the reward
gives it the format penalty rather than reading it as a real action.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)
_TOOL_CALL = re.compile(r"<tool_call>(.*?)(</tool_call>|$)", re.DOTALL)


@dataclass(frozen=True)
class ToolCall:
    """One tool call: the tool (an action family, e.g. ``imaging``) and its ``action`` argument."""

    tool: str
    action: Optional[str]


@dataclass(frozen=True)
class ParsedCompletion:
    """The actions a completion names: ``text`` (one plain-text action), or ``calls``.

    ``problem`` says why it cannot be taken as one action (no action, several,
    a tool call that does not parse), or is None.
    """

    text: Optional[str]
    calls: tuple[ToolCall, ...]
    problem: Optional[str]

    @property
    def action(self) -> Optional[str]:
        """The one action's text, when there is exactly one."""
        if self.problem is not None:
            return None
        return self.calls[0].action if self.calls else self.text


def _content(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else message
    if isinstance(content, list):  # content parts: [{"type": "text", "text": …}]
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def _call(raw: Any) -> ToolCall:
    """A tool call from its JSON: {"name", "arguments"} or {"function": {"name", "arguments"}}."""
    if not isinstance(raw, dict):
        raise ValueError("a tool call is a JSON object with name and arguments")
    function = raw.get("function") if isinstance(raw.get("function"), dict) else raw
    name = function.get("name")
    arguments = function.get("arguments", function.get("parameters", {}))
    if isinstance(arguments, str):
        arguments = json.loads(arguments)
    if not isinstance(name, str) or not isinstance(arguments, dict):
        raise ValueError("a tool call needs a string name and an arguments object")
    action = arguments.get("action")
    return ToolCall(tool=name, action=action if isinstance(action, str) and action.strip() else None)


def _calls_in_text(text: str) -> Optional[list[Any]]:
    """Tool-call JSON written in the text, or None when the text holds none."""
    blocks = [match.group(1).strip() for match in _TOOL_CALL.finditer(text)]
    if blocks:
        return [json.loads(block) for block in blocks]
    stripped = text.strip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            value = json.loads(stripped)
        except ValueError:
            return None
        values = value if isinstance(value, list) else [value]
        if values and all(isinstance(v, dict) and ("name" in v or "function" in v) for v in values):
            return values
    return None


def parse_completion(completion: Any) -> ParsedCompletion:
    """Reads the actions a completion names (see the module's doc)."""
    if isinstance(completion, list):
        messages = [m for m in completion if isinstance(m, dict) and m.get("role", "assistant") == "assistant"]
        if not messages:
            return ParsedCompletion(None, (), "no assistant message")
        raw_calls = [call for m in messages for call in (m.get("tool_calls") or [])]
        text = "".join(_content(m) for m in messages)
    elif isinstance(completion, dict):
        raw_calls, text = list(completion.get("tool_calls") or []), _content(completion)
    elif completion is None:
        raw_calls, text = [], ""
    else:
        raw_calls, text = [], str(completion)
    text = _THINK.sub("", text)
    try:
        in_text = _calls_in_text(text)
        calls = [_call(raw) for raw in raw_calls + (in_text or [])]
    except (ValueError, TypeError) as error:
        return ParsedCompletion(None, (), f"a tool call that does not parse ({error})")
    if calls:
        if len(calls) > 1:
            return ParsedCompletion(None, tuple(calls), f"{len(calls)} tool calls; one action per turn")
        if calls[0].action is None:
            return ParsedCompletion(None, tuple(calls), f"the {calls[0].tool} call has no action argument")
        return ParsedCompletion(None, tuple(calls), None)
    text = text.strip()
    if not text:
        return ParsedCompletion(None, (), "no action: the completion is empty")
    return ParsedCompletion(text, (), None)
