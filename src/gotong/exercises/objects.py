"""How exercise records are written as STIX 2.1: Gotong's own types, each exercise-marked.

* ``gotong-exercise``: the exercise (its scenario with the published rubric, participants, status
  with dated history, which injects went when, the anonymised distribution of scores), seen by its
  participants and the hub;
* ``gotong-exercise-inject``: one inject delivered to one participant (content, expectations with
  deadlines, the contact checks it sent), seen by that participant and the hub;
* ``gotong-exercise-score``: one participant's results, the evaluators' scores and the decisions
  on its appeals, seen by that participant and the hub;
* ``gotong-exercise-appeal``: a participant's appeal of one result, seen by it and the hub;
* ``gotong-exercise-action``: an after-action item of one participant (what, who, by when, closure
  with evidence, the capacity-plan item it serves), seen by it and the hub;
* an acknowledgement is a standard ``note`` on the inject, under the inject's markings.

Every one carries ``x_gotong_exercise`` (the exercise id), so no real export, feed or federation
sends it (:mod:`gotong.stix.exercise`).
"""

from __future__ import annotations

import uuid
from typing import Any

from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp, tlp_of_marking
from gotong.stix.exercise import EXERCISE_PROPERTY

EXERCISE_TYPE = "gotong-exercise"
INJECT_TYPE = "gotong-exercise-inject"
SCORE_TYPE = "gotong-exercise-score"
APPEAL_TYPE = "gotong-exercise-appeal"
ACTION_TYPE = "gotong-exercise-action"
SCENARIO_TYPE = "gotong-exercise-scenario"
EXTENSION_ID = "extension-definition--3f6c2a9e-5d1b-4c7a-8e2f-6b9d0a1c3e5f"
_PUBLISHED = "2026-12-02T00:00:00.000Z"
_OWN = ("type", "spec_version", "id", "created", "modified", "created_by_ref", "object_marking_refs")


def extension_definition(created_by_ref: str) -> dict[str, Any]:
    """Gotong's exercise types, published under the hub's identity (the same body every time)."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": created_by_ref,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": "Gotong regional drills",
        "description": "Exercises, their delivered injects, scores, appeals and imported scenarios of a "
        "Gotong network's drills; each carries the exercise marking property and is never real intelligence.",
        "schema": "https://gotong.invalid/docs/exercises.md#the-stix-form",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def record(
    kind: str,
    *,
    stix_id: str,
    exercise_id: str,
    now: str,
    by: str,
    markings: list[str],
    props: dict[str, Any],
) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": stix_id,
        "created": now,
        "modified": now,
        "created_by_ref": by,
        "object_marking_refs": markings,
        "extensions": {EXTENSION_ID: {"extension_type": "new-sdo"}},
        EXERCISE_PROPERTY: exercise_id,
        **_bare(props),
    }


def _bare(props: dict[str, Any]) -> dict[str, Any]:
    """STIX allows no empty list as a property: an empty one is left out (and read back as empty)."""
    return {k: v for k, v in props.items() if v != [] and v is not None}


def acknowledgement(*, inject: dict[str, Any], by: str, now: str) -> dict[str, Any]:
    return {
        "type": "note",
        "spec_version": "2.1",
        "id": new_id("note"),
        "created": now,
        "modified": now,
        "created_by_ref": by,
        "content": "acknowledged",
        "object_refs": [inject["id"]],
        "object_marking_refs": list(inject["object_marking_refs"]),
        EXERCISE_PROPERTY: inject[EXERCISE_PROPERTY],
    }


def revised(obj: dict[str, Any], *, modified: str, props: dict[str, Any]) -> dict[str, Any]:
    merged = {**obj, **props, "modified": modified}
    return {k: v for k, v in merged.items() if v != [] and v is not None}


def props_of(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in _OWN}


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def audience_of(obj: dict[str, Any]) -> str | None:
    return next((r for r in obj.get("object_marking_refs", ()) if tlp_of_marking(r) is None), None)
