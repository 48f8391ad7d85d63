"""The case and assistance forms over HTTP (httpx against a real demo node): every form needs the
session's CSRF token, a refusal by the domain is shown next to the field it names, and a read-only
user is refused by the domain verbs (the pages only leave the forms out)."""

from __future__ import annotations

import re

import httpx

from gotong.core.auth import Role
from gotong.db.engine import write_transaction
from gotong.orgs.passwords import set_password
from gotong.orgs.service import add_user
from tests.conftest import RunningServer
from tests.web.test_sessions import PASSWORD, _csrf, _signed_in

CASE = {
    "title": "Defaced ministry sites",
    "collection": "asean-regional",
    "tlp": "amber",
    "pap": "amber",
    "severity": "1",
}
PRESERVATION = {
    "kind": "preservation",
    "addressee": "VNCERT",
    "title": "Preserve the defacer's logs",
    "urgency": "urgent",
    "tlp": "amber+strict",
    "field-requesting_authority": "ThaiCERT for the Royal Thai Police",
    "field-offence": "Defacement of ministry sites",
    "field-data_to_preserve": "Access logs of 203.0.113.9",
    "field-custodian": "A hosting provider in Hanoi",
    "field-necessity": "Logs are rotated weekly",
    "field-mutual_assistance_intent": "A disclosure request follows",
}


def _case(client: httpx.Client) -> str:
    made = client.post("/cases/new", data={**CASE, "csrf": _csrf(client, "/cases/new")})
    assert made.status_code == 303, made.text
    found = re.match(r"/cases/(incident--[0-9a-f-]+)\?done=opened$", made.headers["location"])
    assert found is not None
    return found.group(1)


def _request(client: httpx.Client) -> str:
    made = client.post("/assistance/new", data={**PRESERVATION, "csrf": _csrf(client, "/cases")})
    assert made.status_code == 303, made.text
    return made.headers["location"].split("?")[0].removeprefix("/assistance/")


def test_every_case_and_assistance_form_needs_the_csrf_token(node: RunningServer) -> None:
    with _signed_in(node) as client:
        case_id = _case(client)  # positive control: with the token the form is accepted
        request_id = _request(client)
        posts = {
            "/cases/new": CASE,
            f"/cases/{case_id}/status": {"status": "open"},
            f"/cases/{case_id}/events": {"event-name": "Seen defaced", "event-kind": "observed"},
            f"/cases/{case_id}/tasks": {"task-name": "Restore", "task-assigned_to": "ThaiCERT"},
            f"/cases/{case_id}/participants": {"participant-org": "VNCERT", "participant-role": "assisting"},
            f"/cases/{case_id}/severity": {"severity-severity": "3", "severity-reason": "spreading"},
            f"/cases/{case_id}/lead": {"lead-lead": "VNCERT", "lead-reason": "theirs now"},
            f"/cases/{case_id}/impacts": {
                "impact-name": "Portal down",
                "impact-category": "availability",
                "impact-measure": "80",
            },
            "/assistance/new": PRESERVATION,
            f"/assistance/{request_id}/status": {"status": "withdrawn", "reason": "no longer needed"},
            f"/assistance/{request_id}/messages": {"text": "hello"},
        }
        for path, data in posts.items():
            for token in ({}, {"csrf": "guessed"}):
                refused = client.post(path, data={**data, **token})
                assert refused.status_code == 403 and "form had expired" in refused.text, path
        case = client.get(f"/cases/{case_id}").text
        assert "Seen defaced" not in case and "Restore" not in case
        assert (
            "VNCERT" not in case.split('id="parties"')[1].split("</table>")[0] and "Portal down" not in case
        )
        assert client.get("/cases").text.count("Defaced ministry sites") == 1
        page = client.get(f"/assistance/{request_id}").text
        assert "hello" not in page and "withdrawn" not in page.split('id="history"')[1].split("</table>")[0]


