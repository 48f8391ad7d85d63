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
    assert obj["id"] in out.getvalue() and not _leaks(out.getvalue())


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
