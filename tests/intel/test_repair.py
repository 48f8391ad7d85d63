"""``import_files(repair=...)``: producers' well-known mistakes refused by default with the option named,
fixed with it, the stored version is the repaired one, and the import's audit record names each repair
(issue 12, item 7). Real data: OASIS's Incident Core examples, written with second-precision times."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from gotong.audit.models import audit_log
from gotong.db.engine import read_connection
from gotong.intel.bulk import export_bundle, import_files
from tests.conftest import SHARED_DATA
from tests.helpers import REGIONAL

INCIDENT_CORE = SHARED_DATA / "cti-stix-common-objects" / "extension-definition-specifications"
EVENT_EXAMPLE = INCIDENT_CORE / "incident-core" / "examples" / "example_2.2.json"
EVENT_ID = "event--68e1e976-7e3b-4233-8bde-1a5dbb17a9a6"
CREATED = "2023-11-22T15:30:00Z"  # whole seconds, as the example has it
INDICATOR_ID = "indicator--5a1e0a9e-3b2c-4d4e-9f6a-7b8c9d0e1f2a"


def _misp_style_indicator() -> dict[str, Any]:
    """An indicator as MISP's STIX 2.1 exporter has written them: uppercase in its custom names."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": INDICATOR_ID,
        "created": "2023-03-01T08:00:00.000Z",
        "modified": "2023-03-01T08:00:00.000Z",
        "pattern": "[domain-name:value = 'update-checker.example']",
        "pattern_type": "stix",
        "valid_from": "2023-03-01T08:00:00Z",
        "x_MISP_category": "Network activity",
    }


def _bundle(tmp_path: Path) -> Path:
    event = json.loads(EVENT_EXAMPLE.read_text("utf-8"))
    assert event["id"] == EVENT_ID and event["created"] == CREATED, "the example as shipped"
    path = tmp_path / "bundle.json"
    bundle = {"type": "bundle", "id": "bundle--0f6d8a9b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"}
    path.write_text(json.dumps({**bundle, "objects": [event, _misp_style_indicator()]}), "utf-8")
    return path


def _stored(engine: Engine) -> dict[str, dict[str, Any]]:
    out = io.StringIO()
    export_bundle(engine, out=out, org="ThaiCERT", collection_id=REGIONAL)
    return {o["id"]: o for o in json.loads(out.getvalue())["objects"]}


def _added_details(engine: Engine) -> list[dict[str, Any]]:
    with read_connection(engine) as conn:
        rows = conn.execute(select(audit_log.c.details).where(audit_log.c.action == "objects.add"))
        return [json.loads(r.details) for r in rows]


def test_without_repair_both_are_refused_and_the_line_names_the_option(
    engine: Engine, tmp_path: Path
) -> None:
    lines: list[str] = []
    summary = import_files(
        engine,
        files=[str(_bundle(tmp_path))],
        org="ThaiCERT",
        collection_id=REGIONAL,
        on_rejected=lines.append,
    )
    assert (summary.accepted, summary.rejected, summary.repaired) == (0, 2, 0)
    [event_line] = [line for line in lines if EVENT_ID in line]
    assert "millisecond precision" in event_line
    assert event_line.endswith("(gotong import --repair fixes its timestamp precision)")
    [indicator_line] = [line for line in lines if INDICATOR_ID in line]
    assert "x_MISP_category" in indicator_line
    assert indicator_line.endswith("(gotong import --repair fixes its custom property case)")
    assert "repaired" not in summary.line()
    assert EVENT_ID not in _stored(engine)


def test_with_repair_the_repaired_versions_are_stored_counted_and_audited(
    engine: Engine, tmp_path: Path
) -> None:
    summary = import_files(
        engine, files=[str(_bundle(tmp_path))], org="ThaiCERT", collection_id=REGIONAL, repair=True
    )
    assert (summary.accepted, summary.rejected) == (2, 0)
    assert summary.repairs == {"timestamp-precision": 1, "custom-property-case": 1}
    assert summary.line().endswith("; repaired 2 objects: 1 timestamp precision, 1 custom property case")
    stored = _stored(engine)
    assert stored[EVENT_ID]["created"] == "2023-11-22T15:30:00.000Z"
    assert stored[EVENT_ID]["modified"].endswith(".000Z")
    assert stored[INDICATOR_ID]["x_misp_category"] == "Network activity"
    assert "x_MISP_category" not in stored[INDICATOR_ID]
    assert not any(k.startswith("x_gotong") for o in stored.values() for k in o), "no property added"
    [details] = [d for d in _added_details(engine) if d.get("succeeded") == 2]
    assert details["repairs"] == {
        "timestamp-precision": {"count": 1, "ids": [EVENT_ID]},
        "custom-property-case": {"count": 1, "ids": [INDICATOR_ID]},
    }
    again = import_files(
        engine, files=[str(_bundle(tmp_path))], org="ThaiCERT", collection_id=REGIONAL, repair=True
    )
    assert (again.accepted, again.already_present) == (0, 2), "the same repair gives the same version"


def test_repair_changes_nothing_that_needs_no_repair(engine: Engine, tmp_path: Path) -> None:
    valid = {**_misp_style_indicator(), "x_misp_category": "Network activity"}
    del valid["x_MISP_category"]
    path = tmp_path / "valid.json"
    path.write_text(json.dumps([valid]), "utf-8")
    summary = import_files(engine, files=[str(path)], org="ThaiCERT", collection_id=REGIONAL, repair=True)
    assert (summary.accepted, summary.repaired) == (1, 0)
    assert "repaired" not in summary.line()
    assert all("repairs" not in d for d in _added_details(engine))
    stored = _stored(engine)[INDICATOR_ID]
    assert {k: v for k, v in stored.items() if k != "created_by_ref"} == valid, "stored as sent"
