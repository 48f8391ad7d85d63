"""The knowledge of compulsory training, read once from ``data/training/``: the catalogue's formats,
levels and topics (with the SIM3 parameters each serves), the seat allocation rule, and the
requirements of each network.

The domain owns no tables: courses and enrolments are STIX objects in the intelligence store (see
``objects.py``). The enums name what the data files hold; the import fails if the two disagree.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from gotong.errors import NotFound

__all__ = [
    "ALLOCATION",
    "DEFAULT_NETWORK",
    "TOPICS",
    "Allocation",
    "CourseFormat",
    "EnrolmentStatus",
    "Level",
    "Requirement",
    "RequirementKind",
    "Topic",
    "requirement",
    "requirements",
]

DEFAULT_NETWORK = "asean"


def _load(name: str) -> dict[str, Any]:
    text = resources.files("gotong").joinpath(f"data/training/{name}").read_text("utf-8")
    return tomllib.loads(text)


_CATALOGUE = _load("catalogue.toml")
_REQUIREMENTS = _load("requirements.toml")


class CourseFormat(StrEnum):
    IN_PERSON = "in-person"
    ONLINE_LIVE = "online-live"
    SELF_PACED = "self-paced"
    BLENDED = "blended"


class Level(StrEnum):
    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class EnrolmentStatus(StrEnum):
    """enrolled (by the member) → attended or no-show → completed (each attested by the provider);
    cancelled by the member while enrolled."""

    ENROLLED = "enrolled"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no-show"
    COMPLETED = "completed"


class RequirementKind(StrEnum):
    STAFF = "staff"  # at least N different people of the organisation
    EACH = "each"  # every user of the organisation with a role


def _agree(enum: type[StrEnum], names: object, what: str) -> None:
    if set(enum) != set(names):  # type: ignore[call-overload]
        raise RuntimeError(f"data/training: {what} {sorted(names)} differ from the code's {sorted(enum)}")  # type: ignore[call-overload]


_agree(CourseFormat, _CATALOGUE["formats"], "formats")
_agree(Level, _CATALOGUE["levels"], "levels")


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    sim3: tuple[str, ...]


@dataclass(frozen=True)
class Allocation:
    """How a session's seats are shared: at most ``per_org`` per organisation until the session's
    reserve date (``reserve_days`` before it starts unless the session names one), then first come."""

    per_org: int
    reserve_days: int


@dataclass(frozen=True)
class Requirement:
    key: str
    network: str
    title: str
    kind: RequirementKind
    applies_to: tuple[str, ...]  # organisation kinds
    topic: str
    staff: int
    role: str | None
    every_months: int
    due_soon_days: int


TOPICS: dict[str, Topic] = {
    k: Topic(key=k, name=v["name"], sim3=tuple(v["sim3"])) for k, v in _CATALOGUE["topic"].items()
}
ALLOCATION = Allocation(
    per_org=int(_CATALOGUE["allocation"]["per_org"]),
    reserve_days=int(_CATALOGUE["allocation"]["reserve_days"]),
)


def _requirement(network: str, key: str, raw: dict[str, Any]) -> Requirement:
    if raw["topic"] not in TOPICS:
        raise RuntimeError(f"data/training: requirement {key} names the unknown topic {raw['topic']!r}")
    kind = RequirementKind(raw["kind"])
    if kind == RequirementKind.EACH and not raw.get("role"):
        raise RuntimeError(f"data/training: requirement {key} of kind each names no role")
    return Requirement(
        key=key,
        network=network,
        title=raw["title"],
        kind=kind,
        applies_to=tuple(raw["applies_to"]),
        topic=raw["topic"],
        staff=int(raw.get("staff", 1)),
        role=raw.get("role"),
        every_months=int(raw["every_months"]),
        due_soon_days=int(raw["due_soon_days"]),
    )


_BY_NETWORK: dict[str, tuple[Requirement, ...]] = {
    network: tuple(_requirement(network, k, v) for k, v in body["requirement"].items())
    for network, body in _REQUIREMENTS["network"].items()
}


def requirements(network: str = DEFAULT_NETWORK) -> tuple[Requirement, ...]:
    """The compulsory training of a network (none for a network the data file does not name)."""
    return _BY_NETWORK.get(network, ())


def requirement(key: str, network: str = DEFAULT_NETWORK) -> Requirement:
    for found in requirements(network):
        if found.key == key:
            return found
    known = ", ".join(r.key for r in requirements(network)) or "none"
    raise NotFound(f"no training requirement {key!r} in the {network} network; there are: {known}")
