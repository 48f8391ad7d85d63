"""Sharing groups over REST: who may create and change them, and that changes apply to reads at once."""

from __future__ import annotations

import httpx
import orjson

from gotong.core.auth import Role
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator

TAXII = "application/taxii+json;version=2.1"


def _headers(server: RunningServer, org: str, role: Role = Role.ANALYST) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(server.engine, org, role=role)}", "Accept": TAXII}


def test_group_lifecycle_and_immediate_effect(server: RunningServer) -> None:
    base = server.url
    coordinator = _headers(server, "ThaiCERT", Role.COORDINATOR)
    created = httpx.post(
        f"{base}/api/v1/groups",
        json={"name": "mekong", "members": ["ThaiCERT", "LaoCERT"], "kind": "named-recipients"},
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["owner"] == "ThaiCERT" and group["members"] == ["LaoCERT", "ThaiCERT"]

    red = indicator(tlp="red", markings=[group["marking_id"]])
    objects_url = f"{base}/{server.settings.api_root}/collections/{REGIONAL_ID}/objects/"
    httpx.post(
        objects_url, content=orjson.dumps({"objects": [red]}), headers={**coordinator, "Content-Type": TAXII}
    )

    def sees(org: str) -> bool:
        response = httpx.get(f"{objects_url}{red['id']}/", headers=_headers(server, org))
        return response.status_code == 200

    assert sees("LaoCERT") and not sees("CamCERT")
    changed = httpx.patch(
        f"{base}/api/v1/groups/mekong", json={"add": ["CamCERT"], "remove": ["LaoCERT"]}, headers=coordinator
    )
    assert changed.json()["members"] == ["CamCERT", "ThaiCERT"]
    assert sees("CamCERT") and not sees("LaoCERT")

    # The group's marking definition is published for standard clients to resolve.
    defs = httpx.get(
        f"{base}/{server.settings.api_root}/collections/gotong-definitions/objects/{group['marking_id']}/",
        headers=_headers(server, "BruCERT"),
    )
    assert defs.status_code == 200 and defs.json()["objects"][0]["name"].endswith("mekong")


def test_only_coordinators_of_the_owner_may_change_a_group(server: RunningServer) -> None:
    base = server.url
    owner = _headers(server, "MyCERT", Role.ADMIN)
    httpx.post(f"{base}/api/v1/groups", json={"name": "g1", "members": ["MyCERT"]}, headers=owner)
    analyst = httpx.post(
        f"{base}/api/v1/groups", json={"name": "g2", "members": []}, headers=_headers(server, "MyCERT")
    )
    assert analyst.status_code == 403 and "coordinator" in analyst.json()["description"]
    other = httpx.patch(
        f"{base}/api/v1/groups/g1", json={"add": ["LaoCERT"]}, headers=_headers(server, "LaoCERT", Role.ADMIN)
    )
    assert other.status_code == 403 and "owns" in other.json()["description"]
    unknown_field = httpx.post(
        f"{base}/api/v1/groups", json={"name": "g3", "members": [], "colour": "red"}, headers=owner
    )
    assert unknown_field.status_code == 400 and "colour" in unknown_field.json()["description"]
    unauthenticated = httpx.get(f"{base}/api/v1/groups")
    assert unauthenticated.status_code == 401
