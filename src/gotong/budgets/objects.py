"""How budget reports and their published ranges are written as STIX 2.1.

A report is a ``gotong-budget-report`` (a new SDO of Gotong's extension-definition): the member, the
year, the currency, the amounts per category and the government's ICT budget, under the member's
TLP and audience. Its ranges are a ``gotong-budget-ranges`` under TLP:GREEN to the whole community:
the member, the year, the band of the total and the band of the mandate reached — never an amount.
"""

from __future__ import annotations

import uuid
from typing import Any

from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp, tlp_of_marking

REPORT_TYPE = "gotong-budget-report"
RANGES_TYPE = "gotong-budget-ranges"
EXTENSION_ID = "extension-definition--6a0d2b7e-91c4-4f3a-8e25-b7c1d9f04e68"
_PUBLISHED = "2026-12-02T00:00:00.000Z"


def extension_definition(created_by_ref: str) -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": created_by_ref,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": "Gotong cybersecurity budget report",
        "description": "A member's cybersecurity budget for one year (amounts per category in its currency, "
        "the government ICT budget), and the ranges it may publish instead (bands, no amounts).",
        "schema": "https://gotong.invalid/docs/budgets.md#the-stix-form",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def sdo(kind: str, *, stix_id: str, now: str, by: str, markings: list[str], **props: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": stix_id,
        "created": now,
        "modified": now,
        "created_by_ref": by,
        "object_marking_refs": markings,
        "extensions": {EXTENSION_ID: {"extension_type": "new-sdo"}},
        **props,
    }


def is_report(obj: dict[str, Any]) -> bool:
    try:
        return (
            isinstance(obj["member_ref"], str)
            and isinstance(obj["country"], str)
            and isinstance(obj["year"], int)
            and all(isinstance(v, int) for v in obj["amounts"].values())
        )
    except (KeyError, TypeError, AttributeError):
        return False


def is_ranges(obj: dict[str, Any]) -> bool:
    try:
        return all(
            isinstance(obj[k], str) for k in ("member_ref", "total_band", "share_band")
        ) and isinstance(obj["year"], int)
    except (KeyError, TypeError):
        return False


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def audience_of(obj: dict[str, Any]) -> str | None:
    return next((r for r in obj.get("object_marking_refs", ()) if tlp_of_marking(r) is None), None)
