"""How the taskforce's records are written as STIX 2.1: seven new SDO types of Gotong's, each defined by
an extension-definition published beside them, each object carrying its markings (who sees it is the
sharing policy's decision, as for any object).

* ``gotong-taskforce-seat``      a member state's seat: holder, alternate, term (published to members)
* ``gotong-taskforce-review``    a review of a member's implementation of a norm (taskforce only)
* ``gotong-taskforce-motion``    a motion with its rule and voting window (taskforce only)
* ``gotong-taskforce-vote``      one seat's vote on a motion, a new version when changed (taskforce only)
* ``gotong-taskforce-decision``  the outcome, signed by the node (published to members)
* ``gotong-taskforce-measure``   a measure on the ladder with its deadline and history (published)
* ``gotong-taskforce-agenda-item`` a matter tabled by a finding (a budget below its mandate), marked
  as the record it comes from
"""

from __future__ import annotations

import uuid
from typing import Any

from gotong.sharing.tlp import marking_refs, strictest_tlp

SEAT = "gotong-taskforce-seat"
REVIEW = "gotong-taskforce-review"
MOTION = "gotong-taskforce-motion"
VOTE = "gotong-taskforce-vote"
DECISION = "gotong-taskforce-decision"
MEASURE = "gotong-taskforce-measure"
AGENDA_ITEM = "gotong-taskforce-agenda-item"
TYPES = (SEAT, REVIEW, MOTION, VOTE, DECISION, MEASURE, AGENDA_ITEM)

_NAMESPACE = uuid.UUID("5f0c2a1e-8d3b-4c6a-9e7f-2b1d0c3e4f5a")
_PUBLISHED = "2026-12-02T00:00:00.000Z"
_WHAT = {
    SEAT: "A member state's seat on the taskforce: holder, alternate and term.",
    REVIEW: "A review of a member's implementation of a norm: rapporteurs, draft rating, response.",
    MOTION: "A motion before the taskforce: kind, text, proposer, seconder, rule and voting window.",
    VOTE: "One seat's vote on a motion.",
    DECISION: "The outcome of a motion under its rule, with the statement signed by the node.",
    MEASURE: "A measure on a member: its rung of the ladder, follow-up deadline, status and history.",
    AGENDA_ITEM: "A matter tabled for the taskforce by another domain's finding (a budget below mandate).",
}


def extension_id(kind: str) -> str:
    return f"extension-definition--{uuid.uuid5(_NAMESPACE, kind)}"


def extension_definitions(
    created_by_ref: str, tlp_clear: str, kinds: tuple[str, ...] = TYPES
) -> list[dict[str, Any]]:
    """The definitions of the types (the same bodies whoever stores them, so storing again is a no-op)."""
    return [
        {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": extension_id(kind),
            "created_by_ref": created_by_ref,
            "created": _PUBLISHED,
            "modified": _PUBLISHED,
            "name": f"Gotong {kind.removeprefix('gotong-').replace('-', ' ')}",
            "description": _WHAT[kind],
            "schema": "https://gotong.invalid/docs/taskforce.md",
            "version": "1.0.0",
            "extension_types": ["new-sdo"],
            "object_marking_refs": [tlp_clear],
        }
        for kind in kinds
    ]


def stable_id(kind: str, *parts: str) -> str:
    """An id that one thing always has (a state's seat, a seat's vote on a motion), so that a change
    is a new version of the same object."""
    return f"{kind}--{uuid.uuid5(_NAMESPACE, '|'.join((kind, *parts)))}"


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def make(
    kind: str, *, stix_id: str, now: str, creator: str, markings: list[str], name: str, props: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": stix_id,
        "created": now,
        "modified": now,
        "created_by_ref": creator,
        "name": name,
        "object_marking_refs": markings,
        "extensions": {extension_id(kind): {"extension_type": "new-sdo"}},
        **props,
    }


def revised(obj: dict[str, Any], *, modified: str, props: dict[str, Any]) -> dict[str, Any]:
    return {**obj, **props, "modified": modified}


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"
