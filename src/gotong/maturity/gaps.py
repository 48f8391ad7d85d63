"""Gap analysis, pure: an assessment's levels against a profile, the tier reached, the change since
the previous assessment. No storage and no visibility here: the service hands in what the reader sees.

The order of the gaps (the documented priority, ``docs/maturity.md``): the biggest gap first; among
equal gaps, the category with the lower ``priority`` in the framework's data file (Organisation, then
Processes, Tools, Human in SIM3 v1: Gotong's choice); then the framework's own parameter order.
A parameter not rated yet counts as level 0.
"""

from __future__ import annotations

from collections.abc import Mapping

from gotong.maturity.models import Framework, Profile
from gotong.maturity.schemas import GapPublic

__all__ = ["changes", "gaps", "tier_reached"]


def _level(levels: Mapping[str, int | None], parameter: str) -> int:
    return levels.get(parameter) or 0


def gaps(framework: Framework, levels: Mapping[str, int | None], profile: Profile) -> list[GapPublic]:
    """The parameters below the profile's level, in priority order."""
    priority = {c.id: c.priority for c in framework.categories}
    order = {p.id: n for n, p in enumerate(framework.parameters)}
    found = [
        GapPublic(
            parameter=p.id,
            name=p.name,
            category=p.category,
            level=levels.get(p.id),
            target=profile.levels[p.id],
            gap=profile.levels[p.id] - _level(levels, p.id),
        )
        for p in framework.parameters
        if _level(levels, p.id) < profile.levels[p.id]
    ]
    return sorted(found, key=lambda g: (-g.gap, priority[g.category], order[g.parameter]))


def tier_reached(framework: Framework, levels: Mapping[str, int | None]) -> Profile | None:
    """The highest tier whose every minimum is met, or None."""
    for tier in framework.tiers():
        if all(_level(levels, p.id) >= tier.levels[p.id] for p in framework.parameters):
            return tier
    return None


def changes(
    framework: Framework, now: Mapping[str, int | None], before: Mapping[str, int | None]
) -> dict[str, int]:
    """The parameters whose level moved since ``before``, with the signed change."""
    moved = {p.id: _level(now, p.id) - _level(before, p.id) for p in framework.parameters}
    return {k: v for k, v in moved.items() if v}
