"""The case list pages (issue 14): newest first, a page at a time, with an opaque token that tells
the reader nothing beyond the last case it was shown; a token that is not one is a 400 naming it."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import Engine

from gotong import incidents
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.demo import DEMO_PASSWORD
from gotong.orgs.service import get_org
from gotong.stix.timestamps import now_micros
from gotong.web import cases_services as cs
from gotong.web.services import FormInvalid
from tests.conftest import RunningServer
from tests.web.conftest import THAI


def _thai(engine: Engine) -> Principal:
    with read_connection(engine) as conn:
        return Principal(
            org_id=get_org(conn, short_name="ThaiCERT").id, org_short="ThaiCERT", role=Role.ADMIN
        )


def test_paging_through_the_cases_shows_each_once_in_order(demo_engine: Engine) -> None:
    actor = _thai(demo_engine)
    (demo_case,) = incidents.list_cases(demo_engine, actor=actor)
    opened = now_micros()
    for n, at in enumerate([opened, opened, opened + 1000, opened + 2000]):  # two opened at once: by id
        case = incidents.CaseCreate(title=f"Case {n} to page", collection=demo_case.collection, tlp="green")
        incidents.open_case(demo_engine, actor=actor, case=case, now=at)
    every = incidents.list_cases(demo_engine, actor=actor)
    assert len(every) == 5
    seen: list[str] = []
    token = ""
    while True:
        page = cs.cases(demo_engine, actor=actor, status="", lead="", min_severity="", after=token, size=2)
        assert len(page.cases) <= 2 and (len(page.cases) == 2 or not page.more)
        seen += [c.id for c in page.cases]
        if not page.more:
            assert page.next is None
            break
        assert page.next is not None
        token = page.next
    assert seen == [c.id for c in every], "every case once, newest first, as the unpaged list"


@pytest.mark.parametrize("token", ["garbage", "aW5jaWRlbnQ", "MjAyNnxub3QtYS1jYXNl"])
def test_a_token_that_is_no_page_is_refused_naming_it(demo_engine: Engine, token: str) -> None:
    with pytest.raises(FormInvalid) as refused:
        cs.cases(demo_engine, actor=_thai(demo_engine), status="", lead="", min_severity="", after=token)
    assert set(refused.value.problems) == {"next"}


def test_the_case_list_links_its_next_page_and_refuses_a_forged_one(node: RunningServer) -> None:
    with httpx.Client(base_url=node.url) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "email": THAI, "password": DEMO_PASSWORD, "next": "/cases"}
        assert client.post("/login", data=form).status_code == 303
        first = client.get("/cases")
        assert first.status_code == 200 and "Next page" not in first.text, "the demo fits on one page"
        forged = client.get("/cases", params={"next": "garbage"})
        assert forged.status_code == 400 and "not a page of the case list" in forged.text
