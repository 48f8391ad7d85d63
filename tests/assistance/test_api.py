"""REST for assistance requests on a real node: the lifecycle with its clocks, a preservation's
required fields and its 60-day expiry and renewals, which party may do what, and who sees a request
over REST and TAXII."""

from __future__ import annotations

from typing import Any

from gotong.core.auth import Role
from gotong.stix.timestamps import micros_of
from tests.assistance.conftest import ASSISTANCE, PRESERVATION_FIELDS
from tests.conftest import RunningServer

HOUR = 3600 * 1_000_000
DAY = 24 * HOUR
TAXII = {"Accept": "application/taxii+json;version=2.1"}


def _at(request: dict[str, Any], event: str) -> int:
    return micros_of(next(h["at"] for h in request["history"] if h["event"] == event))


def test_a_request_is_sent_acknowledged_discussed_and_answered(api: Any) -> None:
    th, my = api("ThaiCERT"), api("MyCERT")
    sent = th.request(urgency="urgent")
    assert sent["id"].startswith("gotong-assistance-request--")
    assert (sent["status"], sent["requester"], sent["addressee"]) == ("sent", "ThaiCERT", "MyCERT")
    assert sent["legal_basis"] == "Cooperation between CERTs"  # the kind's default, from the data file
    assert [(h["event"], h["by"]) for h in sent["history"]] == [("drafted", "ThaiCERT"), ("sent", "ThaiCERT")]
    # data/assistance/kinds.toml: an urgent information request is acknowledged in 2 hours, answered in 24
    at = _at(sent, "sent")
    assert micros_of(sent["deadlines"]["acknowledge_by"]) == at + 2 * HOUR
    assert micros_of(sent["deadlines"]["answer_by"]) == at + 24 * HOUR
    assert sent["tlp"] == "amber+strict" and sent["audience"] == "assistance MyCERT+ThaiCERT"

    url = f"{ASSISTANCE}/{sent['id']}"
    assert my.ok("GET", url)["status"] == "sent"  # the addressee sees it at once
    my.ok("PATCH", url, json={"status": "acknowledged", "reason": "24/7 desk took it"})
    my.ok("PATCH", url, json={"status": "in-progress"})
    question = th.ok("POST", f"{url}/messages", 201, json={"text": "Any logs from before the 27th?"})
    reply = my.ok("POST", f"{url}/messages", 201, json={"text": "From the 20th on."})
    assert question["author"] == "ThaiCERT" and reply["author"] == "MyCERT"
    answered = my.ok("PATCH", url, json={"status": "answered", "reason": "the operator is named"})
    assert answered["status"] == "answered"
    assert [(h["event"], h["by"]) for h in answered["history"]] == [
        ("drafted", "ThaiCERT"),
        ("sent", "ThaiCERT"),
        ("acknowledged", "MyCERT"),
        ("in-progress", "MyCERT"),
        ("answered", "MyCERT"),
    ]
    assert answered["history"][2]["reason"] == "24/7 desk took it"
    assert [m["text"] for m in answered["messages"]] == [
        "Any logs from before the 27th?",
        "From the 20th on.",
    ]
    assert "cannot become refused" in my.refused("PATCH", url, 400, json={"status": "refused", "reason": "x"})

    mine = th.ok("GET", ASSISTANCE, params={"role": "requester", "status": "answered"})
    assert [r["id"] for r in mine] == [sent["id"]]
    assert th.ok("GET", ASSISTANCE, params={"role": "addressee", "status": "answered"}) == []
    assert [r["id"] for r in my.ok("GET", ASSISTANCE, params={"role": "addressee"})] == [sent["id"]]


