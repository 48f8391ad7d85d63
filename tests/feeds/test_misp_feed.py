"""The MISP feed sample (11 CIRCL OSINT events, made with PyMISP's to_feed) in, to the store, and back out:
counts pinned per STIX type, damaged copies of the feed, re-imports, and the round trip to MISP JSON."""

from __future__ import annotations

import io
import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.feeds.misp import Converted, read_misp_feed, stix_to_misp_event
from gotong.intel.bulk import export_bundle
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.stix.validate import validate_object
from tests.conftest import SHARED_DATA
from tests.helpers import REGIONAL_ID, as_stored

FEED = SHARED_DATA / "misp-feed-sample"
SCAN = "5a0d5bf4-99c8-4f15-9879-22b1950d210f"
SSDEEP = "5a0d6d2b-a2d8-40e5-a43e-458e950d210f"  # a file object's ssdeep, its value broken over 3 lines
STRANGER = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"  # an event uuid in no feed
SMALL = [  # the five smallest events, for the damaged copies
    "57c4445b-c548-4654-af0b-4be3950d210f",
    "56e12e66-f01c-41be-afea-4d9a950d210f",
    "5acc88e9-265c-4f22-9d2b-b702950d210f",
    "5c066053-0e94-46eb-9746-4b7d950d210f",
    "5c0661f7-77a0-4ec9-bdcf-d447950d210f",
]


@cache
def _feed() -> tuple[tuple[str, Converted], ...]:
    return tuple(read_misp_feed(FEED))


def _source(event_uuid: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FEED / f"{event_uuid}.json").read_text("utf-8"))["Event"]
    return event


def test_every_event_of_the_feed_converts_to_valid_stix() -> None:
    feed = _feed()
    manifest = json.loads((FEED / "manifest.json").read_text("utf-8"))
    assert [event_uuid for event_uuid, _ in feed] == list(manifest)  # manifest order, nothing else
    objects = [o for _, converted in feed for o in converted.objects]
    assert [o["id"] for o in objects if validate_object(o)] == []
    assert Counter(o["type"] for o in objects) == {
        "observed-data": 732,
        "relationship": 609,
        "indicator": 579,
        "file": 407,
        "ipv4-addr": 161,
        "network-traffic": 149,
        "url": 114,
        "domain-name": 48,
        "x-misp-object": 31,  # MISP objects misp-stix has no STIX mapping for (virustotal-report, pe, ...)
        "x-misp-attribute": 15,  # attribute types without one (comment, text, btc, pdb, ...)
        "identity": 11,  # CIRCL, once per event (each event dates it by its own timestamp)
        "windows-registry-key": 9,
        "report": 7,  # published events
        "email-message": 7,
        "artifact": 5,
        "vulnerability": 4,
        "grouping": 4,  # unpublished events
        "email-addr": 2,
        "mutex": 1,
    }
    problems = [p for _, converted in feed for p in converted.problems]
    assert len(problems) == 1
    assert problems[0].startswith(f"{SCAN}: attribute {SSDEEP} (ssdeep) of object ")
    assert "Invalid SSDeep hash" in problems[0]