def test_a_refusal_of_the_domain_is_shown_next_to_its_field(node: RunningServer) -> None:
    with _signed_in(node) as client:
        token = _csrf(client, "/cases/new")
        bad_tlp = client.post("/cases/new", data={**CASE, "tlp": "purple", "csrf": token})
        assert bad_tlp.status_code == 400
        assert 'id="tlp-error"' in bad_tlp.text and "purple" in bad_tlp.text
        nobody = client.post("/cases/new", data={**CASE, "participants": "NoSuchCERT", "csrf": token})
        assert nobody.status_code == 400 and "NoSuchCERT" in nobody.text
        case_id = _case(client)
        # A transition the data files do not allow: the domain's words, next to the status field.
        wrong = client.post(f"/cases/{case_id}/status", data={"status": "closed", "csrf": token})
        assert wrong.status_code == 400 and 'id="status-error"' in wrong.text
        assert "cannot become closed" in wrong.text
        ok = client.post(f"/cases/{case_id}/status", data={"status": "open", "csrf": token})  # control
        assert ok.status_code == 303
        filtered = client.get("/cases?min_severity=9")
        assert filtered.status_code == 400 and "Severity at least" in filtered.text
        request_id = _request(client)
        # Only the addressee refuses: the requester's try is the domain's 403 page, naming the party.
        not_theirs = client.post(
            f"/assistance/{request_id}/status", data={"status": "refused", "reason": "x", "csrf": token}
        )
        assert not_theirs.status_code == 403 and "addressee" in not_theirs.text
        unknown = client.get("/assistance/new?kind=no-such-kind")
        assert unknown.status_code == 400 and "Choose one of the kinds" in unknown.text
        nobody = client.post(
            "/assistance/new", data={**PRESERVATION, "addressee": "NoSuchCERT", "csrf": token}
        )
        assert nobody.status_code == 400 and 'id="addressee-error"' in nobody.text


def test_the_addressee_refuses_only_with_a_reason(node: RunningServer) -> None:
    with _signed_in(node) as client:
        request_id = _request(client)
    with httpx.Client(base_url=node.url) as vn:
        vn.post("/login", data={"csrf": _csrf(vn), "email": "admin@vncert.example", "password": PASSWORD})
        token = _csrf(vn, f"/assistance/{request_id}")
        path = f"/assistance/{request_id}/status"
        no_reason = vn.post(path, data={"status": "refused", "csrf": token})
        assert no_reason.status_code == 400 and 'id="reason-error"' in no_reason.text
        assert "only with a reason" in no_reason.text
        refused = vn.post(path, data={"status": "refused", "reason": "Outside our law", "csrf": token})
        assert refused.status_code == 303  # positive control
        assert "Outside our law" in vn.get(f"/assistance/{request_id}").text


def test_a_readonly_user_sees_the_pages_and_is_refused_by_the_verbs(node: RunningServer) -> None:
    with _signed_in(node) as owner:
        case_id = _case(owner)
    with write_transaction(node.engine) as conn:
        add_user(conn, email="reader@thaicert.example", org="ThaiCERT", role=Role.READONLY)
        set_password(conn, email="reader@thaicert.example", password="a reader's own password")
    with httpx.Client(base_url=node.url) as client:
        client.post(
            "/login",
            data={
                "csrf": _csrf(client),
                "email": "reader@thaicert.example",
                "password": "a reader's own password",
            },
        )
        listing = client.get("/cases").text
        assert 'href="/cases"' in listing and 'href="/assistance"' in listing  # positive control
        assert "Defaced ministry sites" in listing
        assert 'href="/cases/new"' not in listing and 'href="/assistance/new"' not in listing
        assert "Change the status" not in client.get(f"/cases/{case_id}").text
        token = _csrf(client, "/cases")
        assert client.post("/cases/new", data={**CASE, "csrf": token}).status_code == 403
        assert (
            client.post(f"/cases/{case_id}/status", data={"status": "open", "csrf": token}).status_code == 403
        )
        assert client.post("/assistance/new", data={**PRESERVATION, "csrf": token}).status_code == 403


def test_the_demo_shows_a_case_and_a_request_once(node: RunningServer) -> None:
    from gotong.demo import DEMO_CASE, DEMO_REQUEST, load_demo

    assert "demo case" not in load_demo(node.engine)  # a second load adds none
    with _signed_in(node) as client:
        assert client.get("/cases").text.count(DEMO_CASE) == 1
        assert client.get("/assistance").text.count(DEMO_REQUEST) == 1
    with httpx.Client(base_url=node.url) as vn:
        vn.post("/login", data={"csrf": _csrf(vn), "email": "admin@vncert.example", "password": PASSWORD})
        assert DEMO_REQUEST in vn.get("/assistance?role=addressee").text
        assert DEMO_REQUEST not in vn.get("/assistance?role=requester").text


def _section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"')[1].split("<h2")[0]


def _parties(page: str) -> str:
    """The table of the case's organisations (not the forms' hints below it)."""
    return _section(page, "parties").split("</table>")[0]


