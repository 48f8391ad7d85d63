"""The arithmetic of the scoreboard, pure: percentiles and shares (formulas in docs/scoreboard.md)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from gotong.scoreboard.schemas import Delays

__all__ = ["decay_config", "delays", "freshness", "nearest_rank", "share"]

_DAY = 86_400_000_000


@cache
def decay_config() -> dict[str, Any]:
    text = resources.files("gotong").joinpath("data/scoreboard/decay.toml").read_text("utf-8")
    return tomllib.loads(text)


def freshness(*, type: str, born: int, valid_until: int | None, valid_from: int | None, at: int) -> float:
    """How fresh an object still is at ``at``, 1 (new) to 0 (decayed): 1 - (age / lifetime) ** (1 / speed).

    ``born`` is when it was first seen (else submitted); its lifetime is its own validity when it
    states one (valid_until - valid_from, or - born), else the configured days for its type.
    """
    config = decay_config()
    if valid_until is not None:
        lifetime = valid_until - (valid_from if valid_from is not None else born)
    else:
        days = config["lifetime_days"]
        lifetime = int(days.get(type, days["default"])) * _DAY
    if lifetime <= 0:
        return 0.0
    age = max(0, at - born)
    speed = float(config["speed"])
    return float(max(0.0, 1.0 - (age / lifetime) ** (1.0 / speed)))


def nearest_rank(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``fraction`` of values at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def delays(micros: Sequence[int]) -> Delays:
    """Median (the middle value, or the mean of the two middle ones) and p90 of delays, in seconds."""
    seconds = sorted(m / 1_000_000 for m in micros)
    if not seconds:
        return Delays()
    middle = len(seconds) // 2
    median = seconds[middle] if len(seconds) % 2 else (seconds[middle - 1] + seconds[middle]) / 2
    return Delays(count=len(seconds), median_seconds=median, p90_seconds=nearest_rank(seconds, 0.9))


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)
