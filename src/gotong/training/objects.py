"""How courses and enrolments are written as STIX 2.1 and read back.

A course is a ``gotong-training-course`` and an enrolment (with its attendance and completion) a
``gotong-training-enrolment``: new SDOs defined by Gotong's extension-definitions (published beside
them). A course's sessions are a list property of the course; an enrolment names its course and
session, the enrolled organisation and the participant, and keeps its dated status history.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp, tlp_of_marking
from gotong.training.models import CourseFormat, EnrolmentStatus, Level
from gotong.training.schemas import CoursePublic, EnrolmentPublic, HistoryEntry, SessionPublic

COURSE_TYPE = "gotong-training-course"
ENROLMENT_TYPE = "gotong-training-enrolment"
COURSE_EXTENSION_ID = "extension-definition--3f1c6a2e-7d4b-4c8e-9b1a-5e2d7c9f0a31"
ENROLMENT_EXTENSION_ID = "extension-definition--a7d2e9c4-1b6f-4e3a-8c5d-2f9b0e6a4c17"
_PUBLISHED = "2026-12-02T00:00:00.000Z"

_DEFINITIONS = {
    COURSE_TYPE: (
        COURSE_EXTENSION_ID,
        "Gotong training course",
        "A course of a network's catalogue: provider, format, duration, language, level, topics, the "
        "SIM3 parameters and roles it serves, and its sessions with dates and seats.",
    ),
    ENROLMENT_TYPE: (
        ENROLMENT_EXTENSION_ID,
        "Gotong training enrolment",
        "One participant of an organisation enrolled in a session of a course, with attendance and "
        "completion attested by the course's provider.",
    ),
}


def extension_definition(kind: str, created_by_ref: str) -> dict[str, Any]:
    """Gotong's definition of ``kind`` (the same body whoever stores it)."""
    ext_id, name, description = _DEFINITIONS[kind]
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": ext_id,
        "created_by_ref": created_by_ref,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": name,
        "description": description,
        "schema": "https://gotong.invalid/docs/training.md#the-stix-form",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def new_object(
    kind: str, *, now: str, created_by_ref: str, markings: list[str], name: str, props: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uuid.uuid4()}",
        "created": now,
        "modified": now,
        "created_by_ref": created_by_ref,
        "name": name,
        "object_marking_refs": markings,
        "extensions": {_DEFINITIONS[kind][0]: {"extension_type": "new-sdo"}},
        # STIX forbids empty lists (and an empty text says nothing): such properties are left out
        **{k: v for k, v in props.items() if v != [] and v != ""},
    }


def is_course(obj: dict[str, Any]) -> bool:
    try:
        CourseFormat(obj["format"]), Level(obj["level"])
        return isinstance(obj["provider_ref"], str) and all(
            {"id", "starts", "ends", "seats"} <= s.keys() for s in obj.get("sessions", [])
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        return False


def is_enrolment(obj: dict[str, Any]) -> bool:
    try:
        EnrolmentStatus(obj["status"])
        return all(
            isinstance(obj[k], str)
            for k in ("course_ref", "session_id", "org_ref", "provider_ref", "participant")
        )
    except (KeyError, ValueError, TypeError):
        return False


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def audience_of(obj: dict[str, Any]) -> str | None:
    return next((r for r in obj.get("object_marking_refs", ()) if tlp_of_marking(r) is None), None)


def course_public(
    obj: dict[str, Any], *, names: dict[str, str], groups: dict[str, str], taken: dict[str, int]
) -> CoursePublic:
    audience = audience_of(obj)
    return CoursePublic(
        id=obj["id"],
        title=obj.get("name", ""),
        description=obj.get("description", ""),
        provider=names.get(obj["provider_ref"], obj["provider_ref"]),
        format=CourseFormat(obj["format"]),
        duration_hours=float(obj["duration_hours"]),
        language=obj.get("language", "en"),
        level=Level(obj["level"]),
        topics=list(obj.get("topics", [])),
        sim3=list(obj.get("sim3_parameters", [])),
        roles=list(obj.get("roles", [])),
        sessions=[
            SessionPublic(
                id=s["id"],
                starts=date.fromisoformat(s["starts"]),
                ends=date.fromisoformat(s["ends"]),
                seats=int(s["seats"]),
                location=s.get("location", ""),
                reserve_until=date.fromisoformat(s["reserve_until"]),
                seats_left=max(0, int(s["seats"]) - taken.get(s["id"], 0)),
            )
            for s in obj.get("sessions", [])
        ],
        tlp=tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        created=obj["created"],
        modified=obj["modified"],
    )


def enrolment_public(
    obj: dict[str, Any], *, names: dict[str, str], groups: dict[str, str]
) -> EnrolmentPublic:
    audience = audience_of(obj)
    completed = obj.get("completed_on")
    attested = obj.get("attested_by_ref")
    return EnrolmentPublic(
        id=obj["id"],
        course=obj["course_ref"],
        course_title=obj.get("name", ""),
        topics=list(obj.get("topics", [])),
        session=obj["session_id"],
        session_starts=date.fromisoformat(obj["session_starts"]),
        provider=names.get(obj["provider_ref"], obj["provider_ref"]),
        org=names.get(obj["org_ref"], obj["org_ref"]),
        participant=obj["participant"],
        participant_name=obj.get("participant_name", ""),
        participant_role=obj.get("participant_role", ""),
        status=EnrolmentStatus(obj["status"]),
        history=[HistoryEntry(**{**h, "by": names.get(h["by"], h["by"])}) for h in obj.get("history", [])],
        completed_on=date.fromisoformat(completed) if completed else None,
        attested_by=names.get(attested, attested) if attested else None,
        tlp=tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        created=obj["created"],
        modified=obj["modified"],
    )
