"""The norms and budgets pages in Chromium on a demo node: a member fills in its report with the
form (no JavaScript needed) and publishes its summary; the taskforce reads it; another member finds
it on no page. The budgets page shows a member its amounts and "below", and another member only
the ranges the member published. The norms page shows the demo's proposed regional norm as adopted,
with the day and the decision, once the taskforce's motion to adopt it is decided."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from gotong import taskforce
from gotong.demo import DEMO_PASSWORD, demo_email
from gotong.node import node_key
from tests.conftest import RunningServer
from tests.web.conftest import sign_in
from tests.web.test_accessibility import _serious

NARRATIVE = "The CII bill reached the second reading in November"
VN_AMOUNT = "5,500,000,000"  # VNCERT's 2026 CERT operations in the demo, in VND


def test_a_member_fills_in_its_report_and_only_the_taskforce_reads_it(
    new_context: Callable[..., BrowserContext],
) -> None:
    vn = new_context(javascript=False).new_page()
    sign_in(vn, demo_email("VNCERT"), DEMO_PASSWORD)
    vn.goto("/norms")
    vn.get_by_role("link", name="VNCERT").click()
    expect(vn.get_by_role("heading", level=1)).to_contain_text("VNCERT, 2026")
    expect(vn.locator("#offered-h2")).to_contain_text("assistance requests")
    vn.locator("#status-g2").select_option("in-progress")
    vn.locator("#narrative-g2").fill(NARRATIVE)
    vn.get_by_role("button", name="Save the report").click()
    expect(vn.get_by_role("status")).to_contain_text("saved")
    expect(vn.locator("#narrative-g2")).to_have_value(NARRATIVE)
    report_url = vn.url.split("?")[0]

    tf = new_context().new_page()
    sign_in(tf, demo_email("ASEAN-TF"), DEMO_PASSWORD)
    tf.goto(report_url)
    expect(tf.get_by_role("main")).to_contain_text(NARRATIVE)  # the positive control
    expect(tf.get_by_role("button", name="Save the report")).to_have_count(0)  # reads, never edits
    assert _serious(tf) == [], report_url  # axe runs scripts: in contexts with JavaScript on
    form = new_context().new_page()
    sign_in(form, demo_email("VNCERT"), DEMO_PASSWORD)
    form.goto(report_url)
    assert _serious(form) == [], f"{report_url} (the form)"

    th = new_context().new_page()
    sign_in(th, demo_email("ThaiCERT"), DEMO_PASSWORD)
    for path in ("/norms", report_url):
        th.goto(path)
        assert NARRATIVE not in th.content(), path
    th.goto("/norms")
    expect(th.get_by_role("main")).to_contain_text("Published summaries")
    expect(th.locator("table").filter(has_text="Published summaries")).to_contain_text("VNCERT")


def test_the_budgets_page_shows_amounts_to_the_member_and_ranges_to_others(
    new_context: Callable[..., BrowserContext],
) -> None:
    vn = new_context().new_page()
    sign_in(vn, demo_email("VNCERT"), DEMO_PASSWORD)
    vn.goto("/budgets")
    main = vn.get_by_role("main")
    expect(main).to_contain_text(VN_AMOUNT)
    expect(vn.locator("table").first).to_contain_text("below")
    th = new_context().new_page()
    sign_in(th, demo_email("ThaiCERT"), DEMO_PASSWORD)
    th.goto("/budgets")
    expect(th.locator("table").first).to_contain_text("VNCERT")
    expect(th.locator("table").first).to_contain_text("range only")
    assert VN_AMOUNT not in th.content()
    assert "below" not in th.locator("table").first.inner_text()


def test_the_norms_page_shows_a_regional_norm_adopted_by_a_passed_motion(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(javascript=False).new_page()
    sign_in(page, demo_email("ThaiCERT"), DEMO_PASSWORD)
    page.goto("/norms")
    r1 = page.get_by_role("region", name="(r1) Acknowledge a request for assistance within a day")
    expect(r1).to_contain_text("A regional norm proposed to the taskforce: not adopted yet.")

    # The demo's motion to adopt (r1) passed twenty days ago (nine yes, one abstaining); the node's
    # clock decides it now, signing the decision.
    closed = taskforce.close_due(node.engine, key=node_key(node.settings))
    decided = next(m for m in closed if m.kind == taskforce.DecisionKind.ADOPT_NORM)
    assert decided.status == "adopted" and decided.decision is not None and decided.statement is not None
    day = decided.statement["decided_at"][:10]  # the day it was decided (today), not the window's end

    page.reload()
    expect(r1).to_contain_text(f"A regional norm, adopted on {day} by the taskforce's decision")
    expect(r1.get_by_role("link", name=decided.decision)).to_have_attribute("href", "/taskforce")
    expect(r1).not_to_contain_text("not adopted yet")


def test_a_member_proposes_a_new_version_of_a_regional_norm_for_the_taskforce_only(
    new_context: Callable[..., BrowserContext],
) -> None:
    """VNCERT proposes version 2 of (r1) with the form on /norms: a wrong id is refused next to its
    field; the proposal is listed for VNCERT and the taskforce with the id a motion names, and not
    for another member."""
    vn = new_context(javascript=False).new_page()
    sign_in(vn, demo_email("VNCERT"), DEMO_PASSWORD)
    vn.goto("/norms")
    form = vn.get_by_role("form", name="Propose a regional norm")
    form.get_by_label("Norm's id").fill("norm one")
    form.get_by_label("Title", exact=True).fill("Acknowledge a request within twelve hours")
    form.get_by_label("What the norm asks").fill("Acknowledge another member's request within 12 hours.")
    form.get_by_label("Implementation items").fill(
        "The desk is told at any hour\nAcknowledged within 12 hours"
    )
    form.get_by_role("button", name="Propose to the taskforce").click()
    expect(vn.get_by_role("alert")).to_contain_text("r and a number")
    form = vn.get_by_role("form", name="Propose a regional norm")
    form.get_by_label("Norm's id").fill("r1")
    form.get_by_role("button", name="Propose to the taskforce").click()
    expect(vn.get_by_role("status")).to_contain_text("The proposal is with the taskforce")
    proposals = vn.get_by_role("table", name="Proposals you may see")
    row = proposals.get_by_role("row").filter(has_text="Acknowledge a request within twelve hours")
    expect(row).to_contain_text("VNCERT")
    expect(row).to_contain_text("gotong-norms-proposal--")
    expect(row.locator("td").nth(1)).to_have_text("2")  # the next version of (r1)

    tf = new_context().new_page()
    sign_in(tf, demo_email("ASEAN-TF"), DEMO_PASSWORD)
    tf.goto("/norms")
    expect(tf.get_by_role("table", name="Proposals you may see")).to_contain_text("within twelve hours")
    th = new_context().new_page()
    sign_in(th)  # ThaiCERT's demo admin
    th.goto("/norms")
    expect(th.get_by_text("No proposal that you may see.")).to_be_visible()
    expect(th.locator("main")).not_to_contain_text("within twelve hours")
