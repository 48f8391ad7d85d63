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


def test_who_is_in_a_named_recipients_group_is_known_only_to_those_it_trusts(server: RunningServer) -> None:
    """Issue 13 item 3: the members of a TLP:RED list are not shown to every member of the network."""
    base = server.url
    owner = _headers(server, "ThaiCERT", Role.COORDINATOR)
    for name, kind in (("th-lao-red", "named-recipients"), ("th-lao-community", "community")):
        made = httpx.post(
            f"{base}/api/v1/groups",
            json={"name": name, "members": ["ThaiCERT", "LaoCERT"], "kind": kind},
            headers=owner,
        )
        assert made.status_code == 201, made.text

    def seen_by(org: str, name: str) -> dict[str, object]:
        listed = httpx.get(f"{base}/api/v1/groups", headers=_headers(server, org)).json()
        one = httpx.get(f"{base}/api/v1/groups/{name}", headers=_headers(server, org)).json()
        [from_list] = [g for g in listed if g["name"] == name]
        assert from_list == one  # the list and the single read answer alike
        return dict(one)

    for org in ("ThaiCERT", "LaoCERT"):  # the owner and a member: the positive control
        group = seen_by(org, "th-lao-red")
        assert group["members"] == ["LaoCERT", "ThaiCERT"] and group["members_withheld"] is False
    outsider = seen_by("MyCERT", "th-lao-red")
    assert outsider["members"] == [] and outsider["members_withheld"] is True
    assert outsider["marking_id"]  # it may still address nobody but learn that the group exists
    community = seen_by("MyCERT", "th-lao-community")
    assert community["members"] == ["LaoCERT", "ThaiCERT"] and community["members_withheld"] is False


def test_receipts_of_a_collection_the_caller_may_not_open_are_not_found_as_a_missing_one(
    server: RunningServer,
) -> None:
    from gotong.db.engine import write_transaction
    from gotong.intel.collections import add_collection

    with write_transaction(server.engine) as conn:
        closed = add_collection(conn, title="ThaiCERT only", readers=["ThaiCERT"], writers=["ThaiCERT"]).id
    url = f"{server.url}/api/v1/receipts"
    mycert = _headers(server, "MyCERT")
    hidden = httpx.get(url, params={"collection": closed}, headers=mycert)
    missing = httpx.get(url, params={"collection": "no-such-collection"}, headers=mycert)
    own = httpx.get(url, params={"collection": closed}, headers=_headers(server, "ThaiCERT"))
    assert own.status_code == 200 and own.json() == []  # the positive control: its reader may ask
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["description"].replace(closed, "X") == missing.json()["description"].replace(
        "no-such-collection", "X"
    )
