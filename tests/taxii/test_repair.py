"""A collection's repair setting, for trusted writers (issue 12, item 7): what is posted to it over
TAXII gets the listed repairs, stored repaired and named in the audit record; a collection without the
setting refuses the same objects and its status names the setting. Posted with OASIS's taxii2-client."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from taxii2client.v21 import Collection

from gotong.audit.models import audit_log
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.collections import add_collection
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID
from tests.intel.test_repair import EVENT_EXAMPLE, EVENT_ID, INDICATOR_ID, _misp_style_indicator


def _objects() -> list[dict[str, Any]]:
    return [json.loads(EVENT_EXAMPLE.read_text("utf-8")), _misp_style_indicator()]


def _collection(server: RunningServer, collection_id: str) -> Collection:
    secret = token_for(server.engine, "ThaiCERT")
    return Collection(server.collection_url(collection_id), user="ThaiCERT", password=secret)


def test_a_repairing_collection_stores_repaired_and_a_strict_one_names_the_setting(
    server: RunningServer,
) -> None:
    strict = _collection(server, REGIONAL_ID).add_objects({"objects": _objects()})
    assert (strict.success_count, strict.failure_count) == (0, 2), "the positive control: refused"
    by_id = {f["id"]: f["message"] for f in strict.failures}
    assert by_id[EVENT_ID].endswith(
        "(the collection's repair setting (collection add --repair) fixes its timestamp precision)"
    )
    assert by_id[INDICATOR_ID].endswith("fixes its custom property case)")

    with write_transaction(server.engine) as conn:
        trusted = add_collection(
            conn, title="Trusted tools", writers=["ThaiCERT"], readers=["ThaiCERT"], repair=True
        )
    assert trusted.repair
    lenient = _collection(server, trusted.id)
    status = lenient.add_objects({"objects": _objects()})
    assert (status.success_count, status.failure_count) == (2, 0)
    event = lenient.get_object(EVENT_ID)["objects"][0]
    assert event["created"] == "2023-11-22T15:30:00.000Z" and event["modified"].endswith(".000Z")
    posted = lenient.get_object(INDICATOR_ID)["objects"][0]
    assert posted["x_misp_category"] == "Network activity" and "x_MISP_category" not in posted
    with read_connection(server.engine) as conn:
        rows = conn.execute(
            select(audit_log.c.details).where(
                audit_log.c.action == "objects.add", audit_log.c.subject == trusted.id
            )
        )
        [details] = [json.loads(r.details) for r in rows]
    assert details["repairs"] == {
        "timestamp-precision": {"count": 1, "ids": [EVENT_ID]},
        "custom-property-case": {"count": 1, "ids": [INDICATOR_ID]},
    }
