"""The directory: per-field visibility on every path, who may edit, and what the data files validate."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

from gotong import contacts
from gotong.contacts.catalogue import first_services
from gotong.core.auth import Role
from tests.conftest import RunningServer
from tests.contacts.conftest import HUB, Api, make_key, needs_gpg

GALAXY = Path(__file__).parents[2] / "../shared/data/misp-galaxy/clusters/first-csirt-services-framework.json"

DESK = {
    "role": "duty-desk",
    "name": "ThaiCERT duty desk",
    "email": "desk@thaicert.example",
    "phone": "+66 2 123 4567",
    "webhook_url": "https://hooks.thaicert.example/gotong",
    "timezone": "Asia/Bangkok",
    "services": ["Information security incident coordination", "Vulnerability coordination"],
    "asns": [4621],
    "networks": ["203.0.113.0/24"],
    "domains": ["thaicert.or.th"],
    "visibility": {"phone": "hub", "email": "members", "asns": "public"},
}


def test_each_reader_sees_the_fields_its_visibility_allows(
    server: RunningServer, api: Callable[..., Api]
) -> None:
    made = api("ThaiCERT").ok("POST", "/api/v1/contacts", 201, json=DESK)
    path = f"/api/v1/contacts/{made['id']}"

    # The owner sees everything, its secret too.
    assert made["phone"] == DESK["phone"] and made["webhook_url"] and made["webhook_secret"]
    assert made["hidden"] == []

    # Another member: members and public fields, not the hub-only phone or webhook URL.
    member = api("MyCERT", Role.READONLY).ok("GET", path)
    assert member["email"] == DESK["email"] and member["name"] == DESK["name"]
    assert member["phone"] is None and member["webhook_url"] is None and member["webhook_secret"] is None
    assert set(member["hidden"]) == {"phone", "webhook_url"}

    # The hub: every field.
    hub = api(HUB, Role.READONLY).ok("GET", path)
    assert hub["phone"] == DESK["phone"] and hub["webhook_url"] == DESK["webhook_url"] and hub["hidden"] == []

    # Nobody signed in: public fields only (the service's public view; REST asks for a token).
    (public,) = [c for c in contacts.public_directory(server.engine, org="ThaiCERT") if c.id == made["id"]]
    assert public.name == DESK["name"] and public.asns == [4621] and public.timezone == "Asia/Bangkok"
    assert public.email is None and public.phone is None and public.webhook_url is None
    assert {"email", "phone", "webhook_url", "pgp_key", "chat", "alternates"} <= set(public.hidden)

    # A list shows each contact with the same view as a read.
    (listed,) = [
        c for c in api("MyCERT", Role.READONLY).ok("GET", "/api/v1/contacts") if c["id"] == made["id"]
    ]
    assert listed == member


def test_only_the_owners_coordinators_and_the_hub_edit(api: Callable[..., Api]) -> None:
    made = api("ThaiCERT").ok("POST", "/api/v1/contacts", 201, json=DESK)
    path = f"/api/v1/contacts/{made['id']}"
    change = {"out_of_hours": "Call the duty phone; the on-call handler answers within 15 minutes."}
    assert "coordinator" in api("ThaiCERT", Role.ANALYST).refused("PATCH", path, 403, json=change)
    assert "own coordinators" in api("MyCERT").refused("PATCH", path, 403, json=change)
    assert "own coordinators" in api("MyCERT").refused(
        "POST", "/api/v1/contacts", 403, json={**DESK, "org": "ThaiCERT"}
    )
    changed = api(HUB).ok("PATCH", path, json={**change, "visibility": {"out_of_hours": "public"}})
    assert (
        changed["out_of_hours"] == change["out_of_hours"]
        and changed["visibility"]["out_of_hours"] == "public"
    )
    mine = api("ThaiCERT").ok("PATCH", path, json={"phone": "+66 2 765 4321"})
    assert mine["phone"] == "+66 2 765 4321" and mine["out_of_hours"] == change["out_of_hours"]


def test_the_list_is_filtered_by_role_and_an_unknown_role_is_refused(api: Callable[..., Api]) -> None:
    made = api("ThaiCERT").ok("POST", "/api/v1/contacts", 201, json=DESK)
    press = api("ThaiCERT").ok(
        "POST", "/api/v1/contacts", 201, json={"role": "press", "name": "Press office"}
    )
    reader = api("MyCERT", Role.READONLY)
    desks = reader.ok("GET", "/api/v1/contacts", params={"org": "ThaiCERT", "role": "duty-desk"})
    assert [c["id"] for c in desks] == [made["id"]]
    every = reader.ok("GET", "/api/v1/contacts", params={"org": "ThaiCERT"})  # positive control
    assert {c["id"] for c in every} == {made["id"], press["id"]}
    assert "unknown role 'night-shift'" in reader.refused(
        "GET", "/api/v1/contacts", 400, params={"role": "night-shift"}
    )


def test_bad_fields_are_refused_naming_them(api: Callable[..., Api]) -> None:
    thai = api("ThaiCERT")
    for field, value, said in (
        ("services", ["Hacking back"], "FIRST CSIRT Services Framework: Hacking back"),
        ("timezone", "Asia/Atlantis", "not a known time zone"),
        ("networks", ["203.0.113.0/33"], "not an IP network"),
        ("role", "janitor", "unknown role 'janitor'"),
        ("alternates", [999_999], "alternates: 999999 is not a contact of the same organisation"),
    ):
        problem = thai.refused("POST", "/api/v1/contacts", 400, json={**DESK, field: value})
        assert said in problem and (field in problem), problem
    other = api("MyCERT").ok("POST", "/api/v1/contacts", 201, json={"role": "press", "name": "MyCERT press"})
    problem = thai.refused("POST", "/api/v1/contacts", 400, json={**DESK, "alternates": [other["id"]]})
    assert "not a contact of the same organisation" in problem


@needs_gpg
def test_a_contact_key_is_shown_with_its_facts_and_an_expired_one_flagged(api: Callable[..., Api]) -> None:
    expired = make_key("ed25519", expire="1d", faked_time="20200101T000000")
    made = api("ThaiCERT").ok("POST", "/api/v1/contacts", 201, json={**DESK, "pgp_key": expired})
    assert made["key"]["expired"] is True and made["key"]["expires_at"] == "2020-01-02T00:00:00Z"
    record = api("MyCERT", Role.READONLY).ok("GET", "/api/v1/reachability", params={"org": "ThaiCERT"})[0]
    (mine,) = [c for c in record["contacts"] if c["contact_id"] == made["id"]]
    assert mine["key_expired"] is True and mine["key_expires_at"] == "2020-01-02T00:00:00Z"
    sound = api("ThaiCERT").ok(
        "PATCH", f"/api/v1/contacts/{made['id']}", json={"pgp_key": make_key("ed25519")}
    )
    assert sound["key"]["expired"] is False and sound["key"]["weak"] is None
    problem = api("ThaiCERT").refused("POST", "/api/v1/contacts", 400, json={**DESK, "pgp_key": "not a key"})
    assert "pgp_key" in problem


def test_the_shipped_service_names_are_the_galaxys() -> None:
    """data/contacts/first-services.txt is what scripts/first_services.py makes from the shared galaxy."""
    spec = importlib.util.spec_from_file_location(
        "first_services", Path(__file__).parents[2] / "scripts/first_services.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    names = script.names
    assert json.loads(GALAXY.read_text())["type"] == "first-csirt-services-framework"
    assert sorted(first_services()) == names(GALAXY)
    assert len(first_services()) == 21 and "Vulnerability coordination" in first_services()
