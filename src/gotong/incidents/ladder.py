"""The escalation ladder of a breached clock, read from ``data/incidents/escalation.toml``: which step
is taken how many hours after a clock fell due. Pure data and its validation; taking the steps is
``escalation.py``'s.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from gotong.contacts import contact_roles

__all__ = ["LadderError", "Notify", "Step", "StepAction", "ladder", "load_ladder", "parse_ladder"]

_SOURCE = "data/incidents/escalation.toml"


class StepAction(StrEnum):
    NOTIFY = "notify"
    RAISE_SEVERITY = "raise_severity"


class Notify(StrEnum):
    LEAD = "lead"  # the case's lead organisation
    PARTY = "party"  # the organisation whose clock is breached
    HUB = "hub"  # the node's hub organisation (the regional duty coordinator)


@dataclass(frozen=True)
class Step:
    number: int  # 1, 2, ... in the file's order
    after_hours: float
    action: StepAction
    notify: tuple[Notify, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def after_micros(self) -> int:
        return round(self.after_hours * 3_600_000_000)


class LadderError(ValueError):
    """The ladder file is malformed; the message names the file, the step and the field."""


def parse_ladder(text: str, *, source: str, roles: Collection[str]) -> tuple[Step, ...]:
    """The steps of a ladder file's ``text``; ``roles`` are the contact roles a step may name."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LadderError(f"{source}: not TOML: {exc}") from None
    unknown = set(raw) - {"step"}
    if unknown:
        raise LadderError(f"{source}: unknown table {sorted(unknown)[0]!r}; the ladder is a list of [[step]]")
    entries = raw.get("step")
    if not isinstance(entries, list) or not entries:
        raise LadderError(f"{source}: step: at least one [[step]] is needed")
    steps: list[Step] = []
    for number, entry in enumerate(entries, start=1):
        step = _step(entry, number, f"{source}: step {number}", roles)
        if steps and step.after_hours <= steps[-1].after_hours:
            raise LadderError(
                f"{source}: step {number}: after_hours {step.after_hours:g} must be later than "
                f"step {number - 1}'s ({steps[-1].after_hours:g})"
            )
        steps.append(step)
    return tuple(steps)


def load_ladder(path: Path, *, roles: Collection[str]) -> tuple[Step, ...]:
    """The steps of the ladder file at ``path``."""
    return parse_ladder(path.read_text("utf-8"), source=str(path), roles=roles)


@cache
def ladder() -> tuple[Step, ...]:
    """The node's ladder (``data/incidents/escalation.toml``), read and checked on first use."""
    text = resources.files("gotong").joinpath(_SOURCE).read_text("utf-8")
    return parse_ladder(text, source=_SOURCE, roles=contact_roles())


def _step(entry: Any, number: int, where: str, roles: Collection[str]) -> Step:
    if not isinstance(entry, dict):
        raise LadderError(f"{where}: a step is a table")
    extra = set(entry) - {"after_hours", "action", "notify", "roles"}
    if extra:
        raise LadderError(f"{where}: unknown field {sorted(extra)[0]!r}")
    hours = entry.get("after_hours")
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
        raise LadderError(f"{where}: after_hours must be a number of hours, 0 or more (got {hours!r})")
    try:
        action = StepAction(str(entry.get("action")))
    except ValueError:
        choices = ", ".join(str(a) for a in StepAction)
        raise LadderError(f"{where}: action must be one of {choices} (got {entry.get('action')!r})") from None
    if action == StepAction.RAISE_SEVERITY:
        for name in ("notify", "roles"):
            if name in entry:
                raise LadderError(f"{where}: {name} is for a notify step only")
        return Step(number=number, after_hours=float(hours), action=action)
    notify = entry.get("notify")
    choices = ", ".join(str(n) for n in Notify)
    if not isinstance(notify, list) or not notify or not all(n in set(Notify) for n in notify):
        raise LadderError(f"{where}: notify must be a non-empty list of {choices} (got {notify!r})")
    wanted = entry.get("roles")
    if not isinstance(wanted, list) or not wanted or not all(isinstance(r, str) for r in wanted):
        raise LadderError(f"{where}: roles must be a non-empty list of contact roles (got {wanted!r})")
    strangers = [r for r in wanted if r not in roles]
    if strangers:
        raise LadderError(
            f"{where}: roles: {strangers[0]!r} is not a contact role; known: {', '.join(sorted(roles))}"
        )
    return Step(
        number=number,
        after_hours=float(hours),
        action=action,
        notify=tuple(dict.fromkeys(Notify(n) for n in notify)),
        roles=tuple(dict.fromkeys(wanted)),
    )
