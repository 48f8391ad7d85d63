"""REST for cases on a real node: the lifecycle, refusals with clear messages, role rules, read-only
tokens, entries under stricter markings, and a case opened from a regional alert."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.db.engine import write_transaction
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.models import GroupKind
from gotong.sharing.service import add_group
from tests.conftest import RunningServer
from tests.helpers import REGIONAL_ID, indicator
from tests.incidents.conftest import CASES


def test_open_update_hand_over_and_close_a_case(api: Any) -> None:
    sg = api("SingCERT", Role.COORDINATOR)
    case = sg.open_case(
        severity=3,
        rsit="malicious-code/infected-system",
        sectors=["transport"],
        critical_infrastructure=True,
        participants=[{"org": "ThaiCERT", "role": "assisting"}, {"org": "MyCERT", "role": "informed"}],
    )
    assert case["id"].startswith("incident--") and case["status"] == "new" and case["lead"] == "SingCERT"
    assert case["severity_name"] == "High" and case["tlp"] == "amber" and case["pap"] == "amber"
    url = f"{CASES}/{case['id']}"
    opened = sg.ok("PATCH", url, json={"status": "open", "reason": "triaged"})
    assert [h["status"] for h in opened["status_history"]] == ["new", "open"]
    assert (
        opened["status_history"][1]["by"] == "SingCERT" and opened["status_history"][1]["reason"] == "triaged"
    )
    assert opened["modified"] > case["modified"]

    handed = sg.ok("PATCH", url, json={"lead": "ThaiCERT", "reason": "ThaiCERT holds the evidence"})
    assert handed["lead"] == "ThaiCERT"
    assert [(h["lead"], h["by"]) for h in handed["lead_history"]] == [
        ("SingCERT", "SingCERT"),
        ("ThaiCERT", "SingCERT"),
    ]
    assert {p["org"]: p["role"] for p in handed["participants"]} == {
        "MyCERT": "informed",
        "SingCERT": "assisting",
    }
    assert "only the lead" in sg.refused("PATCH", url, 403, json={"status": "resolved"})

    th = api("ThaiCERT", Role.COORDINATOR)
    th.ok("PATCH", url, json={"status": "resolved"})
    closed = th.ok("PATCH", url, json={"status": "closed", "reason": "final report sent"})
    assert closed["status"] == "closed"
    assert [h["status"] for h in closed["status_history"]] == ["new", "open", "resolved", "closed"]
    listed = api("LaoCERT").ok("GET", CASES, params={"status": "closed"})
    assert [c["id"] for c in listed] == [case["id"]]
    assert api("LaoCERT").ok("GET", CASES, params={"status": "open"}) == []


def test_cases_are_for_members_only(server: RunningServer, api: Any) -> None:
    case = api("SingCERT").open_case(tlp="clear")
    for path in (CASES, f"{CASES}/{case['id']}"):
        response = httpx.get(f"{server.url}{path}")
        assert response.status_code == 401, response.text
    assert api("LaoCERT").ok("GET", f"{CASES}/{case['id']}")["id"] == case["id"]  # positive control


def test_a_transition_the_data_does_not_allow_is_a_clear_400(api: Any) -> None:
    sg = api("SingCERT")
    case = sg.open_case()
    url = f"{CASES}/{case['id']}"
    message = sg.refused("PATCH", url, 400, json={"status": "closed"})
    assert message == "a case that is new cannot become closed; next: open, rejected"
    assert sg.ok("GET", url)["status"] == "new", "nothing changed"
    assert "status" in sg.refused("PATCH", url, 400, json={"status": "finished"})


def test_unknown_fields_and_bad_values_are_400s_that_name_them(api: Any) -> None:
    sg = api("SingCERT")
    assert "severty" in sg.refused(
        "POST", CASES, 400, json={"title": "x", "collection": "asean-regional", "severty": 2}
    )
    assert "severity" in sg.refused(
        "POST", CASES, 400, json={"title": "x", "collection": "asean-regional", "severity": 7}
    )
    assert "NIS2 sector" in sg.refused(
        "POST", CASES, 400, json={"title": "x", "collection": "asean-regional", "sectors": ["fishing"]}
    )
    assert "RSIT" in sg.refused(
        "POST", CASES, 400, json={"title": "x", "collection": "asean-regional", "rsit": "nope"}
    )
    assert "PAP" in sg.refused(
        "POST", CASES, 400, json={"title": "x", "collection": "asean-regional", "pap": "pink"}
    )
    case = sg.open_case()
    assert "colour" in sg.refused(
        "POST", f"{CASES}/{case['id']}/events", 400, json={"name": "x", "colour": 1}
    )
    assert sg.ok("GET", CASES) and len(sg.ok("GET", CASES)) == 1, "no refused request stored anything"


def test_national_severity_maps_onto_the_regional_scale(api: Any) -> None:
    case = api("SingCERT").open_case(national_severity={"level": "5", "scale": "nciss"})
    assert case["severity"] == 4 and case["severity_name"] == "Regional crisis"
    assert case["national_severity"] == {"level": "5", "scale": "nciss"}


def test_readonly_tokens_change_nothing(api: Any) -> None:
    sg = api("SingCERT", Role.COORDINATOR)
    case = sg.open_case(participants=[{"org": "ThaiCERT", "role": "assisting"}])
    url = f"{CASES}/{case['id']}"
    task = sg.ok(
        "POST", f"{url}/tasks", 201, json={"name": "Image the file server", "assigned_to": "SingCERT"}
    )
    reader = api("SingCERT", Role.READONLY)
    impact = {"name": "Port offline", "category": "availability", "details": {"availability_impact": 80}}
    attempts: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", CASES, {"title": "x", "collection": "asean-regional"}),
        ("PATCH", url, {"status": "open"}),
        ("PATCH", url, {"status": "rejected"}),
        ("PATCH", url, {"lead": "ThaiCERT"}),
        ("POST", f"{url}/events", {"name": "Beacon seen"}),
        ("POST", f"{url}/tasks", {"name": "Block C2", "assigned_to": "ThaiCERT"}),
        ("PATCH", f"{url}/tasks/{task['id']}", {"outcome": "successful"}),
        ("POST", f"{url}/impacts", impact),
        ("POST", f"{CASES}/from-alert/1", {}),
    ]
    for method, path, body in attempts:
        assert "read" in reader.refused(method, path, 403, json=body), (method, path)
    after = reader.ok("GET", url)  # positive control: the read-only token reads the case
    assert after["status"] == "new" and after["lead"] == "SingCERT" and len(after["tasks"]) == 1
    assert (
        after["tasks"][0]["object"]["outcome"] == "pending" and not after["events"] and not after["impacts"]
    )
    assert len(reader.ok("GET", CASES)) == 1


def test_role_rules_for_entries_tasks_and_closing(api: Any) -> None:
    sg = api("SingCERT")
    case = sg.open_case(
        participants=[{"org": "ThaiCERT", "role": "assisting"}, {"org": "MyCERT", "role": "informed"}]
    )
    url = f"{CASES}/{case['id']}"
    th, my, lao = api("ThaiCERT"), api("MyCERT"), api("LaoCERT")
    event = th.ok("POST", f"{url}/events", 201, json={"name": "C2 beacon seen", "kind": "observed"})
    assert event["object"]["type"] == "event" and event["object"]["event_types"] == ["observed"]
    assert "informed" in my.refused("POST", f"{url}/events", 403, json={"name": "x"})
    assert "participants" in lao.refused("POST", f"{url}/events", 403, json={"name": "x"})
    task = sg.ok(
        "POST",
        f"{url}/tasks",
        201,
        json={"name": "Block C2", "assigned_to": "ThaiCERT", "due": "2026-12-03T00:00:00Z"},
    )
    assert task["object"]["outcome"] == "pending"
    assert "assigned" in my.refused("PATCH", f"{url}/tasks/{task['id']}", 403, json={"outcome": "successful"})
    done = th.ok(
        "PATCH", f"{url}/tasks/{task['id']}", json={"outcome": "successful", "note": "blocked at border"}
    )
    assert done["object"]["outcome"] == "successful"
    impact = th.ok(
        "POST", f"{url}/impacts", 201,
        json={"name": "Port offline", "category": "availability", "details": {"availability_impact": 80}},
    )  # fmt: skip
    assert impact["object"]["extensions"]["availability"] == {"availability_impact": 80}
    assert "availability_impact" in th.refused(
        "POST",
        f"{url}/impacts",
        400,
        json={"name": "x", "category": "availability", "details": {"availability_impact": 101}},
    )
    shown = sg.ok("GET", url)
    assert [e["id"] for e in shown["events"]] == [event["id"]]
    assert [(t["id"], t["object"]["outcome"]) for t in shown["tasks"]] == [(task["id"], "successful")]
    assert [i["id"] for i in shown["impacts"]] == [impact["id"]]
    sg.ok("PATCH", url, json={"status": "open"})
    sg.ok("PATCH", url, json={"status": "resolved"})
    assert "coordinator" in sg.refused("PATCH", url, 403, json={"status": "closed"})
    assert api("SingCERT", Role.COORDINATOR).ok("PATCH", url, json={"status": "closed"})["status"] == "closed"


def test_an_entry_marked_more_strictly_is_seen_only_by_its_audience(server: RunningServer, api: Any) -> None:
    with write_transaction(server.engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    sg = api("SingCERT")
    case = sg.open_case(tlp="green", participants=[{"org": "ThaiCERT", "role": "assisting"}])
    url = f"{CASES}/{case['id']}"
    open_event = sg.ok("POST", f"{url}/events", 201, json={"name": "Ransom note found"})
    secret = sg.ok(
        "POST", f"{url}/events", 201,
        json={"name": "Negotiator contacted", "tlp": "amber+strict", "sharing_group": "port-responders"},
    )  # fmt: skip
    assert open_event["tlp"] == "green" and secret["tlp"] == "amber+strict"
    outsider = api("MyCERT").ok("GET", url)  # positive control: the outsider sees the case and the open entry
    assert outsider["id"] == case["id"]
    assert [e["id"] for e in outsider["events"]] == [open_event["id"]]
    assert [e["id"] for e in api("ThaiCERT").ok("GET", url)["events"]] == [open_event["id"], secret["id"]]
    assert "port-responders" not in str(outsider) and secret["id"] not in str(outsider)
    taxii = {"Accept": "application/taxii+json;version=2.1"}  # the same over TAXII
    objects_url = f"{server.collection_url(REGIONAL_ID)}objects/"
    wanted = {"match[id]": ",".join([case["id"], open_event["id"], secret["id"]])}
    for org, expected in (
        ("MyCERT", {case["id"], open_event["id"]}),
        ("ThaiCERT", set(wanted["match[id]"].split(","))),
    ):
        got = api(org).ok("GET", objects_url, params=wanted, headers=taxii)
        assert {o["id"] for o in got["objects"]} == expected, org


def _post_as(engine: Engine, org: str, objects: list[dict[str, Any]]) -> None:
    with engine.connect() as conn:
        who = get_org(conn, short_name=org)
    report = add_objects(
        engine, principal=Principal(org_id=who.id, org_short=org), collection_id=REGIONAL_ID, objects=objects
    )
    assert not report.failures


def test_an_alert_becomes_a_case_in_one_action(server: RunningServer, api: Any) -> None:
    first, second = indicator(), indicator()
    for obj in (first, second):
        obj["pattern"] = "[ipv4-addr:value = '198.51.100.77']"
    _post_as(server.engine, "ThaiCERT", [first])
    _post_as(server.engine, "MyCERT", [second])
    lao = api("LaoCERT")
    alerts = lao.ok("GET", "/api/v1/alerts")
    assert len(alerts) == 1
    case = lao.ok("POST", f"{CASES}/from-alert/{alerts[0]['id']}", 201)
    assert case["lead"] == "LaoCERT" and "198.51.100.77" in case["title"]
    assert sorted(case["related_refs"]) == sorted([first["id"], second["id"]])
    assert "no alert 999" in lao.refused("POST", f"{CASES}/from-alert/999", 404)


def test_an_entry_never_reaches_further_than_its_case(server: RunningServer, api: Any) -> None:
    with write_transaction(server.engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    sg = api("SingCERT")
    case = sg.open_case(tlp="green", sharing_group="port-responders")
    url = f"{CASES}/{case['id']}"
    message = sg.refused("POST", f"{url}/events", 400, json={"name": "x", "tlp": "clear"})
    assert message == "an entry may not be marked less strictly (TLP:CLEAR) than its case (TLP:GREEN)"
    stricter = sg.ok(
        "POST", f"{url}/events", 201, json={"name": "Negotiator contacted", "tlp": "amber+strict"}
    )
    assert len(stricter["object"]["object_marking_refs"]) == 2, "the case's group stays the audience"
    assert [e["id"] for e in api("ThaiCERT").ok("GET", url)["events"]] == [stricter["id"]]
    assert "no case" in api("MyCERT").refused("GET", url, 404), "outside the group: neither case nor entry"
    taxii = {"Accept": "application/taxii+json;version=2.1"}
    objects_url = f"{server.collection_url(REGIONAL_ID)}objects/"
    for org, sees in (("ThaiCERT", True), ("MyCERT", False)):
        got = api(org).ok("GET", objects_url, params={"match[id]": stricter["id"]}, headers=taxii)
        assert [o["id"] for o in got.get("objects", [])] == ([stricter["id"]] if sees else []), org


def test_an_entry_may_not_name_a_group_that_reaches_beyond_its_case(server: RunningServer, api: Any) -> None:
    """Regression (found by tests/incidents/test_case_properties.py): an entry of a case addressed to
    {SingCERT, ThaiCERT} that named the group {SingCERT, MyCERT} reached MyCERT over TAXII, name and
    case_ref included, though MyCERT may not see the case. Such an entry is now refused."""
    with write_transaction(server.engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
        add_group(conn, name="strait-watch", members=["SingCERT", "MyCERT"], owner="SingCERT")
        add_group(
            conn, name="port-inner", members=["SingCERT"], kind=GroupKind.NAMED_RECIPIENTS, owner="SingCERT"
        )
    sg = api("SingCERT")
    taxii = {"Accept": "application/taxii+json;version=2.1"}
    objects_url = f"{server.collection_url(REGIONAL_ID)}objects/"
    for tlp, group in (("amber+strict", "port-responders"), ("red", None)):
        case = sg.open_case(tlp=tlp, sharing_group=group)
        url = f"{CASES}/{case['id']}"
        for other in ("strait-watch", "port-inner"):
            body = {"name": "Hosting provider named", "tlp": "red", "sharing_group": other}
            message = sg.refused("POST", f"{url}/events", 400, json=body)
            assert message.startswith("sharing_group: an entry may not name another group than its case's")
        listed = api("MyCERT").ok("GET", objects_url, params={"match[type]": "event"}, headers=taxii)
        assert not any(o.get("name") == "Hosting provider named" for o in listed.get("objects", []))
        # Positive control: the case's own group (or none) is accepted.
        kept = sg.ok("POST", f"{url}/events", 201, json={"name": "Kept within the case", "tlp": "red"})
        assert kept["tlp"] == "red"
    # A case for the whole community leaves its entries free to name any group, which MyCERT then sees.
    open_case = sg.open_case(tlp="green")
    narrowed = sg.ok(
        "POST", f"{CASES}/{open_case['id']}/events", 201,
        json={"name": "For the strait", "tlp": "amber+strict", "sharing_group": "strait-watch"},
    )  # fmt: skip
    seen = api("MyCERT").ok("GET", f"{CASES}/{open_case['id']}")
    assert [e["id"] for e in seen["events"]] == [narrowed["id"]]
    assert not api("ThaiCERT").ok("GET", f"{CASES}/{open_case['id']}")["events"]


def test_without_a_token_every_change_is_401_before_any_lookup(server: RunningServer, api: Any) -> None:
    case = api("SingCERT").open_case()
    url = f"{CASES}/{case['id']}"
    for method, path, body in (
        ("POST", CASES, {"title": "x", "collection": "asean-regional"}),
        ("PATCH", url, {"status": "open"}),
        ("POST", f"{url}/events", {"name": "x"}),
        ("POST", f"{url}/tasks", {"name": "x", "assigned_to": "ThaiCERT"}),
        ("PATCH", f"{url}/tasks/task--00000000-0000-4000-8000-000000000000", {"outcome": "failed"}),
        ("POST", f"{url}/impacts", {"name": "x", "category": "external", "details": {"impact_type": "x"}}),
        ("POST", f"{CASES}/from-alert/1", {}),
    ):
        response = httpx.request(method, f"{server.url}{path}", json=body)
        assert response.status_code == 401, (method, path, response.text)


def test_the_clocks_resource_shows_each_party_and_an_acknowledgement_meets_its_clock(
    api: Any, server: RunningServer
) -> None:
    with write_transaction(server.engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    sg, th, vn = api("SingCERT"), api("ThaiCERT"), api("VNCERT")
    case = sg.open_case(
        severity=3,
        tlp="amber+strict",
        sharing_group="port-responders",
        participants=[{"org": "ThaiCERT", "role": "affected"}],
    )
    clocks = th.ok("GET", f"{CASES}/{case['id']}/clocks")
    ack = next(c for c in clocks if c["party"] == "ThaiCERT" and c["clock"] == "acknowledge")
    assert ack["state"] == "running" and ack["role"] == "affected" and ack["hours"] == 2
    assert 0 < ack["remaining_seconds"] <= 7200 and not ack["business_hours"]
    assert {c["party"] for c in clocks} == {"SingCERT", "ThaiCERT"}
    entry = th.ok("POST", f"{CASES}/{case['id']}/acknowledge", 201, json={"note": "duty desk has it"})
    assert entry["name"] == "Acknowledged by ThaiCERT" and entry["tlp"] == "amber+strict"
    after = sg.ok("GET", f"{CASES}/{case['id']}/clocks")
    ack = next(c for c in after if c["party"] == "ThaiCERT" and c["clock"] == "acknowledge")
    assert ack["state"] == "met" and ack["met"] == entry["created"]
    assert "no case" in vn.refused("GET", f"{CASES}/{case['id']}/clocks", 404)  # not in the group
    assert "no case" in vn.refused("POST", f"{CASES}/{case['id']}/acknowledge", 404)
    vn.ok("GET", f"{CASES}/{case['id']}/clocks".replace(case["id"], vn.open_case()["id"]))  # control
