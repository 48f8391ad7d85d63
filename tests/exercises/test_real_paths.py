"""Nothing exercise-marked leaves as real intelligence: the bundle export, the feed exports, the change
feed and the federation push all leave out objects carrying ``x_gotong_exercise``, while a real object
next to them goes (the positive control of every absence)."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.federation.changes import Cursor, read_changes
from gotong.federation.push import push_once
from gotong.federation.service import add_peer, get_peer
from gotong.feeds.exporters import export_csv
from gotong.feeds.service import export_feed
from gotong.intel.bulk import export_bundle
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.exercise import EXERCISE_PROPERTY, is_exercise, is_exercise_body
from tests.helpers import REGIONAL, REGIONAL_ID, indicator


def _store(engine: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    real = indicator(value="real.example")
    drill = {**indicator(value="drill.example"), EXERCISE_PROPERTY: "gotong-exercise--1"}
    with read_connection(engine) as conn:
        thai = get_org(conn, short_name="ThaiCERT")
    report = add_objects(
        engine,
        principal=Principal(org_id=thai.id, org_short=thai.short_name),
        collection_id=REGIONAL,
        objects=[real, drill],
        through_hub=False,
    )
    assert not report.failures
    return real, drill


def test_the_predicate_reads_the_top_level_property_only() -> None:
    assert is_exercise({EXERCISE_PROPERTY: "gotong-exercise--1"})
    assert not is_exercise({"description": EXERCISE_PROPERTY}) and not is_exercise({EXERCISE_PROPERTY: ""})
    assert not is_exercise_body(json.dumps({"description": f'"{EXERCISE_PROPERTY}"'}))
    assert is_exercise_body(json.dumps({"type": "note", EXERCISE_PROPERTY: "x"}).encode())


def test_the_bundle_export_and_every_feed_format_leave_exercise_objects_out(engine: Engine) -> None:
    real, drill = _store(engine)
    out = io.StringIO()
    export_bundle(engine, out=out, org="VNCERT", collection_id=REGIONAL)
    ids = {o["id"] for o in json.loads(out.getvalue())["objects"]}
    assert real["id"] in ids and drill["id"] not in ids
    for fmt in ("stix", "misp", "csv", "domain", "suricata"):
        content = export_feed(engine, org="VNCERT", collection_id=REGIONAL, fmt=fmt, ceiling=TLP.AMBER).text
        assert "real.example" in content and "drill.example" not in content, fmt
    # The formats' own filter holds for objects handed over by any caller, not only by export_feed.
    text = export_csv([real, drill], ceiling=TLP.AMBER).text
    assert "real.example" in text and "drill.example" not in text


def test_the_change_feed_leaves_exercise_objects_out(engine: Engine) -> None:
    real, drill = _store(engine)
    with read_connection(engine) as conn:
        viet = get_org(conn, short_name="VNCERT")
        reader = load_reader(conn, Principal(org_id=viet.id, org_short="VNCERT"))
        batch = read_changes(conn, reader=reader, peer=None, collections=[REGIONAL_ID], cursor=Cursor(0, 0))
    sent = b"".join(batch.events)
    assert real["id"].encode() in sent and drill["id"].encode() not in sent


def test_the_federation_push_leaves_exercise_objects_out(engine: Engine) -> None:
    real, drill = _store(engine)
    posted: list[bytes] = []

    def peer_node(request: httpx.Request) -> httpx.Response:
        posted.append(request.content)
        return httpx.Response(202, json={"failures": []})

    with write_transaction(engine) as conn:
        add_peer(
            conn,
            name="vn-node",
            url="https://vn.example/taxii2/",
            token="t",
            org="VNCERT",
            push=True,
            pull=False,
        )
    with read_connection(engine) as conn:
        peer = get_peer(conn, "vn-node")
    with httpx.Client(transport=httpx.MockTransport(peer_node)) as client:
        assert push_once(engine, peer, client) >= 2
    sent = b"".join(posted)
    assert real["id"].encode() in sent and drill["id"].encode() not in sent