def test_every_version_is_dated_by_the_event_never_by_the_clock() -> None:
    for event_uuid, converted in _feed():
        source = _source(event_uuid)
        seconds = {int(source["timestamp"]), int(source["publish_timestamp"])}
        for item in source.get("Attribute", []) + source.get("Object", []):
            seconds.add(int(item["timestamp"]))
        for obj in source.get("Object", []):
            seconds |= {int(a["timestamp"]) for a in obj["Attribute"] + obj.get("ObjectReference", [])}
        allowed = {datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") for s in seconds}
        for obj in converted.objects:
            for prop in ("created", "modified"):
                assert obj.get(prop, min(allowed)) in allowed, (obj["id"], prop)


def test_a_damaged_feed_reports_each_fault_and_keeps_everything_else(tmp_path: Path) -> None:
    for event_uuid in SMALL:
        shutil.copy(FEED / f"{event_uuid}.json", tmp_path)
    whole = dict(read_misp_feed(tmp_path))
    truncated, unknown_type, good = SMALL[0], SMALL[1], SMALL[2:]
    text = (tmp_path / f"{truncated}.json").read_text("utf-8")
    (tmp_path / f"{truncated}.json").write_text(text[: len(text) // 2], "utf-8")
    event = json.loads((tmp_path / f"{unknown_type}.json").read_text("utf-8"))
    odd = event["Event"]["Attribute"][0]
    odd["type"] = "ip-dst-but-odd"
    (tmp_path / f"{unknown_type}.json").write_text(json.dumps(event), "utf-8")
    missing = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    manifest = {u: {"info": "listed"} for u in [*SMALL[:-1], missing]}  # SMALL[-1] is left unlisted
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    hashes = [
        f"5b929e2f68aae9333096927164d9aaa3,{good[0]}",
        f"not-a-hash,{good[0]}",
        "x",
        f"{'0' * 32},{STRANGER}",
    ]
    (tmp_path / "hashes.csv").write_text("\n".join(hashes) + "\n", "utf-8")

    result = list(read_misp_feed(tmp_path))
    assert [u for u, _ in result] == ["manifest.json", *SMALL[:-1], missing, "hashes.csv"]
    by_uuid = dict(result)
    assert by_uuid["manifest.json"].problems == [
        f"manifest.json: {SMALL[-1]}.json is not listed in the manifest; skipped"
    ]
    assert by_uuid[truncated].objects == []
    assert (
        by_uuid[truncated]
        .problems[0]
        .startswith(f"{truncated}: broken event: {truncated}.json is not JSON (")
    )
    assert by_uuid[unknown_type].problems == [
        f"{unknown_type}: attribute {odd['uuid']} (ip-dst-but-odd): unknown MISP attribute type; skipped"
    ]
    kept = {o["id"] for o in by_uuid[unknown_type].objects}
    assert kept == {
        o["id"]
        for o in whole[unknown_type].objects
        if odd["uuid"] not in f"{o['id']} {o.get('source_ref')} {o.get('target_ref')}"
    }
    for event_uuid in good[:-1]:
        assert by_uuid[event_uuid] == whole[event_uuid]
    assert by_uuid[missing] == Converted(
        problems=[f"{missing}: broken event: its file {missing}.json is missing; skipped"]
    )
    assert by_uuid["hashes.csv"].problems == [
        f"hashes.csv: line 2: 'not-a-hash,{good[0]}': the first field is not an MD5 hash; skipped",
        "hashes.csv: line 3: 'x': 1 fields, not 2; skipped",
        f"hashes.csv: line 4: '{'0' * 32},{STRANGER}': event {STRANGER} is not in the feed; skipped",
    ]


def test_without_a_usable_manifest_every_event_file_is_read(tmp_path: Path) -> None:
    for event_uuid in SMALL[:2]:
        shutil.copy(FEED / f"{event_uuid}.json", tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", "utf-8")
    result = list(read_misp_feed(tmp_path))
    assert [u for u, _ in result] == ["manifest.json", *sorted(SMALL[:2])]
    assert result[0][1].problems[0].startswith("manifest.json: not JSON (")
    assert all(converted.objects for _, converted in result[1:])


def test_re_importing_the_feed_gives_identical_bytes_and_duplicates_nothing_in_the_store(
    engine: Engine,
) -> None:
    objects = [o for _, converted in _feed() for o in converted.objects]
    with read_connection(engine) as conn:
        org = get_org(conn, short_name="MyCERT")
    principal = Principal(org_id=org.id, org_short=org.short_name)
    first = add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=objects)
    assert first.failures == []
    assert not any(o.message == "already present" for o in first.successes)
    reread = [o for _, converted in read_misp_feed(FEED) for o in converted.objects]
    assert orjson.dumps(reread) == orjson.dumps(objects)  # a second conversion, byte for byte the same
    again = add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=reread)
    assert again.failures == []
    assert {o.message for o in again.successes} == {"already present"}
    assert len(again.successes) == len(objects)


def _attribute_values(event: dict[str, Any]) -> Counter[tuple[str, str]]:
    attributes = list(event.get("Attribute", []))
    attributes += [a for o in event.get("Object", []) for a in o.get("Attribute", [])]
    return Counter((a["type"], _normal(a["type"], str(a["value"]))) for a in attributes)


def _normal(kind: str, value: str) -> str:
    """misp-stix writes datetime values with their UTC offset; the instant is what must survive."""
    if kind != "datetime":
        return value
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _stored(engine: Engine) -> dict[tuple[str, str | None], dict[str, Any]]:
    """The feed stored by MyCERT and exported again, by (id, version)."""
    with read_connection(engine) as conn:
        org = get_org(conn, short_name="MyCERT")
    objects = [o for _, converted in _feed() for o in converted.objects]
    principal = Principal(org_id=org.id, org_short=org.short_name)
    assert add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=objects).failures == []
    out = io.StringIO()
    export_bundle(engine, out=out, org="MyCERT", all_versions=True, include_expired=True)
    return {(o["id"], o.get("modified")): o for o in json.loads(out.getvalue())["objects"]}


def test_round_trip_misp_to_gotong_to_misp_keeps_the_attributes_of_the_feed(engine: Engine) -> None:
    stored = _stored(engine)
    with read_connection(engine) as conn:
        mycert = get_org(conn, short_name="MyCERT").identity_id
    lost: list[tuple[str, str, str]] = []
    total = 0
    for event_uuid, converted in _feed():
        source = _source(event_uuid)
        exported = [stored[(o["id"], o.get("modified"))] for o in converted.objects]
        # The store gives back what it was given; an SDO the converter named no creator for names
        # its submitter (docs/taxii.md, "Who created an object").
        assert exported == [as_stored(o, mycert) for o in converted.objects]
        back = stix_to_misp_event(exported)["Event"]
        assert (back["uuid"], back["info"], back["Orgc"]) == (source["uuid"], source["info"], source["Orgc"])
        tags = {t["name"] for t in back.get("Tag", [])}
        assert {t["name"] for t in source["Tag"]} - {"tlp:white"} <= tags
        assert "tlp:clear" in tags  # TLP 1.0 WHITE comes back as its TLP 2.0 name
        before, after = _attribute_values(source), _attribute_values(back)
        total += sum(before.values())
        lost += [(event_uuid, kind, value) for (kind, value), n in (before - after).items() for _ in range(n)]
        assert after - before == Counter()  # nothing comes back that was not there
    assert total == 1024
    # One of 1,024 does not come back: the ssdeep already reported on the way in (MISP itself refuses
    # its value, broken over three lines).
    assert [(e, k) for e, k, _ in lost] == [(SCAN, "ssdeep")]


def test_stix_to_misp_event_needs_objects() -> None:
    with pytest.raises(Invalid):
        stix_to_misp_event([])
