"""The playbook pages, driven by Chromium on a demo node: the library's list and a playbook's page,
and applying a playbook from a case's page (with and without JavaScript), checked with axe."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from gotong import playbooks
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from tests.conftest import RunningServer
from tests.helpers import REGIONAL_ID
from tests.playbooks.conftest import SCHEMAS
from tests.web.conftest import sign_in
from tests.web.test_accessibility import _serious
from tests.web.test_case_pages import open_case


def _library(node: RunningServer) -> dict[str, str]:
    with read_connection(node.engine) as conn:
        hub = Principal(org_id=get_org(conn, short_name="ASEAN-CERT").id, org_short="ASEAN-CERT")
    made = {}
    for document in playbooks.library():
        request = playbooks.PlaybookImport(playbook=document, collection=REGIONAL_ID)
        stored = playbooks.import_playbook(node.engine, actor=hub, request=request, schemas=SCHEMAS)
        made[stored.name] = stored.id
    return made


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_read_the_library_and_apply_a_playbook_to_a_case(
    node: RunningServer, new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    ids = _library(node)
    # axe runs inside the page, so the accessibility checks are made with JavaScript on
    page = new_context(javascript=javascript).new_page()
    sign_in(page)
    page.goto("/playbooks")
    row = page.get_by_role("row", name=re.compile("Phishing campaign"))
    expect(row).to_contain_text("Takedown requested (8 h)")
    expect(row).to_contain_text("TLP:GREEN")
    assert not javascript or _serious(page) == [], "/playbooks"
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/playbooks/{ids['Phishing campaign']}$"))
    expect(page.locator("#steps + ol")).to_contain_text("Request takedown of the landing pages")
    expect(page.locator("#steps + ol")).to_contain_text("At once: Take down and warn")
    assert not javascript or _serious(page) == [], page.url

    case_id = open_case(page, "Phishing kit against Thai banks", participants="VNCERT")
    # Applying without choosing: the problem is named next to the field.
    page.get_by_role("button", name="Apply the playbook").click()
    expect(page.locator("#playbook-error")).to_contain_text("Choose the playbook")
    assert not javascript or _serious(page) == [], f"/cases/{case_id} with errors"
    page.get_by_label("Playbook", exact=True).select_option(label="Phishing campaign")
    page.get_by_role("button", name="Apply the playbook").click()
    expect(page.get_by_role("status")).to_contain_text("The playbook was applied")
    expect(page.locator("#tasks + ul")).to_contain_text("Collect lures, sender addresses and landing pages")
    runs = page.locator("#playbooks ~ table.clocks").first
    expect(runs).to_contain_text("Takedown requested (8 h)")
    expect(runs).to_contain_text("running")
    assert not javascript or _serious(page) == [], f"/cases/{case_id} with a playbook"


def test_a_playbook_out_of_the_readers_audience_is_a_missing_page(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    sign_in(page)
    response = page.goto(f"/playbooks/{playbooks.library()[0]['id']}")
    assert response is not None and response.status == 404  # not imported here: nobody sees it
    ids = _library(node)
    shown = page.goto(f"/playbooks/{ids['Data breach']}")
    assert shown is not None and shown.status == 200  # positive control
