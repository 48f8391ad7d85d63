"""The knowledge of assistance requests, read once from ``data/assistance/``: the kinds with their
required fields and deadlines, the urgencies, the statuses with their transitions and who may make them.

The domain owns no tables: a request and its messages are STIX objects in the intelligence store (see
``objects.py``). The enums name what the data files hold; the import fails if the two disagree.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from gotong.errors import Invalid

__all__ = [
    "INITIAL_STATUS",
    "Kind",
    "KindInfo",
    "Party",
    "RequestStatus",
    "Urgency",
    "allowed_next",
    "check_fields",
    "escalates",
    "is_open",
    "kind_info",
    "moved_by",
    "needs_reason",
]


def _load(name: str) -> dict[str, Any]:
    text = resources.files("gotong").joinpath(f"data/assistance/{name}").read_text("utf-8")
    return tomllib.loads(text)


_KINDS = _load("kinds.toml")
_URGENCIES = _load("urgencies.toml")
_STATUSES = _load("statuses.toml")


class Kind(StrEnum):
    PRESERVATION = "preservation"
    DISCLOSURE = "disclosure"
    MUTUAL_ASSISTANCE = "mutual_assistance"
    TECHNICAL = "technical"
    INFORMATION = "information"


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in-progress"
    ANSWERED = "answered"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Party(StrEnum):
    """Who may move a request to a status: one of its two parties, or only the overdue check."""

    REQUESTER = "requester"
    ADDRESSEE = "addressee"
    SYSTEM = "system"


def _agree(enum: type[StrEnum], names: object, what: str) -> None:
    if set(enum) != set(names):  # type: ignore[call-overload]
        raise RuntimeError(f"data/assistance: {what} {sorted(names)} differ from the code's {sorted(enum)}")  # type: ignore[call-overload]


_agree(Kind, _KINDS["kind"], "kinds")
_agree(Urgency, _URGENCIES["urgency"], "urgencies")
_agree(RequestStatus, _STATUSES["status"], "statuses")


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    required: bool
    letter: str | None
    choices: tuple[str, ...]

    def title(self) -> str:
        """How a message names the field: its name, the Convention's letter and what it is."""
        letter = f"({self.letter}) " if self.letter else ""
        return f"{self.name} ({letter}{self.label})"


@dataclass(frozen=True)
class KindInfo:
    kind: Kind
    name: str
    legal_basis: str
    fields: tuple[FieldInfo, ...]
    acknowledge_hours: dict[Urgency, float]
    answer_hours: dict[Urgency, float]
    preservation_days: int | None
    renewal_days: int | None


def _kind(key: str, raw: dict[str, Any]) -> KindInfo:
    deadlines = raw["deadline"]
    _agree(Urgency, deadlines, f"deadlines of {key}")
    return KindInfo(
        kind=Kind(key),
        name=raw["name"],
        legal_basis=raw["legal_basis"],
        fields=tuple(
            FieldInfo(
                name=name,
                label=f["label"],
                required=bool(f.get("required", False)),
                letter=f.get("letter"),
                choices=tuple(f.get("choices", ())),
            )
            for name, f in raw["field"].items()
        ),
        acknowledge_hours={Urgency(u): float(d["acknowledge_hours"]) for u, d in deadlines.items()},
        answer_hours={Urgency(u): float(d["answer_hours"]) for u, d in deadlines.items()},
        preservation_days=raw.get("preservation_days"),
        renewal_days=raw.get("renewal_days"),
    )


KINDS: dict[Kind, KindInfo] = {Kind(k): _kind(k, v) for k, v in _KINDS["kind"].items()}
INITIAL_STATUS = RequestStatus(_STATUSES["initial"])
_NEXT = {
    RequestStatus(s): frozenset(RequestStatus(t) for t in f["to"]) for s, f in _STATUSES["status"].items()
}
_BY = {RequestStatus(s): Party(f["by"]) for s, f in _STATUSES["status"].items() if "by" in f}
_OPEN = frozenset(RequestStatus(s) for s, f in _STATUSES["status"].items() if f.get("open"))
_REASON = frozenset(RequestStatus(s) for s, f in _STATUSES["status"].items() if f.get("reason_required"))
_ESCALATES = frozenset(Urgency(u) for u, f in _URGENCIES["urgency"].items() if f.get("escalates"))


def kind_info(kind: Kind) -> KindInfo:
    return KINDS[kind]


def allowed_next(status: RequestStatus) -> frozenset[RequestStatus]:
    return _NEXT[status]


def moved_by(status: RequestStatus) -> Party:
    """Which party may move a request to ``status``."""
    return _BY[status]


def needs_reason(status: RequestStatus) -> bool:
    return status in _REASON


def is_open(status: RequestStatus) -> bool:
    """Whether a request in ``status`` still waits for its addressee (its clocks run)."""
    return status in _OPEN


def escalates(urgency: Urgency) -> bool:
    """Whether an unanswered request of ``urgency`` is escalated to the hub past its answer deadline."""
    return urgency in _ESCALATES


def check_fields(kind: Kind, fields: dict[str, str], *, complete: bool) -> dict[str, str]:
    """The kind's fields, trimmed; an unknown field, a value off its list, or (when ``complete``, as
    for sending) a missing required one is refused naming it."""
    info = KINDS[kind]
    known = {f.name: f for f in info.fields}
    for name in fields:
        if name not in known:
            raise Invalid(
                f"fields.{name}: a request of kind {kind} has no such field; it has {', '.join(known)}"
            )
    cleaned = {k: v.strip() for k, v in fields.items() if v.strip()}
    for f in info.fields:
        value = cleaned.get(f.name)
        if value is None:
            if f.required and complete:
                raise Invalid(f"fields.{f.name}: a request of kind {kind} needs {f.title()}")
            continue
        if f.choices and value not in f.choices:
            raise Invalid(f"fields.{f.name}: {value!r} is not one of {', '.join(f.choices)}")
    return cleaned