def test_a_preservation_without_its_data_is_refused_naming_the_field(api: Any) -> None:
    th = api("ThaiCERT")
    without_c = {k: v for k, v in PRESERVATION_FIELDS.items() if k != "data_to_preserve"}
    body = {"addressee": "MyCERT", "kind": "preservation", "title": "Preserve", "fields": without_c}
    problem = th.refused("POST", ASSISTANCE, 400, json=body)
    assert "fields.data_to_preserve" in problem and "(c)" in problem, problem
    assert th.ok("GET", ASSISTANCE) == []  # nothing was stored
    unknown = th.refused("POST", ASSISTANCE, 400, json={**body, "fields": {**without_c, "colour": "red"}})
    assert "fields.colour" in unknown
    # positive control: with (c) it is sent
    assert th.preservation()["status"] == "sent"


def test_a_preservation_lasts_60_days_and_each_renewal_adds_60(api: Any) -> None:
    th, my = api("ThaiCERT"), api("MyCERT")
    sent = th.preservation(urgency="urgent", legal_basis="Budapest Convention art. 29; Thai CCA s. 26")
    assert sent["legal_basis"] == "Budapest Convention art. 29; Thai CCA s. 26"
    assert micros_of(sent["preserved_until"]) == _at(sent, "sent") + 60 * DAY
    url = f"{ASSISTANCE}/{sent['id']}"
    acked = my.ok("PATCH", url, json={"status": "acknowledged"})
    # the 60 days run from when the addressee took the request on
    assert micros_of(acked["preserved_until"]) == _at(acked, "acknowledged") + 60 * DAY
    renewed = th.ok("PATCH", url, json={"renew": True, "reason": "the art. 31 request is on its way"})
    assert micros_of(renewed["preserved_until"]) == micros_of(acked["preserved_until"]) + 60 * DAY
    again = th.ok("PATCH", url, json={"renew": True})
    assert micros_of(again["preserved_until"]) == micros_of(acked["preserved_until"]) + 120 * DAY
    assert [h["event"] for h in again["history"]][-2:] == ["renewed", "renewed"]
    assert "only the requesting" in my.refused("PATCH", url, 403, json={"renew": True})
    info = th.request()
    problem = th.refused("PATCH", f"{ASSISTANCE}/{info['id']}", 400, json={"renew": True})
    assert "only a sent preservation is renewed" in problem


def test_each_party_does_only_its_own_part(api: Any) -> None:
    th, my, lao = api("ThaiCERT"), api("MyCERT"), api("LaoCERT")
    sent = th.request()
    url = f"{ASSISTANCE}/{sent['id']}"
    assert "only the addressee" in th.refused("PATCH", url, 403, json={"status": "acknowledged"})
    assert "only the addressee" in th.refused("PATCH", url, 403, json={"status": "answered"})
    assert "only the requester" in my.refused("PATCH", url, 403, json={"status": "withdrawn"})
    assert "overdue check" in th.refused("PATCH", url, 403, json={"status": "expired"})
    assert "with a reason" in my.refused("PATCH", url, 400, json={"status": "refused"})
    # a third organisation cannot even find it, so cannot change it or write in its thread
    assert "no assistance request" in lao.refused("PATCH", url, 404, json={"status": "acknowledged"})
    assert "no assistance request" in lao.refused("POST", f"{url}/messages", 404, json={"text": "hi"})
    # read-only tokens change nothing, and are refused before anything is looked up
    ro = api("MyCERT", Role.READONLY)
    assert "readonly" in ro.refused("PATCH", url, 403, json={"status": "acknowledged"})
    assert "readonly" in ro.refused("POST", f"{url}/messages", 403, json={"text": "hi"})
    body = {"addressee": "MyCERT", "kind": "information", "title": "x", "fields": {"question": "?"}}
    assert "readonly" in api("ThaiCERT", Role.READONLY).refused("POST", ASSISTANCE, 403, json=body)
    assert ro.ok("GET", url)["status"] == "sent"  # but they read
    refused = my.ok("PATCH", url, json={"status": "refused", "reason": "outside our constituency"})
    assert refused["status"] == "refused" and refused["history"][-1]["reason"] == "outside our constituency"
    assert "has ended" in th.refused("PATCH", url, 400, json={"status": "withdrawn"})
    assert "to another organisation" in th.refused(
        "POST", ASSISTANCE, 400, json={**body, "addressee": "ThaiCERT"}
    )


