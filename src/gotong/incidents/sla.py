"""The SLA clocks of a case, per party: the policy read once from ``data/incidents/clocks.toml`` and
the pure rule that turns a case (as the reader sees it) and an instant into each clock's state.

A clock is never stored: it is derived from the case's recorded transitions and entries, so whoever
may see the case sees its clocks, computed from what that reader may see. What is stored is the
record of a breach (a timeline event the clock job writes once, see ``service.check_clocks``).

Not for reading or writing cases (``service.py``) nor for working-time arithmetic (``worktime.py``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gotong.core.events import Event
from gotong.incidents.models import SEVERITY_LEVELS, CaseStatus, ClockState, ParticipantRole, closes
from gotong.incidents.objects import CASE_EXTENSION_ID
from gotong.incidents.schemas import CasePublic, ClockPublic
from gotong.incidents.worktime import Calendar, add_working, calendar_from, is_working
from gotong.stix.timestamps import format_micros, micros_of

__all__ = [
    "LEAD",
    "ClockBreached",
    "ClockRule",
    "breach_mark",
    "calendar_of",
    "clocks_of",
    "escalation_mark",
    "escalation_raised",
    "escalation_steps",
    "rules_for",
]

LEAD = "lead"
_RAW = tomllib.loads(resources.files("gotong").joinpath("data/incidents/clocks.toml").read_text("utf-8"))
_MET_BY = {"action", "update", "status"}
_ACK = "acknowledgement"  # the case extension's flag on an event that records an acknowledgement
_BREACH = "clock_breach"  # the case extension's record of a breach on an event the clock job writes
_ESCALATION = "clock_escalation"  # its record of an escalation step taken (escalation.py)


@dataclass(frozen=True)
class ClockRule:
    clock: str
    name: str
    met_by: str
    statuses: frozenset[CaseStatus]
    repeats: bool
    hours: float
    business_hours: bool


@dataclass(frozen=True)
class ClockBreached(Event):
    """A party's clock on a case passed its due time unmet; the breach was just recorded."""

    case_id: str
    collection_id: str
    lead: str
    party: str
    clock: str
    due: str


def _load() -> tuple[dict[int, dict[str, tuple[ClockRule, ...]]], dict[str, Calendar]]:
    kinds = _RAW["clock"]
    roles = {LEAD, *(str(r) for r in ParticipantRole)}
    if {int(s) for s in _RAW["severity"]} != set(SEVERITY_LEVELS):
        raise RuntimeError("data/incidents/clocks.toml: a [severity.N] for each level 0-4 of severity.toml")
    table: dict[int, dict[str, tuple[ClockRule, ...]]] = {}
    for level, raw in _RAW["severity"].items():
        business = set(raw.get("business_hours", ()))
        per_role: dict[str, tuple[ClockRule, ...]] = {}
        for role in roles:
            targets = raw.get(role, {})
            for clock in {*targets, *business}:
                if clock not in kinds:
                    raise RuntimeError(
                        f"data/incidents/clocks.toml: severity {level} names no clock {clock!r}"
                    )
            per_role[role] = tuple(
                ClockRule(
                    clock=clock,
                    name=kinds[clock]["name"],
                    met_by=_met_by(clock, kinds[clock]["met_by"]),
                    statuses=frozenset(CaseStatus(s) for s in kinds[clock].get("statuses", ())),
                    repeats=bool(kinds[clock].get("repeats", False)),
                    hours=float(hours),
                    business_hours=clock in business,
                )
                for clock, hours in targets.items()
            )
        table[int(level)] = per_role
    calendars = {
        key: calendar_from(None if key == "default" else key, c) for key, c in _RAW["calendar"].items()
    }
    return table, calendars


def _met_by(clock: str, value: str) -> str:
    if value not in _MET_BY:
        raise RuntimeError(f"data/incidents/clocks.toml: clock {clock}: met_by {value!r} not in {_MET_BY}")
    return value


_RULES, _CALENDARS = _load()


def rules_for(severity: int, role: str) -> tuple[ClockRule, ...]:
    """The clocks that run for a party in ``role`` (lead or a participant role) at ``severity``."""
    return _RULES[severity][role]


def calendar_of(country: str | None) -> Calendar:
    """The working calendar of an organisation of ``country`` (the default one without a country)."""
    return _CALENDARS.get((country or "").upper(), _CALENDARS["default"])


def breach_mark(*, party_ref: str, clock: str, due: str) -> dict[str, Any]:
    """What the clock job puts in the case extension of the event recording a breach."""
    return {_BREACH: {"party_ref": party_ref, "clock": clock, "due": due}}


def escalation_mark(
    *, party_ref: str, clock: str, started: str, step: int, action: str, raised: bool = False
) -> dict[str, Any]:
    """What the clock job puts in the case extension of the event recording an escalation step.

    A breach is known by its party, its clock and when the clock started (the case's opening, the
    lead's taking over, or a repeating clock's last update), not by its due time: raising the
    severity moves the due time, and must not start the ladder of the same breach again."""
    mark = {"party_ref": party_ref, "clock": clock, "started": started, "step": step, "action": action}
    if raised:
        mark["raised"] = True  # the step changed the case's severity (not only recorded why it did not)
    return {_ESCALATION: mark}


def escalation_raised(obj: dict[str, Any]) -> bool:
    """Whether a timeline event records an escalation step that raised the case's severity."""
    mark = obj.get("extensions", {}).get(CASE_EXTENSION_ID, {}).get(_ESCALATION)
    return isinstance(mark, dict) and mark.get("raised") is True


