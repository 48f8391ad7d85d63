"""How an assistance request and its messages are written as STIX 2.1 and read back.

A request is a ``gotong-assistance-request``: a new SDO defined by Gotong's extension-definition
(published beside the requests), whose properties are the request's (parties, kind, fields, status
with its dated history, deadlines, preservation expiry). A message is a standard STIX ``note`` whose
``object_refs`` name the request, under the request's own markings.
"""

from __future__ import annotations

import uuid
from typing import Any

from gotong.assistance.models import KINDS, Kind, RequestStatus, Urgency
from gotong.assistance.schemas import (
    AssistancePublic,
    Channel,
    Deadlines,
    HistoryEntry,
    MessagePublic,
)
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp, tlp_of_marking

REQUEST_TYPE = "gotong-assistance-request"
REQUEST_EXTENSION_ID = "extension-definition--8b2e4f6a-1c3d-4e5f-9a7b-0d2c4e6f8a1b"
_PUBLISHED = "2026-12-02T00:00:00.000Z"


def extension_definition(created_by_ref: str) -> dict[str, Any]:
    """Gotong's assistance-request type, published under the hub's identity (the same body whoever
    stores it, so storing it again changes nothing)."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": REQUEST_EXTENSION_ID,
        "created_by_ref": created_by_ref,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": "Gotong mutual assistance request",
        "description": "A request for assistance between two organisations (preservation, disclosure, "
        "mutual assistance, technical assistance, information): parties, kind and its fields, urgency, "
        "legal basis, status with dated history, deadlines, preservation expiry.",
        "schema": "https://gotong.invalid/docs/assistance.md#the-stix-form",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def request(
    *,
    stix_id: str,
    now: str,
    requester_ref: str,
    marking_refs: list[str],
    title: str,
    description: str,
    props: dict[str, Any],
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": REQUEST_TYPE,
        "spec_version": "2.1",
        "id": stix_id,
        "created": now,
        "modified": now,
        "created_by_ref": requester_ref,
        "name": title,
        "object_marking_refs": marking_refs,
        "extensions": {REQUEST_EXTENSION_ID: {"extension_type": "new-sdo"}},
        **props,
    }
    if description:
        obj["description"] = description
    return obj


def revised(obj: dict[str, Any], *, modified: str, props: dict[str, Any]) -> dict[str, Any]:
    """A new version keeping every property the request had, with the changed ones replaced."""
    return {**obj, **props, "modified": modified}


def message(
    *, request: dict[str, Any], author_ref: str, text: str, now: str, marking_refs: list[str]
) -> dict[str, Any]:
    return {
        "type": "note",
        "spec_version": "2.1",
        "id": new_id("note"),
        "created": now,
        "modified": now,
        "created_by_ref": author_ref,
        "content": text,
        "object_refs": [request["id"]],
        "object_marking_refs": marking_refs,
    }


def is_request(obj: dict[str, Any]) -> bool:
    """Whether a stored object of the request type carries what Gotong reads (one written by another
    tool, or an older version, may not): anything else is left out of lists rather than failing them."""
    try:
        Kind(obj["kind"]), Urgency(obj["urgency"]), RequestStatus(obj["status"])
        return all(isinstance(obj[k], str) for k in ("requester_ref", "addressee_ref")) and all(
            isinstance(h, dict) and {"event", "status", "at", "by"} <= h.keys() for h in obj["history"]
        )
    except (KeyError, ValueError, TypeError):
        return False


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def audience_of(obj: dict[str, Any]) -> str | None:
    """The sharing-group marking an object cites (the one that is not a TLP marking)."""
    return next((r for r in obj.get("object_marking_refs", ()) if tlp_of_marking(r) is None), None)


def message_public(obj: dict[str, Any], names: dict[str, str]) -> MessagePublic:
    return MessagePublic(
        id=obj["id"],
        author=names.get(obj.get("created_by_ref", ""), obj.get("created_by_ref", "")),
        text=obj.get("content", ""),
        tlp=tlp_of(obj),
        created=obj["created"],
    )


def request_public(
    obj: dict[str, Any],
    *,
    collection: str,
    names: dict[str, str],
    groups: dict[str, str],
    messages: list[dict[str, Any]],
) -> AssistancePublic:
    """The request a stored object stands for; ``names`` maps identity ids to short names and
    ``groups`` sharing-group markings to group names."""

    def name(ref: str) -> str:
        return names.get(ref, ref)

    kind = Kind(obj["kind"])
    deadlines = obj.get("deadlines")
    audience = audience_of(obj)
    return AssistancePublic(
        id=obj["id"],
        kind=kind,
        kind_name=KINDS[kind].name,
        title=obj.get("name", ""),
        description=obj.get("description", ""),
        requester=name(obj["requester_ref"]),
        addressee=name(obj["addressee_ref"]),
        urgency=Urgency(obj["urgency"]),
        legal_basis=obj.get("legal_basis", ""),
        fields=dict(obj.get("request_fields", {})),
        case=obj.get("case_ref"),
        status=RequestStatus(obj["status"]),
        history=[HistoryEntry(**{**h, "by": name(h["by"])}) for h in obj["history"]],
        deadlines=Deadlines(**deadlines) if deadlines else None,
        preserved_until=obj.get("preserved_until"),
        channel=Channel(obj.get("channel", "gotong")),
        confirmation=obj.get("formal_confirmation"),
        escalated=bool(obj.get("escalated", False)),
        tlp=tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        collection=collection,
        created=obj["created"],
        modified=obj["modified"],
        messages=[message_public(m, names) for m in sorted(messages, key=lambda m: (m["created"], m["id"]))],
    )