def test_a_draft_is_the_requesters_until_sent_and_sending_checks_the_fields(api: Any) -> None:
    th, my = api("ThaiCERT"), api("MyCERT")
    draft = th.request(draft=True, fields={})
    assert draft["status"] == "draft" and draft["deadlines"] is None and draft["tlp"] == "red"
    url = f"{ASSISTANCE}/{draft['id']}"
    assert "no assistance request" in my.refused("GET", url, 404)
    assert "fields.question" in th.refused("PATCH", url, 400, json={"status": "sent"})
    th.ok("PATCH", url, json={"fields": {"question": "Who operates 198.51.100.23?"}})
    sent = th.ok("PATCH", url, json={"status": "sent"})
    assert sent["status"] == "sent" and sent["tlp"] == "amber+strict" and sent["deadlines"] is not None
    assert my.ok("GET", url)["fields"] == {"question": "Who operates 198.51.100.23?"}
    assert "can no longer be edited" in th.refused("PATCH", url, 400, json={"fields": {"question": "?"}})


def test_an_expedited_request_records_its_formal_confirmation(api: Any) -> None:
    th = api("ThaiCERT")
    by_phone = th.preservation(urgency="urgent", channel="expedited")
    url = f"{ASSISTANCE}/{by_phone['id']}"
    assert by_phone["confirmation"] is None
    confirmed = th.ok("PATCH", url, json={"confirmation": {"reference": "MFA note 0412/2026"}})
    assert confirmed["confirmation"]["reference"] == "MFA note 0412/2026"
    assert confirmed["history"][-1]["event"] == "confirmed"
    assert "already recorded" in th.refused("PATCH", url, 400, json={"confirmation": {"reference": "again"}})
    plain = th.request()
    problem = th.refused(
        "PATCH", f"{ASSISTANCE}/{plain['id']}", 400, json={"confirmation": {"reference": "r"}}
    )
    assert "expedited channel" in problem


def test_only_the_two_parties_see_a_request_over_rest_and_taxii(server: RunningServer, api: Any) -> None:
    th, my, lao = api("ThaiCERT"), api("MyCERT"), api("LaoCERT")
    sent = th.preservation()
    url = f"{ASSISTANCE}/{sent['id']}"
    note = my.ok("POST", f"{url}/messages", 201, json={"text": "Preserved under our order 12/2026"})
    assert "no assistance request" in lao.refused("GET", url, 404)
    assert lao.ok("GET", ASSISTANCE) == []
    assert [r["id"] for r in th.ok("GET", ASSISTANCE)] == [sent["id"]]  # positive control
    collection = sent["collection"]
    objects_url = f"{server.collection_url(collection)}objects/"
    wanted = {"match[id]": f"{sent['id']},{note['id']}"}
    for org, client in (("LaoCERT", lao), ("ThaiCERT", th), ("MyCERT", my)):
        got = client.ok("GET", objects_url, params=wanted, headers=TAXII)
        expected = set() if org == "LaoCERT" else {sent["id"], note["id"]}
        assert {o["id"] for o in got.get("objects", [])} == expected, org


def test_a_request_names_a_case_only_one_the_requester_sees(api: Any) -> None:
    th, lao = api("ThaiCERT"), api("LaoCERT")
    own = th.ok("POST", "/api/v1/cases", 201, json={"title": "C2", "collection": "asean-regional"})
    linked = th.request(case=own["id"])
    assert linked["case"] == own["id"]
    hidden = lao.ok(
        "POST", "/api/v1/cases", 201, json={"title": "secret", "collection": "asean-regional", "tlp": "red"}
    )
    problem = th.refused(
        "POST", ASSISTANCE, 400,
        json={"addressee": "MyCERT", "kind": "information", "title": "x", "fields": {"question": "?"},
              "case": hidden["id"]},
    )  # fmt: skip
    assert problem.startswith("case: no case") and "visible" in problem
