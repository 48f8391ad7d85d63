"""The MISP export of a mixed node: every visible indicator, whichever way it came in, each attribute
with its TLP (unmarked ones with their submitter's default), a meaningful info, and no "organization"
objects made of the preset organisations (regressions of issue 12, item 2)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from pymisp import MISPEvent
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.feeds.misp import read_misp_feed, stix_to_misp_event
from gotong.feeds.service import export_feed
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.tlp import TLP
from tests.conftest import SHARED_DATA
from tests.helpers import REGIONAL_ID, indicator

FEED = SHARED_DATA / "misp-feed-sample"
ONE_EVENT = "5c066053-0e94-46eb-9746-4b7d950d210f"


def _post(engine: Engine, org: str, objects: list[dict[str, Any]]) -> None:
    with read_connection(engine) as conn:
        who = get_org(conn, short_name=org)
    principal = Principal(org_id=who.id, org_short=org)
    assert add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=objects).failures == []


def _attributes(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        *event.get("Attribute", []),
        *(a for o in event.get("Object", []) for a in o.get("Attribute", [])),
    ]


def _tlp_tags(item: dict[str, Any]) -> list[str]:
    return [t["name"] for t in item.get("Tag", []) if t["name"].startswith("tlp:")]


def test_the_misp_export_of_a_mixed_node_holds_every_visible_indicator_with_its_tlp(engine: Engine) -> None:
    logging.getLogger("pymisp").setLevel(logging.ERROR)  # the sample's broken ssdeep, reported elsewhere
    [(_, event)] = [(u, c) for u, c in read_misp_feed(FEED) if u == ONE_EVENT]
    _post(engine, "MyCERT", event.objects)
    bare = indicator(value="bare.example", tlp=None)  # takes ThaiCERT's default, AMBER
    green = indicator(value="green.example", tlp="green")
    address = indicator(tlp="clear")
    address["pattern"] = "[ipv4-addr:value = '198.51.100.23']"
    _post(engine, "ThaiCERT", [bare, green, address])

    done = export_feed(engine, org="MyCERT", collection_id=None, fmt="misp", ceiling=TLP.RED)
    exported = json.loads(done.text)["Event"]
    values = {a["value"]: a for a in _attributes(exported)}
    assert {"bare.example", "green.example", "198.51.100.23"} <= set(values), "plain indicators are kept"
    source = [a for a in _attributes(_source_event()) if a["type"] != "ssdeep"]
    assert {a["value"] for a in source} <= set(values), "so is every attribute of the MISP event"
    assert _tlp_tags(values["bare.example"]) == ["tlp:amber"], "unmarked: its submitter's default"
    assert _tlp_tags(values["green.example"]) == ["tlp:green"]
    assert _tlp_tags(values["198.51.100.23"]) == ["tlp:clear"]
    assert all(len(_tlp_tags(a)) == 1 for a in _attributes(exported)), "one TLP on every attribute"
    assert _tlp_tags(exported) == ["tlp:amber"], "the event: the strictest of what it holds"
    assert exported["info"].startswith("Gotong: what MyCERT may see") and "indicators" in exported["info"]
    assert [o for o in exported.get("Object", []) if o["name"] in ("organization", "identity")] == []

    misp = MISPEvent()
    misp.load(done.text)  # PyMISP reads it as MISP would
    assert misp.info == exported["info"]
    assert Counter(a.type for a in misp.attributes)["domain"] >= 2


def _source_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FEED / f"{ONE_EVENT}.json").read_text("utf-8"))["Event"]
    return event


def test_one_misp_event_alone_comes_back_as_it_was() -> None:
    [(_, event)] = [(u, c) for u, c in read_misp_feed(FEED) if u == ONE_EVENT]
    back = stix_to_misp_event(event.objects)["Event"]
    source = _source_event()
    assert (back["uuid"], back["info"]) == (source["uuid"], source["info"])
    assert _tlp_tags(back) == ["tlp:clear"] and all(_tlp_tags(a) == ["tlp:clear"] for a in _attributes(back))


def test_sightings_of_an_indicator_leave_its_misp_attribute_whole() -> None:
    """misp-stix fails on a sighting whose identities are not in the bundle (as in every export, which
    leaves identities out); a MISP feed carries no sightings, so they are left out, not the event."""
    seen = indicator(tlp="green", pattern="[ipv4-addr:value = '198.51.100.23']", name="C2")
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--0b4d2c58-8f4e-4b7e-9f55-2f0f7a3d1c11",
        "created": "2026-11-02T00:00:00.000Z",
        "modified": "2026-11-02T00:00:00.000Z",
        "sighting_of_ref": seen["id"],
        "where_sighted_refs": ["identity--8a61d131-2fd4-5982-96fc-0ed8e1d79ceb"],
        "count": 3,
    }
    alone = stix_to_misp_event([seen], info="control")["Event"]
    both = stix_to_misp_event([seen, sighting], info="with a sighting")["Event"]
    assert [a["value"] for a in alone["Attribute"]] == ["198.51.100.23"]  # the positive control
    assert [a["value"] for a in both["Attribute"]] == ["198.51.100.23"]
    assert not any(a.get("Sighting") for a in both["Attribute"])
