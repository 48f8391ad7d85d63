"""Lookups by CIDR: the stored addresses and networks inside and around a network, IPv4 and IPv6,
over REST and the CLI, through the sharing decision (regression of issue 12, item 8)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.correlation.normalise import address_span
from gotong.db.engine import make_engine
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from tests.cli.test_cli import ok
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator


def _address(value: str, tlp: str = "green") -> dict[str, Any]:
    kind = "ipv6-addr" if ":" in value else "ipv4-addr"
    obj = indicator(tlp=tlp)
    obj["pattern"] = f"[{kind}:value = '{value}']"
    return obj


def _post(engine: Engine, org: str, objects: list[dict[str, Any]]) -> None:
    with engine.connect() as conn:
        who = get_org(conn, short_name=org)
    principal = Principal(org_id=who.id, org_short=org)
    assert add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=objects).failures == []


def test_spans_sort_as_the_addresses_do() -> None:
    assert address_span("ipv4-addr", "198.51.100.0/24") == ("4:c6336400", "4:c63364ff")
    assert address_span("ipv4-addr", "198.51.100.23") == ("4:c6336417", "4:c6336417")
    first, last = address_span("ipv6-addr", "2001:db8::/32") or ("", "")
    assert first == "6:20010db8" + "0" * 24 and last == "6:20010db8" + "f" * 24
    assert address_span("domain-name", "198.51.100.0") is None
    assert address_span("ipv4-addr", "2001:db8::1") is None


def test_a_cidr_lookup_finds_what_lies_inside_and_around_it(server: RunningServer) -> None:
    inside = _address("198.51.100.23")
    edge = _address("198.51.100.255")
    subnet = _address("198.51.100.128/25")
    around = _address("198.51.0.0/16")
    outside = _address("198.51.101.1")
    red = _address("198.51.100.99", tlp="red")  # ThaiCERT's own: Lao may not see it
    six = _address("2001:db8:0:1::5")
    six_outside = _address("2001:db9::5")
    _post(server.engine, "ThaiCERT", [inside, edge, subnet, around, outside, red, six, six_outside])
    headers = {"Authorization": f"Bearer {token_for(server.engine, 'LaoCERT')}"}
    with httpx.Client(base_url=server.url, headers=headers) as lao:
        found = lao.get("/api/v1/lookup", params={"value": "198.51.100.0/24"}).json()
        assert {o["id"] for o in found["objects"]} == {inside["id"], edge["id"], subnet["id"], around["id"]}
        values = {o["value"] for o in found["observables"]}
        assert "198.51.101.1" not in values and "198.51.100.99" in {
            o["value"]
            for o in lao.get("/api/v1/lookup", params={"value": "198.51.100.99"}).json()["observables"]
        }
        assert red["id"] not in {o["id"] for o in found["objects"]}, "visibility applies inside a network"
        v6 = lao.get("/api/v1/lookup", params={"value": "2001:db8::/32"}).json()
        assert {o["id"] for o in v6["objects"]} == {six["id"]}
        exact = lao.get("/api/v1/lookup", params={"value": "198.51.100.23"}).json()
        assert {o["id"] for o in exact["objects"]} == {inside["id"]}, "an address alone: that address"
    headers = {"Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT')}"}
    with httpx.Client(base_url=server.url, headers=headers) as thai:
        own = thai.get("/api/v1/lookup", params={"value": "198.51.100.0/24"}).json()
        assert red["id"] in {o["id"] for o in own["objects"]}, "the positive control: its submitter sees it"


def test_the_cli_looks_up_a_network(database_url: str) -> None:
    ok(database_url, "init", "--preset", "asean")
    engine = make_engine(database_url)
    try:
        target = _address("198.51.100.23")
        _post(engine, "ThaiCERT", [target])
    finally:
        engine.dispose()
    found = json.loads(ok(database_url, "lookup", "198.51.100.0/24", "--org", "LaoCERT", "--json"))
    assert [o["id"] for o in found["objects"]] == [target["id"]]