def escalation_steps(case: CasePublic, names: dict[str, str]) -> dict[tuple[str, str, int], set[int]]:
    """The escalation steps recorded on the case: (party, clock, started) -> the steps taken."""
    found: dict[tuple[str, str, int], set[int]] = {}
    for entry in case.events:
        mark = entry.object.get("extensions", {}).get(CASE_EXTENSION_ID, {}).get(_ESCALATION)
        if mark:
            party = names.get(mark["party_ref"], mark["party_ref"])
            key = (party, str(mark["clock"]), micros_of(mark["started"]))
            found.setdefault(key, set()).add(int(mark["step"]))
    return found


@dataclass(frozen=True)
class _Action:
    at: int
    update: bool  # an update (entry, status or lead change), not only an acknowledgement or the opening


def clocks_of(
    case: CasePublic, *, names: dict[str, str], countries: dict[str, str | None], now: int
) -> list[ClockPublic]:
    """Every party's clocks of ``case`` at ``now``, from what the reader sees of the case.

    ``names`` maps identity ids to short names, ``countries`` short names to their country.
    """
    parties = [(case.lead, LEAD), *((p.org, str(p.role)) for p in case.participants)]
    opened = micros_of(case.status_history[0].at)
    ended = next((micros_of(c.at) for c in case.status_history if closes(c.status)), None)
    lead_since = max((micros_of(h.at) for h in case.lead_history if h.lead == case.lead), default=opened)
    breaches = _recorded_breaches(case, names)
    steps = escalation_steps(case, names)
    found = []
    for party, role in parties:
        start = lead_since if role == LEAD else opened
        actions = [a for a in _actions(case, party, names) if start <= a.at <= now]
        calendar = calendar_of(countries.get(party))
        for rule in rules_for(case.severity, role):
            clock = _clock(case, rule, party, role, calendar, start, ended, actions, breaches, now=now)
            taken = steps.get((party, rule.clock, micros_of(clock.started)))
            found.append(clock.model_copy(update={"escalation_step": max(taken) if taken else None}))
    return found


def _clock(
    case: CasePublic,
    rule: ClockRule,
    party: str,
    role: str,
    calendar: Calendar,
    start: int,
    ended: int | None,
    actions: list[_Action],
    breaches: set[tuple[str, str, int]],
    *,
    now: int,
) -> ClockPublic:
    until = now if ended is None else min(now, ended)
    met: int | None = None
    base = start
    if rule.repeats:
        updates = [a.at for a in actions if a.update and a.at <= until]
        base = max(updates, default=start)
    elif rule.met_by == "status":
        met = next(
            (
                micros_of(c.at)
                for c in case.status_history
                if c.status in rule.statuses and micros_of(c.at) >= start
            ),
            None,
        )
    else:
        met = next((a.at for a in actions if a.update or rule.met_by == "action"), None)
    if met is not None and met > now:
        met = None
    seconds = rule.hours * 3600
    due = add_working(calendar, base, seconds) if rule.business_hours else base + round(seconds * 1_000_000)
    if met is not None and met <= due:
        state = ClockState.MET
    elif due <= until:
        state = ClockState.BREACHED
    elif ended is not None and ended <= now:
        state = ClockState.STOPPED
    elif rule.business_hours and not is_working(calendar, now):
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    waiting = state in (ClockState.RUNNING, ClockState.PAUSED)
    return ClockPublic(
        party=party,
        role=role,
        clock=rule.clock,
        name=rule.name,
        hours=rule.hours,
        business_hours=rule.business_hours,
        timezone=calendar.timezone if rule.business_hours else "UTC",
        state=state,
        started=format_micros(base, digits=3),
        due=format_micros(due, digits=3),
        met=format_micros(met, digits=3) if met is not None else None,
        remaining_seconds=max(0, (due - now) // 1_000_000) if waiting else None,
        breach_recorded=(party, rule.clock, due) in breaches,
    )


def _actions(case: CasePublic, party: str, names: dict[str, str]) -> list[_Action]:
    """The party's recorded actions, oldest first (see the data file's ``met_by``)."""
    found = [_Action(micros_of(c.at), i > 0) for i, c in enumerate(case.status_history) if c.by == party]
    found += [_Action(micros_of(h.at), True) for h in case.lead_history[1:] if h.by == party]
    for entry in (*case.events, *case.tasks, *case.impacts):
        if names.get(entry.object.get("created_by_ref", ""), "") != party:
            continue
        ext = entry.object.get("extensions", {}).get(CASE_EXTENSION_ID, {})
        if _BREACH in ext or _ESCALATION in ext:
            continue  # the clock job's records, written in the lead's name, are nobody's action
        found.append(_Action(micros_of(entry.created), not ext.get(_ACK, False)))
    return sorted(found, key=lambda a: a.at)


def _recorded_breaches(case: CasePublic, names: dict[str, str]) -> set[tuple[str, str, int]]:
    found = set()
    for entry in case.events:
        mark = entry.object.get("extensions", {}).get(CASE_EXTENSION_ID, {}).get(_BREACH)
        if mark:
            party = names.get(mark["party_ref"], mark["party_ref"])
            found.add((party, str(mark["clock"]), micros_of(mark["due"])))
    return found


def acknowledgement_mark() -> dict[str, Any]:
    """What an acknowledgement event carries in its case extension."""
    return {_ACK: True}
