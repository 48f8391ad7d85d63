"""How implementation reports and their public summaries are written as STIX 2.1 and read back.

A report is a ``gotong-norms-report`` (a new SDO of Gotong's extension-definition): the member, the
cycle and one entry per implementation item (status, narrative, evidence), under the TLP and the
audience the member chose. A summary is a ``gotong-norms-summary`` under TLP:CLEAR: the member, the
cycle and the number of items in each status per norm — never a narrative or a piece of evidence.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from gotong.norms.catalogue import Norm, catalogue
from gotong.norms.models import ItemStatus
from gotong.norms.schemas import EntryPublic, ReportPublic, SummaryPublic
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp, tlp_of_marking

REPORT_TYPE = "gotong-norms-report"
SUMMARY_TYPE = "gotong-norms-summary"
EXTENSION_ID = "extension-definition--3f1c9a52-7d4e-4b8a-9c61-2e5d8b0a4f17"
_PUBLISHED = "2026-12-02T00:00:00.000Z"


def extension_definition(created_by_ref: str) -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION_ID,
        "created_by_ref": created_by_ref,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": "Gotong norms implementation report",
        "description": "A member's report on its implementation of the norms catalogue in one reporting "
        "cycle (a status, narrative and evidence per implementation item), and its public summary "
        "(counts of items per status and norm).",
        "schema": "https://gotong.invalid/docs/norms.md#the-stix-form",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def _sdo(kind: str, *, stix_id: str, now: str, by: str, markings: list[str], **props: Any) -> dict[str, Any]:
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


def blank_entries(norms: Sequence[Norm] | None = None) -> dict[str, dict[str, Any]]:
    """Every item of ``norms`` (default: the catalogue's), not started."""
    return {
        item.id: {"status": str(ItemStatus.NOT_STARTED), "narrative": "", "evidence": []}
        for n in (norms if norms is not None else catalogue().norms)
        for item in n.items
    }


def report(
    *,
    stix_id: str,
    now: str,
    member_ref: str,
    member: str,
    cycle: str,
    markings: list[str],
    norms: Sequence[Norm] | None = None,
) -> dict[str, Any]:
    return _sdo(
        REPORT_TYPE,
        stix_id=stix_id,
        now=now,
        by=member_ref,
        markings=markings,
        name=f"{member} implementation of the norms, {cycle}",
        member_ref=member_ref,
        cycle=cycle,
        entries=blank_entries(norms),
    )


def summary(
    *, stix_id: str, created: str, now: str, report: dict[str, Any], norms: Sequence[Norm] | None = None
) -> dict[str, Any]:
    obj = _sdo(
        SUMMARY_TYPE,
        stix_id=stix_id,
        now=now,
        by=report["member_ref"],
        markings=[TLP.CLEAR.marking_id],
        name=f"Summary: {report['name']}",
        member_ref=report["member_ref"],
        cycle=report["cycle"],
        report_ref=report["id"],
        counts={k: {str(s): n for s, n in v.items()} for k, v in counts(report, norms).items()},
    )
    obj["created"] = created
    return obj


def is_report(obj: dict[str, Any]) -> bool:
    try:
        return (
            isinstance(obj["member_ref"], str)
            and isinstance(obj["cycle"], str)
            and all(ItemStatus(e["status"]) or True for e in obj["entries"].values())
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        return False


def is_summary(obj: dict[str, Any]) -> bool:
    try:
        return isinstance(obj["member_ref"], str) and isinstance(obj["counts"], dict)
    except (KeyError, TypeError):
        return False


def counts(obj: dict[str, Any], norms: Sequence[Norm] | None = None) -> dict[str, dict[ItemStatus, int]]:
    """Per norm of ``norms`` (default: the catalogue's), how many of its items are in each status
    (items the report lacks, such as those of a norm adopted after it was filed, are not started)."""
    entries = obj.get("entries", {})
    out: dict[str, dict[ItemStatus, int]] = {}
    for n in norms if norms is not None else catalogue().norms:
        tally = dict.fromkeys(ItemStatus, 0)
        for item in n.items:
            tally[ItemStatus(entries.get(item.id, {}).get("status", ItemStatus.NOT_STARTED))] += 1
        out[n.id] = tally
    return out


def tlp_of(obj: dict[str, Any]) -> str:
    level = strictest_tlp(marking_refs(obj))
    return level.slug if level is not None else "unmarked"


def audience_of(obj: dict[str, Any]) -> str | None:
    return next((r for r in obj.get("object_marking_refs", ()) if tlp_of_marking(r) is None), None)


def report_public(
    obj: dict[str, Any],
    *,
    names: dict[str, str],
    groups: dict[str, str],
    norms: Sequence[Norm] | None = None,
) -> ReportPublic:
    entries = obj.get("entries", {})
    rows = []
    for n in norms if norms is not None else catalogue().norms:
        for item in n.items:
            e = entries.get(item.id, {})
            rows.append(
                EntryPublic(
                    norm=n.id,
                    item=item.id,
                    text=item.text,
                    status=ItemStatus(e.get("status", ItemStatus.NOT_STARTED)),
                    narrative=e.get("narrative", ""),
                    evidence=list(e.get("evidence", [])),
                )
            )
    audience = audience_of(obj)
    return ReportPublic(
        id=obj["id"],
        member=names.get(obj["member_ref"], obj["member_ref"]),
        cycle=obj["cycle"],
        tlp=tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        entries=rows,
        counts=counts(obj, norms),
        summary=obj.get("summary_ref"),
        created=obj["created"],
        modified=obj["modified"],
    )


def summary_public(obj: dict[str, Any], *, names: dict[str, str]) -> SummaryPublic:
    return SummaryPublic(
        id=obj["id"],
        member=names.get(obj["member_ref"], obj["member_ref"]),
        cycle=obj["cycle"],
        report=obj["report_ref"],
        counts={k: {ItemStatus(s): int(c) for s, c in v.items()} for k, v in obj["counts"].items()},
        modified=obj["modified"],
    )
