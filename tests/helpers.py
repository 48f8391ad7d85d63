"""Small builders of STIX content for tests."""

from __future__ import annotations

import uuid
from typing import Any

TLP2 = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
REGIONAL = "asean-regional"
REGIONAL_ID = "9c1d5e3a-7b2f-4a6e-8d0c-1f2e3a4b5c6d"


def indicator(
    *,
    value: str | None = None,
    tlp: str | None = "green",
    modified: str = "2026-01-01T00:00:00.000Z",
    created: str = "2026-01-01T00:00:00.000Z",
    stix_id: str | None = None,
    markings: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    value = value or f"{uuid.uuid4().hex[:12]}.example"
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id or f"indicator--{uuid.uuid4()}",
        "created": created,
        "modified": modified,
        "name": f"Domain {value}",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[domain-name:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": created,
    }
    refs = list(markings or [])
    if tlp:
        refs.append(TLP2[tlp])
    if refs:
        obj["object_marking_refs"] = refs
    obj.update(extra)
    return obj


_META = {"marking-definition", "language-content", "extension-definition"}


def as_stored(obj: dict[str, Any], creator: str) -> dict[str, Any]:
    """``obj`` as the store keeps it when ``creator`` (an identity id) submits it: an SDO or SRO that
    names no creator names its submitter (docs/taxii.md, "Who created an object")."""
    if "created" in obj and "created_by_ref" not in obj and obj.get("type") not in _META:
        return {**obj, "created_by_ref": creator}
    return obj
