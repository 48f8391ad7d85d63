"""The subscribers of the scheduled posture reports, managed on /reports over HTTP (httpx against a
real demo node): an administrator adds and removes addresses, a bad or repeated address is named
next to the field, an analyst has no such section and is refused by the verbs, and no organisation
touches another's list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from gotong import reports
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.demo import DEMO_PASSWORD, demo_email
from gotong.orgs.service import get_org
from tests.conftest import RunningServer
from tests.web.conftest import ANALYST_PASSWORD, MY_ANALYST
from tests.web.test_sessions import _csrf


@contextmanager
def _client(node: RunningServer, email: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=node.url) as client:
        signed = client.post("/login", data={"csrf": _csrf(client), "email": email, "password": password})
        assert signed.status_code == 303, signed.text
        yield client


def _coordinator(node: RunningServer, org: str) -> Principal:
    with read_connection(node.engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org, role=Role.COORDINATOR)


def _section(page: str) -> str:
    return page.split('id="subscribers"')[1] if 'id="subscribers"' in page else ""


def test_an_administrator_adds_and_removes_the_addresses_of_its_reports(node: RunningServer) -> None:
    with _client(node, demo_email("ThaiCERT"), DEMO_PASSWORD) as thai:
        token = _csrf(thai, "/reports")
        assert "Nobody receives them yet." in _section(thai.get("/reports").text)
        bad = thai.post("/reports/subscribers", data={"csrf": token, "email": "duty desk at thaicert"})
        assert (
            bad.status_code == 400 and 'id="email-error"' in bad.text and "not an e-mail address" in bad.text
        )
        added = thai.post("/reports/subscribers", data={"csrf": token, "email": "ciso@thaicert.example"})
        assert (
            added.status_code == 303 and added.headers["location"] == "/reports?done=subscribed#subscribers"
        )
        assert "ciso@thaicert.example" in _section(thai.get("/reports").text)
        again = thai.post("/reports/subscribers", data={"csrf": token, "email": "ciso@thaicert.example"})
        assert again.status_code == 400 and "already receives" in again.text

        vn_operator = _coordinator(node, "VNCERT")
        theirs = reports.subscribe(node.engine, actor=vn_operator, email="soc@vncert.example")
        page = thai.get("/reports").text
        assert "soc@vncert.example" not in page  # another organisation's list is not shown
        assert thai.post(f"/reports/subscribers/{theirs.id}/remove", data={"csrf": token}).status_code == 404
        assert [s.email for s in reports.subscribers_of(node.engine, actor=vn_operator)] == [
            "soc@vncert.example"
        ]

        mine = re.search(r'action="/reports/subscribers/(\d+)/remove"', page)
        assert mine is not None
        gone = thai.post(f"/reports/subscribers/{mine.group(1)}/remove", data={"csrf": token})
        assert gone.status_code == 303
        assert "ciso@thaicert.example" not in _section(thai.get("/reports").text)


def test_an_analyst_sees_no_subscribers_and_may_not_change_them(node: RunningServer) -> None:
    with _client(node, MY_ANALYST, ANALYST_PASSWORD) as analyst:
        page = analyst.get("/reports").text
        assert "Regional posture reports" in page and 'id="subscribers"' not in page
        token = _csrf(analyst, "/reports")
        refused = analyst.post("/reports/subscribers", data={"csrf": token, "email": "me@mycert.example"})
        assert refused.status_code == 403
    assert reports.subscribers_of(node.engine, actor=_coordinator(node, "MyCERT")) == []
