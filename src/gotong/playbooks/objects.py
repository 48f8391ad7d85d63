"""How playbooks and their application to a case are written as STIX 2.1 and read back.

A playbook version is a ``gotong-playbook``: a new SDO (Gotong's extension-definition, published
beside it) carrying the CACAO document unchanged as ``playbook_base64``, as the CACAO specification's
own STIX form does, plus the few properties a list needs. Its STIX id is derived from the CACAO id
and its ``modified`` is the CACAO ``modified``, so each CACAO version is one STIX version: the store
keeps every one, and TLP, audience, receipts, audit and federation apply as to any object.

A ``gotong-playbook-run`` records one playbook applied to one case: the steps turned into tasks, the
branches being followed, the clocks it started. It lives beside the case, marked as the case is.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import orjson

from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp, tlp_of_marking

PLAYBOOK_TYPE = "gotong-playbook"
RUN_TYPE = "gotong-playbook-run"
PLAYBOOK_EXTENSION_ID = "extension-definition--5b0f3c2a-8e61-4d7f-9a35-c1e2d4b6f809"
RUN_EXTENSION_ID = "extension-definition--9c4e1d7b-2a53-4f86-b0e9-7d3a5c1f2e64"
# Gotong's CACAO extension: roles on agents, clocks on the playbook (see docs/incidents.md)
CACAO_EXTENSION_ID = "extension-definition--0f7a9d3e-6b21-4c58-8e4f-2d9b7c1a5e30"
_PUBLISHED = "2026-12-03T00:00:00.000Z"

_DEFINITIONS = {
    PLAYBOOK_TYPE: (
        PLAYBOOK_EXTENSION_ID,
        "Gotong response playbook",
        "One version of an OASIS CACAO 2.0 playbook, the document carried unchanged in playbook_base64.",
    ),
    RUN_TYPE: (
        RUN_EXTENSION_ID,
        "Gotong playbook run",
        "A CACAO playbook applied to an incident case: its steps as case tasks, its branches, its clocks.",
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
        "schema": "https://gotong.invalid/docs/incidents.md#playbooks",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def stix_id(playbook_id: str) -> str:
    """The STIX id of every version of the CACAO playbook ``playbook_id`` (``playbook--<UUID>``)."""
    return f"{PLAYBOOK_TYPE}--{playbook_id.split('--', 1)[1]}"


def playbook_object(
    document: dict[str, Any], *, created: str, modified: str, created_by_ref: str, markings: list[str]
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": PLAYBOOK_TYPE,
        "spec_version": "2.1",
        "id": stix_id(document["id"]),
        "created": created,
        "modified": modified,
        "created_by_ref": created_by_ref,
        "name": document["name"],
        "playbook_id": document["id"],
        "playbook_format": document["spec_version"],
        "playbook_base64": base64.b64encode(orjson.dumps(document)).decode("ascii"),
        "object_marking_refs": markings,
        "extensions": {PLAYBOOK_EXTENSION_ID: {"extension_type": "new-sdo"}},
    }
    if document.get("description"):
        obj["description"] = document["description"]
    if document.get("playbook_types"):
        obj["playbook_types"] = list(document["playbook_types"])
    return obj


def document_of(obj: dict[str, Any]) -> dict[str, Any]:
    """The CACAO document a ``gotong-playbook`` carries."""
    found: dict[str, Any] = orjson.loads(base64.b64decode(obj["playbook_base64"]))
    return found


def run_object(
    *, now: str, created_by_ref: str, markings: list[str], name: str, props: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": RUN_TYPE,
        "spec_version": "2.1",
        "id": f"{RUN_TYPE}--{uuid.uuid4()}",
        "created": now,
        "modified": now,
        "created_by_ref": created_by_ref,
        "name": name,
        "object_marking_refs": markings,
        "extensions": {RUN_EXTENSION_ID: {"extension_type": "new-sdo"}},
        **props,
    }


def is_playbook(obj: dict[str, Any]) -> bool:
    return obj.get("type") == PLAYBOOK_TYPE and isinstance(obj.get("playbook_base64"), str)


def is_run(obj: dict[str, Any]) -> bool:
    return obj.get("type") == RUN_TYPE and isinstance(obj.get("case_ref"), str)


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def audience_of(obj: dict[str, Any]) -> str | None:
    return next((r for r in obj.get("object_marking_refs", ()) if tlp_of_marking(r) is None), None)
