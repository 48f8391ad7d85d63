"""Accessibility: axe-core finds no serious or critical violation on any page, and the main flows
work with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrow keys: no mouse)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.web.conftest import sign_in
from tests.web.test_case_pages import open_case, send_preservation

PAGES = [
    "/",
    "/alerts",
    "/search",
    "/search?value=198.51.100.23",
    "/search?value=not+a+value",
    "/intel",
    "/intel?type=indicator&sort=-name",
    "/intel/new",
    "/admin/tokens",
    "/intel/indicator--00000000-0000-4000-8000-000000000000",
    "/cases",
    "/cases?status=open&min_severity=2",
    "/cases/new",
    "/cases/incident--00000000-0000-4000-8000-000000000000",
    "/assistance",
    "/assistance?kind=preservation&role=requester",
    "/assistance/new",
    "/assistance/new?kind=preservation",
    "/assistance/new?kind=no-such-kind",
    "/contacts",
    "/contacts?role=no-such-role",
    "/contacts/new",
    "/exercises",
    "/taskforce",
    "/taskforce/motions/gotong-taskforce-motion--00000000-0000-4000-8000-000000000000",
    "/maturity",
    "/maturity/region",
    "/capacity",
    "/training",
    "/norms",
    "/budgets",
    "/scoreboard",
    "/scoreboard?period=year",
    "/scoreboard?period=no-such-period",
    "/reports",
]


def _serious(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def _follow(page: Page, target: Locator) -> None:
    """Click a link or a form's button and wait until the page it loads has loaded.

    A click only waits for the navigation to start; axe run before the new page has loaded reads
    a document that is being replaced (``documentElement`` of null) and fails at random.
    """
    with page.expect_navigation():
        target.click()


def test_no_serious_violation_on_any_page(new_context: Callable[..., BrowserContext]) -> None:
    page = new_context().new_page()
    page.goto("/login")
    assert _serious(page) == [], "/login"
    page.get_by_label("Password").fill("wrong")
    _follow(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("alert")).to_be_visible()
    assert _serious(page) == [], "/login with an error"
    sign_in(page)
    for path in PAGES:
        page.goto(path)
        assert _serious(page) == [], path
    page.goto("/ack")  # the reply-code page of a check's mail
    _follow(page, page.get_by_role("button", name="Acknowledge the check"))
    expect(page.get_by_role("alert")).to_be_visible()
    assert _serious(page) == [], "/ack with errors"
    page.goto("/intel")
    _follow(page, page.get_by_role("link", name="C2 server of banking trojan"))
    assert _serious(page) == [], page.url
    page.goto("/intel/new")
    _follow(page, page.get_by_role("button", name="Submit the indicator"))
    assert _serious(page) == [], "/intel/new with errors"
    page.goto("/admin/tokens")
    _follow(page, page.get_by_role("button", name="Create a token"))
    assert _serious(page) == [], "/admin/tokens with a new token"
    page.goto("/cases/new")
    _follow(page, page.get_by_role("button", name="Open the case"))
    assert _serious(page) == [], "/cases/new with errors"
    case_id = open_case(page, "A case to check the page of")
    assert _serious(page) == [], f"/cases/{case_id}"
    _follow(page, page.get_by_role("button", name="Add the task"))
    assert _serious(page) == [], f"/cases/{case_id} with errors"
    page.goto("/assistance/new?kind=preservation")
    _follow(page, page.get_by_role("button", name="Send the request"))
    assert _serious(page) == [], "/assistance/new?kind=preservation with errors"
    request_id = send_preservation(page, "A request to check the page of", "VNCERT")
    assert _serious(page) == [], f"/assistance/{request_id}"
    _follow(page, page.get_by_role("button", name="Add the message"))
    assert _serious(page) == [], f"/assistance/{request_id} with errors"
    page.goto("/exercises")
    _follow(page, page.get_by_role("link", name="Communication check, last quarter"))
    assert _serious(page) == [], page.url
    _follow(page, page.get_by_role("link", name="web page"))  # the finished drill's after-action report
    expect(page.get_by_role("heading", name="Action items")).to_be_visible()
    assert _serious(page) == [], page.url
    page.goto("/training")
    _follow(page, page.get_by_role("button", name="Enrol"))
    assert _serious(page) == [], "/training with errors"
    page.goto("/reports")
    page.get_by_label("Period").fill("year")
    _follow(page, page.get_by_role("button", name="Make the report"))
    expect(page.get_by_role("heading", name="Executive summary")).to_be_visible()
    assert _serious(page) == [], page.url
    page.goto(page.url + "/export?format=html")  # the standalone document the PDF is drawn from
    expect(page.get_by_role("heading", name="Executive summary")).to_be_visible()
    assert _serious(page) == [], page.url


def _tab_to(page: Page, name: str, *, limit: int = 60) -> None:
    """Press Tab until the focused element has the accessible text ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.innerText || e.value || e.getAttribute('aria-label') || e.id || '').trim(); }"
        )
        label = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.labels && e.labels.length ? e.labels[0].innerText.trim() : ''; }"
        )
        if name in (focused, label) or focused.startswith(name):
            return
    pytest.fail(f"Tab never reached {name!r}")


def _go(page: Page, key: str = "Enter") -> None:
    """Press a key that follows a link or sends a form, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_sign_in_and_acknowledge_with_the_keyboard_alone(
    new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(javascript=javascript).new_page()
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText") == "Skip to main content"
    page.keyboard.press("Enter")
    _tab_to(page, "E-mail address")
    page.keyboard.type("admin@thaicert.example")
    _tab_to(page, "Password")
    page.keyboard.type("gotong-demo-password")
    _go(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    _tab_to(page, "Alerts")
    _go(page)
    expect(page).to_have_url(re.compile(r"/alerts$"))
    _tab_to(page, "Acknowledge for my organisation")
    _go(page)
    expect(page.locator("article", has_text="198.51.100.23")).to_contain_text("Acknowledged by")
    _tab_to(page, "Search")
    _go(page)
    _tab_to(page, "Value")
    page.keyboard.type("198.51.100.23")
    _go(page)
    expect(page.get_by_role("heading", level=2)).to_contain_text("2 objects carry")
    _tab_to(page, "Sign out")
    _go(page, "Space")
    expect(page).to_have_url(re.compile(r"/login$"))
