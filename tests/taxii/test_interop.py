"""Interoperability with the OASIS clients: taxii2-client and stix2's TAXII data store, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import stix2
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator


def _collection(server: RunningServer, org: str = "ThaiCERT") -> Collection:
    token = token_for(server.engine, org)
    return Collection(server.collection_url(REGIONAL_ID), user=org, password=token)


def _envelope(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"objects": objects}


def test_discovery_and_api_root(server: RunningServer) -> None:
    token = token_for(server.engine, "MyCERT")
    discovery = Server(f"{server.url}/taxii2/", user="MyCERT", password=token)
    assert discovery.title == server.settings.title
    assert [r.url for r in discovery.api_roots] == [server.api_root]
    root = discovery.default
    assert root is not None
    assert root.versions == ["application/taxii+json;version=2.1"]
    assert root.max_content_length == server.settings.max_content_length
    by_alias = {c.alias: c for c in root.collections}
    assert set(by_alias) == {"asean-regional", "gotong-definitions"}
    assert by_alias["asean-regional"].id == REGIONAL_ID
    assert by_alias["asean-regional"].can_read and by_alias["asean-regional"].can_write
    # Only the hub curates the definitions (identities, sharing-group markings).
    assert by_alias["gotong-definitions"].can_read and not by_alias["gotong-definitions"].can_write


def test_add_objects_waits_for_a_complete_status(server: RunningServer) -> None:
    coll = _collection(server)
    good = [indicator() for _ in range(3)]
    bad = indicator(pattern="[domain-name:value = ")
    status = coll.add_objects(_envelope([*good, bad]), wait_for_completion=True)
    assert status.status == "complete"
    assert status.total_count == 4
    assert status.success_count == 3
    assert {s["id"] for s in status.successes} == {o["id"] for o in good}
    assert status.failure_count == 1
    assert status.failures[0]["id"] == bad["id"]
    assert "pattern" in status.failures[0]["message"]


def test_pagination_with_as_pages_returns_every_object_once(server: RunningServer) -> None:
    coll = _collection(server)
    posted = [indicator() for _ in range(57)]
    coll.add_objects(_envelope(posted))
    seen: list[str] = []
    for page in as_pages(coll.get_objects, per_request=10):
        seen.extend(o["id"] for o in page.get("objects", []))
    demo_free = [s for s in seen if s in {o["id"] for o in posted}]
    assert sorted(demo_free) == sorted(o["id"] for o in posted)
    assert len(seen) == len(set(seen))


def test_manifest_get_object_versions_and_delete(server: RunningServer) -> None:
    coll = _collection(server)
    first = indicator(modified="2026-01-01T00:00:00.000Z")
    second = dict(first, modified="2026-02-01T00:00:00.000Z", name="renamed")
    coll.add_objects(_envelope([first, second]))

    manifest = coll.get_manifest(id=first["id"], version="all")
    assert [m["version"] for m in manifest["objects"]] == [
        "2026-01-01T00:00:00.000Z",
        "2026-02-01T00:00:00.000Z",
    ]
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest["objects"])

    latest = coll.get_object(first["id"])
    assert [o["name"] for o in latest["objects"]] == ["renamed"]
    earliest = coll.get_object(first["id"], version="first")
    assert [o["modified"] for o in earliest["objects"]] == ["2026-01-01T00:00:00.000Z"]

    versions = coll.object_versions(first["id"])
    assert versions["versions"] == ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"]

    coll.delete_object(first["id"], version="2026-01-01T00:00:00.000Z")
    assert coll.object_versions(first["id"])["versions"] == ["2026-02-01T00:00:00.000Z"]
    coll.delete_object(first["id"])
    with pytest.raises(requests.HTTPError) as gone:
        coll.get_object(first["id"])
    assert gone.value.response is not None and gone.value.response.status_code == 404


def test_stix2_taxii_data_store_round_trip(server: RunningServer) -> None:
    coll = _collection(server)
    sink = stix2.TAXIICollectionSink(coll)
    source = stix2.TAXIICollectionSource(coll)
    malware = stix2.v21.Malware(name="DemoLoader", is_family=True, malware_types=["trojan"])
    ind = stix2.v21.Indicator(
        name="loader C2",
        pattern="[ipv4-addr:value = '192.0.2.10']",
        pattern_type="stix",
        valid_from="2026-01-01T00:00:00Z",
    )
    rel = stix2.v21.Relationship(ind, "indicates", malware)
    sink.add([malware, ind, rel])

    fetched = source.get(ind.id)
    assert fetched is not None and fetched.pattern == ind.pattern
    related = source.related_to(malware)
    assert ind.id in {o.id for o in related}
    found = source.query([stix2.Filter("type", "=", "malware"), stix2.Filter("name", "=", "DemoLoader")])
    assert [m.id for m in found] == [malware.id]


def test_api_root_is_reachable_by_bearer_token(server: RunningServer) -> None:
    token = token_for(server.engine, "SingCERT")
    root = ApiRoot(server.api_root, auth=_Bearer(token))
    assert REGIONAL_ID in [c.id for c in root.collections]


class _Bearer:
    """requests-style auth that sends a Bearer token (taxii2-client accepts any requests auth)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def test_taxii2_client_works_with_a_collection_url_given_by_alias(server: RunningServer) -> None:
    """docs/taxii.md recommends aliases: taxii2-client checks the collection's id against its URL, so a
    collection addressed by alias answers with the alias as its id, and reading and writing work."""
    token = token_for(server.engine, "ThaiCERT")
    by_alias = Collection(server.collection_url("asean-regional"), user="ThaiCERT", password=token)
    assert by_alias.id == "asean-regional" and by_alias.can_read and by_alias.can_write
    posted = indicator()
    status = by_alias.add_objects(_envelope([posted]), wait_for_completion=True)
    assert status.success_count == 1
    assert [o["id"] for o in by_alias.get_object(posted["id"])["objects"]] == [posted["id"]]
    # The same collection by its id still names itself by its id, and so does the listing.
    assert _collection(server).id == REGIONAL_ID
    root = ApiRoot(server.api_root, user="ThaiCERT", password=token)
    assert "asean-regional" not in [c.id for c in root.collections]


def test_a_wrong_token_is_refused_at_discovery_and_the_api_root(server: RunningServer) -> None:
    """Discovery and the API root are open, but credentials presented there must be valid."""
    for url in (f"{server.url}/taxii2/", server.api_root):
        assert requests.get(url, timeout=30).status_code == 200, f"{url} without credentials"
        wrong = requests.get(url, headers={"Authorization": "Bearer gtg_not-a-token"}, timeout=30)
        assert wrong.status_code == 401, url
        assert "unknown or revoked" in wrong.json()["description"]
        basic = requests.get(url, auth=("ThaiCERT", "gtg_not-a-token"), timeout=30)
        assert basic.status_code == 401, url
    with pytest.raises(requests.HTTPError, match="401"):
        Server(f"{server.url}/taxii2/", user="ThaiCERT", password="gtg_not-a-token").refresh()
