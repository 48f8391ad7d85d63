"""A member's capacity, from pluggable sources named in ``data/scoreboard/capacity.toml``.

A source is a function ``(conn, viewer, org_id) -> units | None``; the scoreboard divides volumes by
the units of the first source that knows the organisation. Built in: ``team-size`` (recorded in the
scoreboard's settings) and ``maturity-tier``, the tier of the member's latest published maturity
assessment **that the viewer may see** (``gotong.maturity.tiers_for``): a viewer who may not see the
assessment gets the next source, so units never reveal a tier. Other domains call
:func:`register_capacity` with the name the data file lists.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Connection, select

from gotong import maturity
from gotong.core.auth import Principal
from gotong.orgs.service import get_org
from gotong.scoreboard.models import scoreboard_settings

__all__ = ["Capacity", "CapacitySource", "capacity_of", "register_capacity"]

CapacitySource = Callable[[Connection, Principal, int], float | None]
_SOURCES: dict[str, CapacitySource] = {}


@dataclass(frozen=True)
class Capacity:
    source: str | None
    units: float | None


@cache
def capacity_config() -> dict[str, Any]:
    text = resources.files("gotong").joinpath("data/scoreboard/capacity.toml").read_text("utf-8")
    return tomllib.loads(text)


def register_capacity(name: str, source: CapacitySource) -> None:
    """Install a capacity source under the name ``capacity.toml`` lists (a later call replaces it)."""
    _SOURCES[name] = source


def _team_size(conn: Connection, viewer: Principal, org_id: int) -> float | None:
    size = conn.execute(
        select(scoreboard_settings.c.team_size).where(scoreboard_settings.c.org_id == org_id)
    ).scalar_one_or_none()
    if not size:
        return None
    reference = float(capacity_config()["team-size"]["reference"])
    return float(size) / reference


register_capacity("team-size", _team_size)


def _maturity_tier(conn: Connection, viewer: Principal, org_id: int) -> float | None:
    org = get_org(conn, org_id=org_id).short_name
    found = next((t for t in maturity.tiers_for(conn.engine, actor=viewer) if t.org == org), None)
    if found is None or found.tier is None:
        return None
    rank = maturity.get_framework("sim3-v1").profile(found.tier).rank
    units = capacity_config()["maturity-tier"]["units"].get(str(rank))
    return None if units is None else float(units)


register_capacity("maturity-tier", _maturity_tier)


def capacity_of(conn: Connection, org_id: int, *, viewer: Principal) -> Capacity:
    """The organisation's capacity units, as ``viewer`` may know them, from the first source that
    knows it, else none."""
    for name in capacity_config()["sources"]:
        source = _SOURCES.get(name)
        if source is None:
            continue
        units = source(conn, viewer, org_id)
        if units is not None and units > 0:
            return Capacity(name, units)
    return Capacity(None, None)
