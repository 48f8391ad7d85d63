"""The case model's knowledge, read once from ``data/incidents/``: statuses and their transitions,
participant roles, the regional severity scale with its mappings, NIS2 sectors, PAP levels.

The domain owns no tables: a case and its entries are STIX objects in the intelligence store (see
``objects.py``). The enums below name what the data files hold; the import fails if the two disagree,
so the code can never offer a status or role the data does not define.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from importlib import resources
from typing import Any

from gotong.errors import Invalid

__all__ = [
    "PAP",
    "SECTORS",
    "SEVERITY_LEVELS",
    "CaseStatus",
    "ClockState",
    "Determination",
    "EventKind",
    "ImpactCategory",
    "ParticipantRole",
    "TaskOutcome",
    "adds_entries",
    "allowed_next",
    "closes",
    "investigation_status",
    "regional_severity",
]


def _load(name: str) -> dict[str, Any]:
    text = resources.files("gotong").joinpath(f"data/incidents/{name}").read_text("utf-8")
    return tomllib.loads(text)


_STATUSES = _load("statuses.toml")
_ROLES = _load("roles.toml")
_SEVERITY = _load("severity.toml")
_SECTORS = _load("nis2-sectors.toml")


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    CONTAINED = "contained"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


class ParticipantRole(StrEnum):
    AFFECTED = "affected"
    ASSISTING = "assisting"
    INFORMED = "informed"


class ClockState(StrEnum):
    """Where a party's SLA clock stands (see ``sla.py`` and ``data/incidents/clocks.toml``)."""

    RUNNING = "running"
    PAUSED = "paused"  # a business-hours clock outside the party's working time
    MET = "met"
    BREACHED = "breached"
    STOPPED = "stopped"  # the case ended before the clock was met or breached


class PAP(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Determination(StrEnum):
    """The current Incident Core schema's values (the specification's text lists ``confirmed`` instead
    of ``low-value`` and ``successful-attempt``; see :func:`determination_of`)."""

    BLOCKED = "blocked"
    FAILED_ATTEMPT = "failed-attempt"
    FALSE_POSITIVE = "false-positive"
    LOW_VALUE = "low-value"
    SUCCESSFUL_ATTEMPT = "successful-attempt"
    SUSPECTED = "suspected"


class EventKind(StrEnum):
    """What a timeline entry records (issue 15: observed, reported, action taken)."""

    OBSERVED = "observed"
    REPORTED = "reported"
    ACTION_TAKEN = "action-taken"


class TaskOutcome(StrEnum):
    """The Incident Core task schema's ``outcome`` values."""

    CANCELLED = "cancelled"
    FAILED = "failed"
    ONGOING = "ongoing"
    PENDING = "pending"
    SUCCESSFUL = "successful"
    UNKNOWN = "unknown"


class ImpactCategory(StrEnum):
    """The Incident Core impact schema's category extensions."""

    AVAILABILITY = "availability"
    CONFIDENTIALITY = "confidentiality"
    EXTERNAL = "external"
    INTEGRITY = "integrity"
    MONETARY = "monetary"
    PHYSICAL = "physical"
    TRACEABILITY = "traceability"


def _agree(enum: type[StrEnum], names: object, what: str) -> None:
    if set(enum) != set(names):  # type: ignore[call-overload]
        raise RuntimeError(f"data/incidents: {what} {sorted(names)} differ from the code's {sorted(enum)}")  # type: ignore[call-overload]


_agree(CaseStatus, _STATUSES["status"], "statuses")
_agree(ParticipantRole, _ROLES["role"], "roles")
_agree(PAP, _ROLES["pap"]["values"], "PAP values")

INITIAL_STATUS = CaseStatus(_STATUSES["initial"])
_NEXT = {CaseStatus(s): frozenset(CaseStatus(t) for t in f["to"]) for s, f in _STATUSES["status"].items()}
_CLOSES = frozenset(CaseStatus(s) for s, f in _STATUSES["status"].items() if f.get("closes"))
_INVESTIGATION = {CaseStatus(s): str(f["investigation_status"]) for s, f in _STATUSES["status"].items()}
_ADDS = frozenset(ParticipantRole(r) for r, f in _ROLES["role"].items() if f["adds_entries"])
_PAP_ALIASES: dict[str, str] = _ROLES["pap"]["aliases"]

SEVERITY_LEVELS: dict[int, str] = {int(k): v["name"] for k, v in _SEVERITY["level"].items()}
_SCALES: dict[str, dict[str, int]] = {k: dict(v["levels"]) for k, v in _SEVERITY["scale"].items()}
_MEMBER_SCALE: dict[str, str] = {k: v["scale"] for k, v in _SEVERITY["member"].items()}
SECTORS: dict[str, str] = {k: v["name"] for k, v in _SECTORS["sector"].items()}
# The Incident Core specification's text lists `confirmed`, which its current schema replaced.
_SPEC_DETERMINATIONS = {"confirmed": Determination.SUCCESSFUL_ATTEMPT}


def allowed_next(status: CaseStatus) -> frozenset[CaseStatus]:
    """The statuses a case in ``status`` may move to."""
    return _NEXT[status]


def closes(status: CaseStatus) -> bool:
    """Whether reaching ``status`` ends the case."""
    return status in _CLOSES


def investigation_status(status: CaseStatus) -> str:
    """The Incident Core ``investigation_status`` written for a case status."""
    return _INVESTIGATION[status]


def adds_entries(role: ParticipantRole) -> bool:
    """Whether a participant in ``role`` may add events, tasks and impacts."""
    return role in _ADDS


def parse_pap(text: str) -> PAP:
    key = text.strip().lower().removeprefix("pap:")
    try:
        return PAP(_PAP_ALIASES.get(key, key))
    except ValueError:
        raise Invalid(f"unknown PAP level {text!r}; use one of {', '.join(PAP)}") from None


def determination_of(text: str) -> Determination:
    """Read a determination: the schema's values, and the specification's ``confirmed``."""
    if text in _SPEC_DETERMINATIONS:
        return _SPEC_DETERMINATIONS[text]
    try:
        return Determination(text)
    except ValueError:
        raise Invalid(
            f"unknown determination {text!r}; use one of {', '.join(Determination)} (or 'confirmed')"
        ) from None


def regional_severity(*, level: str, scale: str | None = None, country: str | None = None) -> int:
    """The regional level (0-4) of ``level`` on ``scale`` (default: the scale ``country`` reports in)."""
    name = scale or (_MEMBER_SCALE.get(country.upper()) if country else None) or "regional"
    levels = _SCALES.get(name)
    if levels is None:
        raise Invalid(f"unknown severity scale {name!r}; use one of {', '.join(_SCALES)}")
    key = level.strip().lower()
    if key not in levels:
        raise Invalid(f"{level!r} is not a level of the {name} scale; use one of {', '.join(levels)}")
    return levels[key]


def check_sectors(sectors: list[str]) -> list[str]:
    unknown = [s for s in sectors if s not in SECTORS]
    if unknown:
        raise Invalid(f"unknown NIS2 sector {unknown[0]!r}; use one of {', '.join(SECTORS)}")
    return list(dict.fromkeys(sectors))
