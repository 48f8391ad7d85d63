"""The score of an indicator: how much to trust it today, from 0 (ignore) to 100.

    base     = the indicator's ``confidence`` (50 when it has none)
    age      = 0.5 ** (days since valid_from / 180)          a half-life of 180 days
    boost    = min(30, 15 * log10(1 + sightings))             corroboration by sightings
    penalty  = 0.5 ** false_positive_reports                   each benign report halves it
    score    = round(min(100, (base * age + boost) * penalty))

A revoked indicator, or one past its ``valid_until``, scores 0. The inputs are what the reader may
see: another reader may see fewer sightings and so a different score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gotong.stix.timestamps import TimestampError, micros_of

HALF_LIFE_DAYS = 180.0
_DAY = 86_400_000_000


def indicator_score(indicator: Mapping[str, Any], *, sightings: int, false_positives: int, now: int) -> int:
    """Score one indicator (a STIX dict) at time ``now`` (microseconds since the epoch)."""
    if indicator.get("revoked") is True or is_expired(indicator, now=now):
        return 0
    confidence = indicator.get("confidence")
    base = float(confidence) if isinstance(confidence, int) and 0 <= confidence <= 100 else 50.0
    start = _micros(indicator.get("valid_from")) or _micros(indicator.get("created")) or now
    age_days = max(0.0, (now - start) / _DAY)
    age: float = 0.5 ** (age_days / HALF_LIFE_DAYS)
    boost = min(30.0, 15.0 * math.log10(1 + max(0, sightings)))
    penalty: float = 0.5 ** max(0, false_positives)
    return round(min(100.0, (base * age + boost) * penalty))


def is_expired(indicator: Mapping[str, Any], *, now: int) -> bool:
    until = _micros(indicator.get("valid_until"))
    return until is not None and until <= now


def _micros(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return micros_of(value)
    except TimestampError:
        return None
