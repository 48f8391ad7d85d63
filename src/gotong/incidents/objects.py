"""How a case and its entries are written as STIX 2.1 and read back.

A case is an ``incident`` carrying two property extensions: the OASIS Incident Core Extension (its
``determination`` and ``investigation_status``) and Gotong's own case extension (lead, participants,
regional severity, status with its dated transitions, PAP, RSIT, sectors). Entries are Incident Core
``event``, ``task`` and ``impact`` objects, each carrying the Gotong extension with the ``case_ref``
it belongs to. The link sits on the entry, not in the incident's ``events``/``tasks``/``impact_refs``
lists, on purpose: an entry marked more strictly than the case must not even be named to readers of
the case outside the entry's audience.
"""

from __future__ import annotations

import uuid
from typing import Any

from gotong.incidents.models import (
    SEVERITY_LEVELS,
    CaseStatus,
    EventKind,
    ImpactCategory,
    TaskOutcome,
    determination_of,
    investigation_status,
)
from gotong.incidents.schemas import (
    CasePublic,
    EntryPublic,
    LeadChange,
    NationalSeverity,
    Participant,
    StatusChange,
)
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp

CASE_EXTENSION_ID = "extension-definition--3f1c6a2e-8d4b-4e7a-9c5f-2b6d8e0a1c47"
INCIDENT_CORE_ID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
NEW_SDO_EXTENSION = {
    "event": "extension-definition--4ca6de00-5b0d-45ef-a1dc-ea7279ea910e",
    "task": "extension-definition--2074a052-8be4-4932-849e-f5e7798e0030",
    "impact": "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9",
}
ENTRY_TYPES = tuple(NEW_SDO_EXTENSION)
_PUBLISHED = "2026-12-01T00:00:00.000Z"


def extension_definition(created_by_ref: str) -> dict[str, Any]:
    """Gotong's case extension, published next to the cases that use it (under the hub's identity, so
    the body is the same whoever opens a case, and storing it again changes nothing)."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": CASE_EXTENSION_ID,
        "created_by_ref": created_by_ref,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": "Gotong incident case",
        "description": "A cross-border incident case: lead, participants and their roles, regional "
        "severity 0-4, status with dated transitions, PAP; on entries, the case they belong to.",
        "schema": "https://gotong.invalid/docs/incidents.md#the-gotong-case-extension",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def markings(tlp: TLP, group_marking: str | None) -> list[str]:
    return [tlp.marking_id, *([group_marking] if group_marking else [])]


def incident(
    *,
    stix_id: str,
    created: str,
    modified: str,
    created_by_ref: str,
    title: str,
    description: str,
    marking_refs: list[str],
    determination: str,
    case: dict[str, Any],
) -> dict[str, Any]:
    """The STIX ``incident`` of a case; ``case`` is the content of the Gotong extension."""
    obj: dict[str, Any] = {
        "type": "incident",
        "spec_version": "2.1",
        "id": stix_id,
        "created": created,
        "modified": modified,
        "created_by_ref": created_by_ref,
        "name": title,
        "object_marking_refs": marking_refs,
        "extensions": {
            INCIDENT_CORE_ID: {
                "extension_type": "property-extension",
                "determination": determination,
                "investigation_status": investigation_status(CaseStatus(case["status"])),
            },
            CASE_EXTENSION_ID: {"extension_type": "property-extension", **case},
        },
    }
    if description:
        obj["description"] = description
    rsit = case.get("rsit")
    if rsit:
        obj["extensions"][INCIDENT_CORE_ID]["incident_types"] = [rsit.partition("/")[2] or rsit]
    return obj


def revised(
    obj: dict[str, Any],
    *,
    modified: str,
    case: dict[str, Any],
    title: str | None = None,
    description: str | None = None,
    determination: str | None = None,
) -> dict[str, Any]:
    """A new version of a case's ``incident``: every property it had is kept (one written by another
    tool may carry more than Gotong writes), with the changed ones replaced."""
    core = dict(obj["extensions"].get(INCIDENT_CORE_ID) or {"extension_type": "property-extension"})
    core["investigation_status"] = investigation_status(CaseStatus(case["status"]))
    if determination is not None:
        core["determination"] = determination
    new = {
        **obj,
        "modified": modified,
        "extensions": {
            **obj["extensions"],
            INCIDENT_CORE_ID: core,
            CASE_EXTENSION_ID: {**case, "extension_type": "property-extension"},
        },
    }
    if title is not None:
        new["name"] = title
    if description is not None:
        if description:
            new["description"] = description
        else:
            new.pop("description", None)
    return new


def entry(
    kind: str,
    *,
    case_ref: str,
    created_by_ref: str,
    name: str,
    description: str,
    marking_refs: list[str],
    now: str,
    properties: dict[str, Any],
    gotong: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An Incident Core ``event``, ``task`` or ``impact`` belonging to a case."""
    obj: dict[str, Any] = {
        "type": kind,
        "spec_version": "2.1",
        "id": new_id(kind),
        "created": now,
        "modified": now,
        "created_by_ref": created_by_ref,
        "name": name,
        "object_marking_refs": marking_refs,
        **properties,
    }
    if description:
        obj["description"] = description
    obj["extensions"] = {
        **obj.get("extensions", {}),
        NEW_SDO_EXTENSION[kind]: {"extension_type": "new-sdo"},
        CASE_EXTENSION_ID: {"extension_type": "property-extension", "case_ref": case_ref, **(gotong or {})},
    }
    return obj


