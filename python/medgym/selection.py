"""Which encounters a run plays: fixtures by name or pattern, seeds by number or range, as a command line gives them."""
from __future__ import annotations

import fnmatch
from typing import Any


def parse_seeds(seeds: Any) -> list[int]:
    """Seeds as ``-T`` gives them: ``3``, ``1-5``, ``1,3,5`` (a list after Inspect's parsing) or ``[1, 3]``."""
    if isinstance(seeds, bool):
        raise ValueError(f"seeds={seeds!r}: give whole numbers, e.g. seeds=1-5 or seeds=1,3,5")
    if isinstance(seeds, int):
        return [seeds]
    if isinstance(seeds, (list, tuple)):
        return [seed for part in seeds for seed in parse_seeds(part)]
    found: list[int] = []
    for part in str(seeds).split(","):
        first, dash, last = part.strip().partition("-")
        try:
            found += list(range(int(first), int(last) + 1)) if dash else [int(first)]
        except ValueError:
            raise ValueError(f"seeds={seeds!r}: give whole numbers, e.g. seeds=1-5 or seeds=1,3,5") from None
    if not found:
        raise ValueError("seeds is empty: give whole numbers, e.g. seeds=1-5")
    return found


def parse_fixtures(fixtures: Any, shipped: list[str]) -> list[str]:
    """Fixture names or patterns (``adv_*``), comma-separated or a list; a name without a wildcard is taken as
    it is (a shipped fixture, a scenario id such as ``tension_pneumothorax/t50/v0``, or an archetype file)."""
    patterns = [str(p).strip() for p in (fixtures if isinstance(fixtures, (list, tuple)) else str(fixtures).split(","))]
    names: list[str] = []
    for pattern in filter(None, patterns):
        matched = [f for f in shipped if fnmatch.fnmatchcase(f, pattern)] if any(c in pattern for c in "*?[") else [pattern]
        if not matched:
            raise ValueError(f"fixtures={pattern!r} matches no shipped fixture; shipped: {', '.join(shipped)}")
        names += [name for name in matched if name not in names]
    if not names:
        raise ValueError("fixtures is empty: name fixtures or patterns, e.g. fixtures='adv_*'")
    return names
