"""The arithmetic of the scoreboard, pure: percentiles and shares (formulas in docs/scoreboard.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from gotong.scoreboard.schemas import Delays

__all__ = ["delays", "nearest_rank", "share"]


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