def event_properties(kind: EventKind, start_time: str | None) -> dict[str, Any]:
    props: dict[str, Any] = {"status": "occurred", "event_types": [str(kind)]}
    if start_time:
        props["start_time"] = start_time
    return props


def task_properties(outcome: TaskOutcome) -> dict[str, Any]:
    return {"outcome": str(outcome)}


def impact_properties(
    category: ImpactCategory, details: dict[str, Any], criticality: int | None
) -> dict[str, Any]:
    props: dict[str, Any] = {"impact_category": str(category), "extensions": {str(category): details}}
    if criticality is not None:
        props["criticality"] = criticality
    return props


def case_extension(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The Gotong extension of a stored object, or None when it is not Gotong's."""
    exts = obj.get("extensions")
    ext = exts.get(CASE_EXTENSION_ID) if isinstance(exts, dict) else None
    return ext if isinstance(ext, dict) else None


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def case_public(
    obj: dict[str, Any], *, collection: str, names: dict[str, str], entries: list[dict[str, Any]]
) -> CasePublic:
    """The case a stored ``incident`` stands for; ``names`` maps identity ids to short names."""
    ext = case_extension(obj) or {}
    core = obj["extensions"].get(INCIDENT_CORE_ID, {})

    def name(ref: str) -> str:
        return names.get(ref, ref)

    by_type: dict[str, list[EntryPublic]] = {t: [] for t in ENTRY_TYPES}
    for e in sorted(entries, key=lambda e: (e["created"], e["id"])):
        by_type[e["type"]].append(
            EntryPublic(
                id=e["id"],
                type=e["type"],
                name=e.get("name", ""),
                tlp=tlp_of(e),
                created=e["created"],
                modified=e["modified"],
                object=e,
            )
        )
    national = ext.get("national_severity")
    return CasePublic(
        id=obj["id"],
        title=obj.get("name", ""),
        description=obj.get("description", ""),
        collection=collection,
        lead=name(ext["lead_ref"]),
        participants=[Participant(org=name(p["identity_ref"]), role=p["role"]) for p in ext["participants"]],
        status=CaseStatus(ext["status"]),
        status_history=[StatusChange(**{**h, "by": name(h["by"])}) for h in ext["status_history"]],
        lead_history=[
            LeadChange(lead=name(h["lead_ref"]), at=h["at"], by=name(h["by"]), reason=h.get("reason", ""))
            for h in ext["lead_history"]
        ],
        severity=ext["severity"],
        severity_name=SEVERITY_LEVELS[ext["severity"]],
        national_severity=NationalSeverity(**national) if national else None,
        rsit=ext.get("rsit"),
        sectors=list(ext.get("sectors", [])),
        critical_infrastructure=bool(ext.get("critical_infrastructure", False)),
        determination=determination_of(core.get("determination", "suspected")),
        tlp=tlp_of(obj),
        pap=ext.get("pap", "amber"),
        related_refs=list(ext.get("related_refs", [])),
        created=obj["created"],
        modified=obj["modified"],
        events=by_type["event"],
        tasks=by_type["task"],
        impacts=by_type["impact"],
    )