def test_the_case_page_changes_participants_severity_lead_tasks_and_impacts(node: RunningServer) -> None:
    with _signed_in(node) as client:
        case_id = _case(client)
        url = f"/cases/{case_id}"
        token = _csrf(client, url)

        def post(path: str, **data: str) -> httpx.Response:
            return client.post(f"{url}/{path}", data={**data, "csrf": token})

        assert "VNCERT" not in _parties(client.get(url).text)  # positive control below
        assert (
            post("participants", **{"participant-org": "VNCERT", "participant-role": "assisting"}).status_code
            == 303
        )
        assert "VNCERT</td><td>assisting" in _parties(client.get(url).text)
        # The same organisation again gets the new role, not a second row.
        assert (
            post("participants", **{"participant-org": "vncert", "participant-role": "informed"}).status_code
            == 303
        )
        parties = _parties(client.get(url).text)
        assert parties.count("VNCERT</td>") == 1 and "VNCERT</td><td>informed" in parties
        nobody = post("participants", **{"participant-org": "NoSuchCERT", "participant-role": "assisting"})
        assert (
            nobody.status_code == 400
            and "NoSuchCERT" in nobody.text
            and 'id="participant-org-error"' in nobody.text
        )
        assert post("participants/remove", org="VNCERT").status_code == 303
        assert "VNCERT" not in _parties(client.get(url).text)
        not_there = post("participants/remove", org="VNCERT")
        assert not_there.status_code == 400 and "does not take part" in not_there.text

        assert (
            post("severity", **{"severity-severity": "3", "severity-reason": "a second ministry"}).status_code
            == 303
        )
        assert "<dt>Severity</dt><dd>3:" in client.get(url).text
        bad = post("severity", **{"severity-severity": "9"})
        assert bad.status_code == 400 and 'id="severity-severity-error"' in bad.text

        assert (
            post("tasks", **{"task-name": "Restore the sites", "task-assigned_to": "ThaiCERT"}).status_code
            == 303
        )
        page = client.get(url).text
        task_id = re.search(rf"{url}/tasks/(task--[0-9a-f-]+)/outcome", page)
        assert task_id is not None and '<span class="outcome">pending</span>' in page
        done = post(
            f"tasks/{task_id.group(1)}/outcome",
            **{"outcome-outcome": "successful", "outcome-note": "restored"},
        )
        assert done.status_code == 303
        assert '<span class="outcome">successful</span>' in _section(client.get(url).text, "tasks")
        wrong = post(f"tasks/{task_id.group(1)}/outcome", **{"outcome-outcome": "finished"})
        assert (
            wrong.status_code == 400
            and 'id="outcome-outcome-error"' not in wrong.text
            and "outcome" in wrong.text
        )

        words = post(
            "impacts",
            **{"impact-name": "Portal down", "impact-category": "availability", "impact-measure": "lots"},
        )
        assert (
            words.status_code == 400
            and "whole number" in words.text
            and 'id="impact-measure-error"' in words.text
        )
        over = post(
            "impacts",
            **{"impact-name": "Portal down", "impact-category": "availability", "impact-measure": "180"},
        )
        assert over.status_code == 400 and 'id="impact-measure-error"' in over.text
        assert "Portal down" not in _section(client.get(url).text, "impacts")
        made = post(
            "impacts",
            **{
                "impact-name": "Portal down",
                "impact-category": "availability",
                "impact-measure": "80",
                "impact-criticality": "70",
            },
        )
        assert made.status_code == 303
        assert "Portal down</strong> (availability, criticality 70)" in _section(
            client.get(url).text, "impacts"
        )
        leak = post(
            "impacts",
            **{"impact-name": "Records", "impact-category": "confidentiality", "impact-measure": "stolen"},
        )
        assert leak.status_code == 400 and "confirmed-loss" in leak.text  # the allowed values are named

        assert (
            post("lead", **{"lead-lead": "VNCERT", "lead-reason": "the servers are in Viet Nam"}).status_code
            == 303
        )
        assert "<dt>Lead</dt><dd>VNCERT</dd>" in client.get(url).text
        empty = post("lead", **{"lead-lead": ""})
        assert empty.status_code == 400 and 'id="lead-lead-error"' in empty.text


def test_an_alert_becomes_a_case_in_one_action(node: RunningServer) -> None:
    with _signed_in(node) as client:
        alerts = client.get("/alerts").text
        found = re.search(r'action="/alerts/(\d+)/case"', alerts)
        assert found is not None, "the demo has a regional alert with the button"
        value = re.search(r'id="alert-' + found.group(1) + r'-title"><a href="[^"]+">([^<]+)<', alerts)
        assert value is not None
        made = client.post(f"/alerts/{found.group(1)}/case", data={"csrf": _csrf(client, "/alerts")})
        assert made.status_code == 303 and made.headers["location"].endswith("?done=from-alert")
        case = client.get(made.headers["location"]).text
        assert f"Regional alert {found.group(1)}" in case and value.group(1) in case
        missing = client.post("/alerts/999999/case", data={"csrf": _csrf(client, "/alerts")})
        assert missing.status_code == 404
