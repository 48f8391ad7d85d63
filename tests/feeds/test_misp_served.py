"""The MISP feed a node serves: per token, what its organisation may see, read back by PyMISP and
misp-stix, fetched conditionally, and imported by Gotong's own misp-feed importer on a second node with
every attribute type MISP can express (issue 12, "MISP instances consume Gotong unchanged")."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from misp_stix_converter import MISPtoSTIX21Parser  # type: ignore[import-untyped]
from pymisp import MISPEvent

from gotong.core.auth import Principal
from gotong.db.engine import make_engine
from gotong.feeds.misp import read_misp_feed, stix_to_misp_event
from gotong.intel.store import add_objects
from gotong.node import init_node
from gotong.orgs.service import get_org
from tests.conftest import SHARED_DATA, RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator

FEED = SHARED_DATA / "misp-feed-sample"
EVENTS = ["5c066053-0e94-46eb-9746-4b7d950d210f", "5acc88e9-265c-4f22-9d2b-b702950d210f"]


def _post(engine: Any, org: str, objects: list[dict[str, Any]]) -> None:
    with engine.connect() as conn:
        who = get_org(conn, short_name=org)
    principal = Principal(org_id=who.id, org_short=org)
    assert add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=objects).failures == []


def _attributes(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        *event.get("Attribute", []),
        *(a for o in event.get("Object", []) for a in o.get("Attribute", [])),
    ]


def test_a_node_serves_what_the_token_may_see_as_a_misp_feed(server: RunningServer, tmp_path: Path) -> None:
    logging.getLogger("pymisp").setLevel(logging.ERROR)
    feed = dict(read_misp_feed(FEED))
    _post(server.engine, "MyCERT", [o for u in EVENTS for o in feed[u].objects])
    bare = indicator(value="bare-served.example", tlp=None)
    secret = indicator(value="secret-served.example", tlp="red")
    _post(server.engine, "ThaiCERT", [bare, secret])
    lao = {"Authorization": f"Bearer {token_for(server.engine, 'LaoCERT')}"}
    with httpx.Client(base_url=f"{server.url}/api/v1/misp-feed", headers=lao, timeout=120) as client:
        manifest_answer = client.get("/manifest.json")
        assert manifest_answer.status_code == 200
        manifest = manifest_answer.json()
        assert set(EVENTS) < set(manifest) and len(manifest) == 3, "two MISP events and one for the rest"
        again = client.get("/manifest.json", headers={"If-None-Match": manifest_answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        folder = tmp_path / "feed"
        folder.mkdir()
        (folder / "manifest.json").write_bytes(manifest_answer.content)
        served: dict[str, dict[str, Any]] = {}
        for event_uuid in manifest:
            answer = client.get(f"/{event_uuid}.json")
            assert answer.status_code == 200
            (folder / f"{event_uuid}.json").write_bytes(answer.content)
            served[event_uuid] = answer.json()["Event"]
            misp = MISPEvent()
            misp.load(answer.text)  # PyMISP reads each event as MISP does
            assert misp.uuid == event_uuid and any(t.name.startswith("tlp:") for t in misp.tags)
            assert all(any(t.name.startswith("tlp:") for t in a.tags) for a in misp.attributes)
            parser = MISPtoSTIX21Parser()  # and misp-stix turns it into STIX again
            parser.parse_misp_event(answer.json())
            assert any(
                o["type"] in ("report", "grouping") for o in json.loads(parser.bundle.serialize())["objects"]
            )
        hashes = client.get("/hashes.csv")
        (folder / "hashes.csv").write_bytes(hashes.content)
        assert client.get("/00000000-0000-4000-8000-000000000000.json").status_code == 404
    rest = next(e for u, e in served.items() if u not in EVENTS)
    values = {a["value"]: a for a in _attributes(rest)}
    assert "bare-served.example" in values and "secret-served.example" not in values, "the sharing rules"
    assert [t["name"] for t in values["bare-served.example"]["Tag"] if t["name"].startswith("tlp:")] == [
        "tlp:amber"
    ]
    rows = list(csv.reader(io.StringIO(hashes.text)))
    md5 = hashlib.md5(b"bare-served.example", usedforsecurity=False).hexdigest()
    assert [md5, rest["uuid"]] in rows

    thai = {"Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT')}"}
    own = httpx.get(f"{server.url}/api/v1/misp-feed/manifest.json", headers=thai, timeout=120).json()
    thai_rest = next(u for u in own if u not in EVENTS)
    thai_event = httpx.get(
        f"{server.url}/api/v1/misp-feed/{thai_rest}.json", headers=thai, timeout=120
    ).json()
    assert "secret-served.example" in {a["value"] for a in _attributes(thai_event["Event"])}, "its own"
    assert httpx.get(f"{server.url}/api/v1/misp-feed/manifest.json").status_code == 401

    second = make_engine(f"sqlite:///{tmp_path / 'second.db'}")  # a second node imports the served feed
    try:
        init_node(second, preset="asean")
        read_back = list(read_misp_feed(folder))
        assert [u for u, _ in read_back] == list(manifest)
        _post(second, "VNCERT", [o for _, converted in read_back for o in converted.objects])
    finally:
        second.dispose()
    for event_uuid, converted in read_back:
        assert converted.objects, (event_uuid, converted.problems, served[event_uuid].get("timestamp"))
        back = stix_to_misp_event(converted.objects)["Event"]
        before = Counter(a["type"] for a in _attributes(served[event_uuid]))
        after = Counter(a["type"] for a in _attributes(back))
        assert set(before) == set(after), (event_uuid, before - after)
