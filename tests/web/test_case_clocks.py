"""A breached clock on the case page, in Chromium on a demo node: the state is said in words (not only
in colour), the due time is a <time> with the UTC instant on hover, and the dashboard counts it."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from gotong import incidents
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from gotong.stix.timestamps import format_micros, now_micros
from tests.conftest import RunningServer
from tests.helpers import REGIONAL_ID
from tests.web.conftest import sign_in

HOUR = 3600 * 1_000_000


def _late_case(node: RunningServer, title: str) -> tuple[incidents.CasePublic, int]:
    """A case SingCERT opened three hours ago at severity 3 with ThaiCERT affected: ThaiCERT had 2 h
    to acknowledge it, around the clock, and has not."""
    with read_connection(node.engine) as conn:
        singcert = Principal(org_id=get_org(conn, short_name="SingCERT").id, org_short="SingCERT")
    opened = now_micros() - 3 * HOUR
    case = incidents.open_case(
        node.engine,
        actor=singcert,
        case=incidents.CaseCreate(
            title=title,
            collection=REGIONAL_ID,
            severity=3,
            participants=[incidents.Participant(org="ThaiCERT", role=incidents.ParticipantRole.AFFECTED)],
        ),
        now=opened,
    )
    return case, opened


def test_a_breached_clock_is_shown_on_the_case_page_and_counted_on_the_dashboard(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    case, opened = _late_case(node, "Ransomware at a Thai port operator")
    due = format_micros(opened + 2 * HOUR, digits=0)
    page = new_context(javascript=True).new_page()
    sign_in(page)  # ThaiCERT's analyst
    page.goto("/")
    expect(page.locator("#clocks-title + p")).to_contain_text("1 clocks are breached")
    page.get_by_role("link", name="Ransomware at a Thai port operator").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.id}#clocks$"))
    row = page.get_by_role("row", name=re.compile(r"ThaiCERT \(affected\) Acknowledge"))
    expect(row).to_contain_text("Breached")
    expect(row.locator("time").first).to_have_attribute("title", f"{due} (UTC)")
    lead = page.get_by_role("row", name=re.compile(r"SingCERT \(lead\) First update"))
    expect(lead).to_contain_text("Running")  # positive control: 4 h, one left
    expect(lead).not_to_contain_text("Breached")
    page.get_by_role("button", name="Acknowledge the case").click()
    expect(page.get_by_role("status")).to_contain_text("Your acknowledgement was recorded")
    expect(page.locator("#events ~ ul.entries").first).to_contain_text("Acknowledged by ThaiCERT")
    # a late acknowledgement leaves the clock breached, with the time it was met
    row = page.get_by_role("row", name=re.compile(r"ThaiCERT \(affected\) Acknowledge"))
    expect(row).to_contain_text("Breached")
    expect(row.locator("time")).to_have_count(2)
    # the situation report, from the page's link, holds the breached clock
    href = page.get_by_role("link", name="Situation report (Markdown)").get_attribute("href")
    assert href == f"/cases/{case.id}/sitrep.md"
    report = page.request.get(href)
    assert report.ok and report.headers["content-type"].startswith("text/markdown")
    assert "ThaiCERT (affected), Acknowledge: **breached**" in report.text()


def test_an_escalated_clock_shows_its_step_on_the_dashboard_the_case_page_and_the_timeline(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    case, _opened = _late_case(node, "Defacement wave on ministry sites")
    incidents.check_clocks(node.engine)
    taken = incidents.escalate_clocks(node.engine, settings=node.settings)
    assert [(e.case_id, e.party, e.step) for e in taken] == [(case.id, "ThaiCERT", 1)]
    page = new_context(javascript=False).new_page()
    sign_in(page)  # ThaiCERT's analyst
    page.goto("/")
    item = page.locator("#clocks-title ~ ul.cards li", has_text="Defacement wave on ministry sites")
    expect(item).to_contain_text("escalated, step 1 of the ladder")
    page.goto(f"/cases/{case.id}")
    thai = page.get_by_role("row", name=re.compile(r"ThaiCERT \(affected\) Acknowledge"))
    expect(thai).to_contain_text("escalated, step 1 of the ladder")
    lead = page.get_by_role("row", name=re.compile(r"SingCERT \(lead\) First update"))
    expect(lead).not_to_contain_text("escalated")  # positive control: a running clock is not escalated
    expect(page.locator("#events ~ ul.entries").first).to_contain_text(
        "Escalation step 1: Acknowledge of ThaiCERT is 1 h late; notified"
    )
