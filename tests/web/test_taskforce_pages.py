"""The taskforce pages in Chromium on a demo node: a seat holder sees the agenda and votes with the
form (no JavaScript needed); Viet Nam's seat is told why it may not vote on its own rating; a CERT's
user sees the published decision and not the open motion; the demo's budget shortfall is tabled for
the taskforce and the member, not for another member; no serious accessibility violation."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from gotong import taskforce
from gotong.demo import demo_email
from gotong.node import node_key
from tests.conftest import RunningServer
from tests.web.conftest import sign_in
from tests.web.test_accessibility import _serious

SEAT_VN = "seat.vn@taskforce.example"
SEAT_BN = "seat.bn@taskforce.example"


def _motions(node: RunningServer) -> tuple[str, str]:
    taskforce.close_due(node.engine, key=node_key(node.settings))  # the demo's past motion
    from tests.taskforce.conftest import operator

    motions = taskforce.list_motions(node.engine, actor=operator(node.engine))
    open_ = next(m.id for m in motions if m.status == "open")
    decided = next(m.id for m in motions if m.status == "adopted")
    return open_, decided


def test_a_seat_votes_with_the_form_and_the_recused_seat_is_told_why(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    open_, decided = _motions(node)
    page = new_context().new_page()  # axe runs as a script: this context has JavaScript
    sign_in(page, SEAT_VN)
    page.goto("/taskforce")
    expect(page.get_by_role("heading", name="Agenda: open motions")).to_be_visible()
    assert _serious(page) == [], "/taskforce as a seat holder"
    page.get_by_role("link", name="Adopt a rating of a member's implementation of a norm").click()
    expect(page.get_by_text("two-thirds majority")).to_be_visible()
    page.get_by_label("no", exact=True).check()
    page.get_by_role("button", name="Cast the vote").click()
    expect(page.get_by_role("alert")).to_contain_text("Viet Nam's seat is recused")
    assert _serious(page) == [], "the motion page with the refusal"
    page.goto(f"/taskforce/motions/{decided}")
    expect(page.get_by_role("heading", name="Signed decision")).to_be_visible()
    assert _serious(page) == [], "a decided motion"

    other = new_context(javascript=False).new_page()  # the form works without JavaScript
    sign_in(other, SEAT_BN)
    other.goto(f"/taskforce/motions/{open_}")
    other.get_by_label("yes", exact=True).check()
    other.get_by_role("button", name="Cast the vote").click()
    expect(other.get_by_role("status")).to_contain_text("Your seat's vote was recorded")
    expect(other.get_by_role("row", name="BN yes")).to_be_visible()
    other.goto("/taskforce")
    expect(other.locator("#my-votes + ul")).to_contain_text(open_)


def test_a_cert_user_sees_the_decision_not_the_deliberation(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    open_, decided = _motions(node)
    page = new_context().new_page()
    sign_in(page)  # ThaiCERT's admin: not on the taskforce
    page.goto("/taskforce")
    expect(page.get_by_role("heading", name="Decisions")).to_be_visible()
    expect(page.get_by_text("No open motion that you may see.")).to_be_visible()
    expect(page.get_by_text("No review that you may see.")).to_be_visible()
    page.goto(f"/taskforce/motions/{decided}")
    expect(page.get_by_text("adopted", exact=False).first).to_be_visible()  # positive control
    response = page.goto(f"/taskforce/motions/{open_}")
    assert response is not None and response.status == 404


def test_the_agenda_shows_the_demo_budget_shortfall_to_the_taskforce_and_the_member_only(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(javascript=False).new_page()
    sign_in(page, SEAT_VN)
    page.goto("/taskforce")
    tabled = page.get_by_role("table", name="Matters tabled for the taskforce")
    row = tabled.get_by_role("row").filter(has_text="VNCERT")
    expect(row).to_contain_text("Budget below the mandate (asean-cyber-budget-2026)")
    expect(row).to_contain_text("2025, 2026")
    expect(row).to_contain_text("AMBER+STRICT")
    expect(row.get_by_role("link", name="Budget report")).to_have_attribute("href", "/budgets")

    member = new_context(javascript=False).new_page()
    sign_in(member, demo_email("VNCERT"))  # the member the budget report is shared with
    member.goto("/taskforce")
    expect(member.get_by_role("table", name="Matters tabled for the taskforce")).to_contain_text("VNCERT")
    other = new_context(javascript=False).new_page()
    sign_in(other)  # ThaiCERT's admin: the report is not shared with it
    other.goto("/taskforce")
    expect(other.get_by_role("heading", name="Agenda: tabled by a finding")).to_be_visible()
    expect(other.get_by_text("Nothing tabled that you may see.")).to_be_visible()
