"""Correlation over a real server: shared observables across countries, seen only where allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.correlation.scores import indicator_score
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.settings import Settings
from gotong.stix.timestamps import micros_of
from gotong.wiring import wire
from tests.conftest import SHARED_DATA, RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator


def _ip_indicator(ip: str, tlp: str, **extra: Any) -> dict[str, Any]:
    obj = indicator(tlp=tlp, **extra)
    obj["pattern"] = (
        f"[ipv4-addr:value = '{ip}'] OR [domain-name:value = 'c2-{ip.replace('.', '-')}.example']"
    )
    return obj


def _post(engine: Engine, org: str, objects: list[dict[str, object]]) -> dict[str, object]:
    with engine.connect() as conn:
        who = get_org(conn, short_name=org)
    report = add_objects(
        engine, principal=Principal(org_id=who.id, org_short=org), collection_id=REGIONAL_ID, objects=objects
    )
    return report.taxii()


@pytest.fixture
def client_for(server: RunningServer) -> Iterator[object]:
    clients: list[httpx.Client] = []

    def make(org: str) -> httpx.Client:
        token = token_for(server.engine, org)
        client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def test_one_ip_reported_by_two_countries_correlates(server: RunningServer, client_for: object) -> None:
    thai = _ip_indicator("198.51.100.23", "green")
    malaysia = _ip_indicator("198.51.100.23", "green")
    other = _ip_indicator("203.0.113.9", "green")
    _post(server.engine, "ThaiCERT", [thai, other])
    _post(server.engine, "MyCERT", [malaysia])
    lao = client_for("LaoCERT")  # type: ignore[operator]
    found = lao.get("/api/v1/lookup", params={"value": "198.51.100.23"}).json()
    assert {o["id"] for o in found["objects"]} == {thai["id"], malaysia["id"]}
    assert found["countries"] == ["MY", "TH"]
    assert found["reporters"] == ["MyCERT", "ThaiCERT"]
    assert found["first_seen"] <= found["last_seen"]
    by_domain = lao.get("/api/v1/lookup", params={"value": "C2-198-51-100-23.example."}).json()
    assert {o["id"] for o in by_domain["objects"]} == {thai["id"], malaysia["id"]}, "domains are normalised"


def test_lookup_reveals_nothing_about_invisible_objects(server: RunningServer, client_for: object) -> None:
    secret = _ip_indicator("192.0.2.77", "red")
    _post(server.engine, "ThaiCERT", [secret])
    lao = client_for("LaoCERT")  # type: ignore[operator]
    found = lao.get("/api/v1/lookup", params={"value": "192.0.2.77"}).json()
    assert found["objects"] == [] and found["countries"] == [] and found["first_seen"] is None
    thai = client_for("ThaiCERT")  # type: ignore[operator]
    assert [
        o["id"] for o in thai.get("/api/v1/lookup", params={"value": "192.0.2.77"}).json()["objects"]
    ] == [secret["id"]]


def test_bad_lookup_values_are_400(server: RunningServer, client_for: object) -> None:
    lao = client_for("LaoCERT")  # type: ignore[operator]
    response = lao.get("/api/v1/lookup", params={"value": "999.1.1.1", "kind": "ipv4-addr"})
    assert response.status_code == 400 and "not a valid" in response.json()["description"]
    assert lao.get("/api/v1/lookup", params={"value": " "}).status_code == 400


def test_sightings_and_false_positives_move_the_score(server: RunningServer, client_for: object) -> None:
    target = _ip_indicator("198.51.100.99", "green", confidence=60)
    _post(server.engine, "ThaiCERT", [target])
    my = client_for("MyCERT")  # type: ignore[operator]
    seen = my.post(
        "/api/v1/sightings",
        json={
            "value": "198.51.100.99",
            "collection": "asean-regional",
            "count": 12,
            "first_seen": "2026-01-02T00:00:00.000Z",
            "last_seen": "2026-01-03T00:00:00.000Z",
        },
    )
    assert seen.status_code == 201 and seen.json()["success_count"] == 1
    lao = client_for("LaoCERT")  # type: ignore[operator]
    summary = lao.get(f"/api/v1/indicators/{target['id']}/sightings").json()
    assert summary["sightings"] == 12 and summary["by_country"] == {"MY": 12}
    assert summary["first_seen"].startswith("2026-01-02") and summary["last_seen"].startswith("2026-01-03")
    before = lao.get("/api/v1/lookup", params={"value": "198.51.100.99"}).json()["objects"][0]["score"]
    benign = client_for("CamCERT")  # type: ignore[operator]
    benign.post(
        "/api/v1/sightings",
        json={"value": "198.51.100.99", "collection": "asean-regional", "false_positive": True},
    )
    after = lao.get("/api/v1/lookup", params={"value": "198.51.100.99"}).json()["objects"][0]
    assert after["false_positives"] == 1 and after["score"] < before
    # A sighting marked TLP:RED without recipients counts for its reporter only.
    my.post(
        "/api/v1/sightings",
        json={"value": "198.51.100.99", "collection": "asean-regional", "count": 1000, "tlp": "red"},
    )
    assert lao.get(f"/api/v1/indicators/{target['id']}/sightings").json()["sightings"] == 12
    assert my.get(f"/api/v1/indicators/{target['id']}/sightings").json()["sightings"] == 1012


def test_sighting_of_an_unknown_value_is_404(server: RunningServer, client_for: object) -> None:
    lao = client_for("LaoCERT")  # type: ignore[operator]
    response = lao.post("/api/v1/sightings", json={"value": "203.0.113.250", "collection": "asean-regional"})
    assert response.status_code == 404


def test_score_formula() -> None:
    now = micros_of("2026-07-01T00:00:00.000Z")
    fresh = {"confidence": 80, "valid_from": "2026-07-01T00:00:00.000Z"}
    half = {"confidence": 80, "valid_from": "2025-12-31T00:00:00.000Z"}  # 182 days earlier
    assert indicator_score(fresh, sightings=0, false_positives=0, now=now) == 80
    assert indicator_score(half, sightings=0, false_positives=0, now=now) == 40  # 80 x 0.5 ** (182 / 180)
    assert indicator_score(fresh, sightings=9, false_positives=0, now=now) == 95
    assert indicator_score(fresh, sightings=0, false_positives=2, now=now) == 20
    assert (
        indicator_score(
            {**fresh, "valid_until": "2026-06-30T00:00:00.000Z"}, sightings=50, false_positives=0, now=now
        )
        == 0
    )
    assert indicator_score({**fresh, "revoked": True}, sightings=0, false_positives=0, now=now) == 0


def test_warninglist_hits_are_flagged_not_dropped(engine: Engine) -> None:
    wire(Settings(warninglists="rfc1918", warninglists_dir=str(SHARED_DATA / "misp-warninglists" / "lists")))
    private = _ip_indicator("10.1.2.3", "green")
    with engine.connect() as conn:
        who = get_org(conn, short_name="ThaiCERT")
    report = add_objects(
        engine,
        principal=Principal(org_id=who.id, org_short="ThaiCERT"),
        collection_id=REGIONAL_ID,
        objects=[private],
    ).taxii()
    assert report["success_count"] == 1
    assert "on warninglist" in report["successes"][0]["message"]
    from gotong.correlation.lookup import lookup
    from gotong.db.engine import read_connection
    from gotong.sharing.service import load_reader

    with read_connection(engine) as conn:
        found = lookup(conn, reader=load_reader(conn, Principal(org_id=who.id)), value="10.1.2.3")
    assert [o.id for o in found.objects] == [private["id"]]
    assert [h["list"] for h in found.warninglists] == ["rfc1918"]


def test_export_leaves_expired_indicators_out_by_default(engine: Engine) -> None:
    import io
    import json

    from gotong.intel.bulk import export_bundle

    expired = indicator(tlp="green", valid_until="2026-01-02T00:00:00.000Z")
    current = indicator(tlp="green")
    _post(engine, "ThaiCERT", [expired, current])
    default, everything = io.StringIO(), io.StringIO()
    export_bundle(engine, out=default, org="ThaiCERT", collection_id=REGIONAL_ID, types=["indicator"])
    export_bundle(
        engine,
        out=everything,
        org="ThaiCERT",
        collection_id=REGIONAL_ID,
        types=["indicator"],
        include_expired=True,
    )
    assert {o["id"] for o in json.loads(default.getvalue())["objects"]} == {current["id"]}
    assert {o["id"] for o in json.loads(everything.getvalue())["objects"]} == {current["id"], expired["id"]}
