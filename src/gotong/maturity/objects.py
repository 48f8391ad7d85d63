"""How assessments and capacity plans are written as STIX 2.1 and read back.

An assessment is a ``gotong-maturity-assessment`` and a plan a ``gotong-capacity-plan``: new SDOs
defined by Gotong's extension-definitions (published beside them), whose properties are the record's
(the organisation, the framework, per-parameter entries, status with its dated history, items).
"""

from __future__ import annotations

import uuid
from typing import Any

from gotong.errors import NotFound
from gotong.maturity.models import get_framework
from gotong.maturity.schemas import (
    AssessmentPublic,
    AssessmentStatus,
    EntryPublic,
    HistoryEntry,
    ItemStatus,
    PlanItemPublic,
    PlanPublic,
)
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp, tlp_of_marking

ASSESSMENT_TYPE = "gotong-maturity-assessment"
ASSESSMENT_EXTENSION_ID = "extension-definition--3f6c1d2e-7a4b-4c8d-9e0f-1a2b3c4d5e6f"
PLAN_TYPE = "gotong-capacity-plan"
PLAN_EXTENSION_ID = "extension-definition--5a7b9c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d"
_PUBLISHED = "2026-12-02T00:00:00.000Z"
_DEFINITIONS = {
    ASSESSMENT_EXTENSION_ID: (
        "Gotong maturity assessment",
        "An organisation's assessment against a maturity framework (SIM3...): per parameter a level, "
        "the self-assessed level if a reviewer changed it, justification and evidence; status with history.",
    ),
    PLAN_EXTENSION_ID: (
        "Gotong capacity plan",
        "An organisation's plan to close the gaps of an assessment: items with parameters, action, "
        "owner, provider or donor, dates, status and evidence of completion.",
    ),
}


def extension_definitions(created_by_ref: str) -> list[dict[str, Any]]:
    """Gotong's two types, published under the hub's identity (the same body whoever stores them)."""
    return [
        {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": ext_id,
            "created_by_ref": created_by_ref,
            "created": _PUBLISHED,
            "modified": _PUBLISHED,
            "name": name,
            "description": description,
            "schema": "https://gotong.invalid/docs/maturity.md#the-stix-form",
            "version": "1.0.0",
            "extension_types": ["new-sdo"],
            "object_marking_refs": [TLP.CLEAR.marking_id],
        }
        for ext_id, (name, description) in _DEFINITIONS.items()
    ]


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def record(
    *, kind: str, now: str, created_by_ref: str, name: str, marking_refs: list[str], props: dict[str, Any]
) -> dict[str, Any]:
    ext = ASSESSMENT_EXTENSION_ID if kind == ASSESSMENT_TYPE else PLAN_EXTENSION_ID
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": new_id(kind),
        "created": now,
        "modified": now,
        "created_by_ref": created_by_ref,
        "name": name,
        "object_marking_refs": marking_refs,
        "extensions": {ext: {"extension_type": "new-sdo"}},
        **props,
    }


def revised(
    obj: dict[str, Any], *, modified: str, props: dict[str, Any], markings: list[str]
) -> dict[str, Any]:
    return {**obj, **props, "modified": modified, "object_marking_refs": markings}


def is_assessment(obj: dict[str, Any]) -> bool:
    """Whether a stored object carries what Gotong reads (one from another tool may not)."""
    try:
        AssessmentStatus(obj["status"])
        get_framework(obj["framework"])
        return isinstance(obj["org_ref"], str) and all(
            isinstance(e, dict) and "parameter" in e for e in obj["entries"]
        )
    except (KeyError, ValueError, TypeError, NotFound):
        return False


def is_plan(obj: dict[str, Any]) -> bool:
    try:
        return isinstance(obj["org_ref"], str) and all(
            isinstance(i, dict) and ItemStatus(i["status"]) for i in obj["items"]
        )
    except (KeyError, ValueError, TypeError):
        return False


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def audience_of(obj: dict[str, Any]) -> str | None:
    return next((r for r in obj.get("object_marking_refs", ()) if tlp_of_marking(r) is None), None)


def levels_of(obj: dict[str, Any]) -> dict[str, int | None]:
    """The level in force of each parameter an assessment rates (the reviewer's if changed)."""
    return {e["parameter"]: e.get("level") for e in obj["entries"]}


def assessment_public(
    obj: dict[str, Any], *, collection: str, names: dict[str, str], groups: dict[str, str]
) -> AssessmentPublic:
    def name(ref: str | None) -> str | None:
        return names.get(ref, ref) if ref else None

    framework = get_framework(obj["framework"])
    by_id = {e["parameter"]: e for e in obj["entries"]}
    entries = []
    for p in framework.parameters:
        e = by_id.get(p.id, {})
        entries.append(
            EntryPublic(
                parameter=p.id,
                name=p.name,
                category=p.category,
                level=e.get("level"),
                self_level=e.get("self_level") if "reviewed_by" in e else e.get("level"),
                justification=e.get("justification", ""),
                evidence=list(e.get("evidence", [])),
                review_reason=e.get("review_reason", ""),
                reviewed_by=name(e.get("reviewed_by")),
            )
        )
    audience = audience_of(obj)
    return AssessmentPublic(
        id=obj["id"],
        org=name(obj["org_ref"]) or "",
        framework=framework.id,
        assessed_on=obj["assessed_on"],
        status=AssessmentStatus(obj["status"]),
        reviewer=name(obj.get("reviewer_ref")),
        entries=entries,
        history=[HistoryEntry(**{**h, "by": name(h["by"]) or ""}) for h in obj.get("history", [])],
        tlp=tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        collection=collection,
        created=obj["created"],
        modified=obj["modified"],
    )


def plan_public(
    obj: dict[str, Any],
    *,
    names: dict[str, str],
    groups: dict[str, str],
    newer: dict[str, Any] | None,
    basis: dict[str, int | None],
) -> PlanPublic:
    """``basis``: the levels of the assessment the plan was built from; ``newer``: the latest
    published assessment after it that the reader sees, if any."""
    later = levels_of(newer) if newer is not None else None
    items = []
    for i in obj["items"]:
        status = ItemStatus(i["status"])
        rose = None
        if later is not None and status == ItemStatus.COMPLETED:
            rose = any((later.get(p) or 0) > (basis.get(p) or 0) for p in i["parameters"])
        items.append(
            PlanItemPublic(
                item=i["item"],
                parameters=list(i["parameters"]),
                action=i["action"],
                owner=i.get("owner", ""),
                provider=i.get("provider", ""),
                start=i.get("start"),
                due=i.get("due"),
                status=status,
                evidence=i.get("evidence", ""),
                rose=rose,
            )
        )
    audience = audience_of(obj)
    return PlanPublic(
        id=obj["id"],
        org=names.get(obj["org_ref"], obj["org_ref"]),
        assessment=obj["assessment_ref"],
        framework=obj["framework"],
        profile=obj["profile"],
        items=items,
        newer_assessment=newer["id"] if newer is not None else None,
        tlp=tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        created=obj["created"],
        modified=obj["modified"],
    )
