"""Anonymous submission through the hub: no read path reveals the real submitter, except to the
submitter itself and the hub's admins; and access receipts are for the submitter's eyes only."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import orjson
import pytest

from gotong.core.auth import Role
from gotong.intel.bulk import export_bundle
from gotong.orgs.service import identity_id_for
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator

TAXII = "application/taxii+json;version=2.1"
THAI_IDENTITY = identity_id_for("ThaiCERT")
HUB_IDENTITY = identity_id_for("ASEAN-CERT")


def _client(server: RunningServer, org: str, **token_kwargs: object) -> httpx.Client:
    token = token_for(server.engine, org, **token_kwargs)
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}", "Accept": TAXII})


@pytest.fixture
def posted(server: RunningServer) -> Iterator[tuple[dict[str, object], str]]:
    obj = indicator(tlp="green", created_by_ref=THAI_IDENTITY)
    with _client(server, "ThaiCERT", through_hub=True) as thai:
        response = thai.post(
            f"/{server.settings.api_root}/collections/{REGIONAL_ID}/objects/",
            content=orjson.dumps({"objects": [obj]}),
            headers={"Content-Type": TAXII},
        )
    assert response.status_code == 202 and response.json()["success_count"] == 1
    yield obj, response.json()["id"]


def _leaks(text: str) -> bool:
    return THAI_IDENTITY in text or "ThaiCERT" in text


def test_no_read_path_reveals_the_submitter(
    server: RunningServer, posted: tuple[dict[str, object], str]
) -> None:
    obj, status_id = posted
    root = f"/{server.settings.api_root}"
    coll = f"{root}/collections/{REGIONAL_ID}"
    with _client(server, "LaoCERT") as lao:
        responses = [
            lao.get(f"{coll}/objects/"),
            lao.get(f"{coll}/objects/{obj['id']}/"),
            lao.get(f"{coll}/objects/{obj['id']}/versions/"),
            lao.get(f"{coll}/manifest/"),
            lao.get(f"/api/v1/collections/{REGIONAL_ID}/objects/{obj['id']}/provenance"),
        ]
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        assert not any(_leaks(r.text) for r in responses)
        stored = [o for o in responses[1].json()["objects"] if o["id"] == obj["id"]]
        assert stored[0]["created_by_ref"] == HUB_IDENTITY
        assert responses[4].json()[0]["submitter"] == "(submitted through the hub)"
        assert lao.get(f"{root}/status/{status_id}/").status_code == 404
        assert lao.get(f"/api/v1/receipts?object={obj['id']}").json() == []
    out = io.StringIO()
    export_bundle(server.engine, out=out, org="LaoCERT", collection_id=REGIONAL_ID)
    assert str(obj["id"]) in out.getvalue() and not _leaks(out.getvalue())


def test_the_hub_analysts_do_not_learn_the_submitter_but_its_admins_do(
    server: RunningServer, posted: tuple[dict[str, object], str]
) -> None:
    obj, _ = posted
    url = f"/api/v1/collections/{REGIONAL_ID}/objects/{obj['id']}/provenance"
    with _client(server, "ASEAN-CERT", role=Role.ANALYST) as analyst:
        assert analyst.get(url).json()[0]["submitter"] == "(submitted through the hub)"
    with _client(server, "ASEAN-CERT", role=Role.ADMIN) as admin:
        assert admin.get(url).json()[0]["submitter"] == "ThaiCERT"
    with _client(server, "ThaiCERT") as thai:
        assert thai.get(url).json()[0]["submitter"] == "ThaiCERT"


def test_receipts_list_who_retrieved_the_submitters_objects(
    server: RunningServer, posted: tuple[dict[str, object], str]
) -> None:
    obj, _ = posted
    coll = f"/{server.settings.api_root}/collections/{REGIONAL_ID}"
    with _client(server, "LaoCERT") as lao, _client(server, "MyCERT") as my:
        lao.get(f"{coll}/objects/{obj['id']}/")
        lao.get(f"{coll}/objects/")
        my.get(f"{coll}/objects/")
        my.get(f"{coll}/manifest/")  # a manifest hands over no object, so it is no retrieval
    with _client(server, "ThaiCERT") as thai:
        rows = thai.get(f"/api/v1/receipts?object={obj['id']}").json()
        per_collection = thai.get(f"/api/v1/receipts?collection={REGIONAL_ID}").json()
        missing = thai.get("/api/v1/receipts")
    assert sorted((r["reader"], r["times"]) for r in rows) == [("LaoCERT", 2), ("MyCERT", 1)]
    assert {r["stix_id"] for r in per_collection} == {obj["id"]}
    assert missing.status_code == 400 and "collection or an object" in missing.json()["description"]


def _rest(server: RunningServer, org: str, role: Role = Role.ANALYST) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token_for(server.engine, org, role=role)}"}
    )


def test_every_rest_read_path_names_the_submitter_to_it_and_the_hub_admins_only(
    server: RunningServer,
) -> None:
    """docs/sharing.md, "Who may learn who submitted": provenance, search, lookup, sightings and alerts
    follow one rule. ThaiCERT sends an IP indicator and a sighting of it through the hub; MyCERT and
    VNCERT report the same IP, which raises a regional alert."""
    ip = "192.0.2.201"
    anonymous = indicator(tlp="green", pattern=f"[ipv4-addr:value = '{ip}']")
    posted = {}
    with _client(server, "ThaiCERT", through_hub=True) as thai_anon:
        coll = f"/{server.settings.api_root}/collections/{REGIONAL_ID}/objects/"
        sent = thai_anon.post(
            coll, content=orjson.dumps({"objects": [anonymous]}), headers={"Content-Type": TAXII}
        )
        assert sent.json()["success_count"] == 1
    for org in ("MyCERT", "VNCERT"):
        with _client(server, org) as other:
            posted[org] = indicator(tlp="green", pattern=f"[ipv4-addr:value = '{ip}']")
            body = orjson.dumps({"objects": [posted[org]]})
            assert (
                other.post(coll, content=body, headers={"Content-Type": TAXII}).json()["success_count"] == 1
            )
    with _client(server, "ThaiCERT", through_hub=True) as thai_anon_rest:
        sighting = {"value": ip, "collection": REGIONAL_ID, "count": 3}
        assert thai_anon_rest.post("/api/v1/sightings", json=sighting).status_code == 201

    def answers(client: httpx.Client) -> dict[str, object]:
        found = client.get("/api/v1/lookup", params={"value": ip}).json()
        searched = client.get("/api/v1/search", params={"q": ip}).json()["results"]
        alerts = [a for a in client.get("/api/v1/alerts").json() if a["value"] == ip]
        return {
            "provenance": client.get(
                f"/api/v1/collections/{REGIONAL_ID}/objects/{anonymous['id']}/provenance"
            ).json()[0]["submitter"],
            "lookup": {o["reported_by"] for o in found["objects"] if o["id"] == anonymous["id"]},
            "lookup countries": found["countries"],
            "search": {r["reported_by"] for r in searched if r["id"] == anonymous["id"]},
            "sightings": client.get(f"/api/v1/indicators/{anonymous['id']}/sightings").json()["by_country"],
            "alert": {o["reported_by"] for a in alerts for o in a["objects"] if o["id"] == anonymous["id"]},
        }

    hidden = {
        "provenance": "(submitted through the hub)",
        "lookup": {"(through the hub)"},
        "lookup countries": ["MY", "VN"],
        "search": {"(through the hub)"},
        "sightings": {"(through the hub)": 3},
        "alert": {"(through the hub)"},
    }
    known = {
        "provenance": "ThaiCERT",
        "lookup": {"ThaiCERT"},
        "lookup countries": ["MY", "TH", "VN"],
        "search": {"ThaiCERT"},
        "sightings": {"TH": 3},
        "alert": {"ThaiCERT"},
    }
    with _rest(server, "ThaiCERT") as thai, _rest(server, "ASEAN-CERT", Role.ADMIN) as hub_admin:
        assert answers(thai) == known, "the submitter itself"
        assert answers(hub_admin) == known, "an admin of the hub"
    with _rest(server, "LaoCERT") as lao, _rest(server, "ASEAN-CERT", Role.ANALYST) as hub_analyst:
        assert answers(lao) == hidden, "another member"
        assert answers(hub_analyst) == hidden, "an analyst of the hub"
        # Filtering by the submitter does not unmask it either (and finds the others it names).
        assert lao.get("/api/v1/search", params={"q": ip, "org": "ThaiCERT"}).json()["results"] == []
        assert [
            r["id"] for r in lao.get("/api/v1/search", params={"q": ip, "org": "MyCERT"}).json()["results"]
        ] == [posted["MyCERT"]["id"]]
