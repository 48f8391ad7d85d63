"""The contact directory pages in Chromium on a demo node: the list filtered by organisation and role,
a desk's page with its check history, the forms (no JavaScript) with errors by field, each field's
visibility on every page, the reachability table on the dashboard; no serious accessibility violation."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from gotong import contacts
from gotong.contacts.service import contact_row
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import operator_for
from tests.conftest import RunningServer
from tests.web.conftest import ANALYST_PASSWORD, MY_ANALYST, sign_in
from tests.web.test_accessibility import _serious


def _desk(node: RunningServer, org: str) -> contacts.ContactPublic:
    with read_connection(node.engine) as conn:
        actor = operator_for(conn, org=org)
    (desk,) = contacts.list_contacts(node.engine, actor=actor, org=org, role="duty-desk")
    return desk


def test_the_directory_filters_and_a_desk_shows_its_checks(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    sign_in(page)  # ThaiCERT's admin
    page.goto("/")
    table = page.get_by_role("table", name=re.compile("Reachability of each organisation"))
    # The demo's communication check: ThaiCERT's desk answered, MyCERT's did not.
    expect(table.get_by_role("row", name=re.compile(r"^ThaiCERT 1 100 %"))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(r"^MyCERT 1 0 %"))).to_be_visible()
    assert _serious(page) == [], "the dashboard with the reachability table"

    page.get_by_role("link", name="Contacts", exact=True).click()
    expect(page.get_by_role("heading", name="Contact directory")).to_be_visible()
    rows = page.get_by_role("table", name="Points of contact").locator("tbody tr")
    assert rows.count() >= 12  # every organisation's demo desk
    page.get_by_label("Organisation").select_option("ThaiCERT")
    page.get_by_label("Role").select_option("duty-desk")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ThaiCERT 24/7 duty desk")
    assert _serious(page) == [], "the filtered directory"

    page.get_by_role("link", name="ThaiCERT 24/7 duty desk").click()
    history = page.get_by_role("table", name=re.compile("Reachability checks of this contact"))
    expect(
        history.get_by_role("row", name=re.compile(r"phone \(recorded by ASEAN-CERT\) acknowledged 240\.0 s"))
    ).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile(r"^E-mail address duty@thaicert\.example TLP:GREEN"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile(r"Next scheduled check: .* by email"))).to_be_visible()
    assert _serious(page) == [], "a desk's page"

    response = page.goto("/contacts?role=night-shift")
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Role: Unknown role 'night-shift'")


def test_a_coordinator_adds_and_changes_a_contact_with_the_form_and_others_see_what_they_may(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(javascript=False).new_page()  # the forms work without JavaScript
    sign_in(page)
    page.goto("/contacts/new")
    page.get_by_label("Role").select_option("incident-handling")
    page.get_by_label("Name", exact=True).fill("ThaiCERT incident handlers")
    page.get_by_label("E-mail address", exact=True).fill("not-an-address")
    page.get_by_label("Phone", exact=True).fill("+66 2 555 0100")
    page.get_by_label("Who may see: Phone").select_option("hub")
    page.get_by_label("Time zone", exact=True).fill("Mars/Olympus")
    page.get_by_role("button", name="Add the contact").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("E-mail address: Value error, 'not-an-address' is not an e-mail address")
    expect(summary).to_contain_text("Time zone: Value error, 'Mars/Olympus' is not a known time zone")
    assert page.get_by_label("Phone", exact=True).input_value() == "+66 2 555 0100"  # what was typed is kept
    assert page.get_by_label("Who may see: Phone").input_value() == "hub"
    expect(page.locator("#email-error")).to_be_visible()

    page.get_by_label("E-mail address", exact=True).fill("handlers@thaicert.example")
    page.get_by_label("Time zone", exact=True).fill("Asia/Bangkok")
    page.get_by_role("button", name="Add the contact").click()
    expect(page.get_by_role("status")).to_contain_text("The point of contact was added.")
    contact_path = re.sub(r"\?.*$", "", page.url.removeprefix(node.url))
    expect(
        page.get_by_role("row", name=re.compile(r"^Phone \+66 2 555 0100 TLP:AMBER\+STRICT"))
    ).to_be_visible()

    page.get_by_role("link", name="Change this contact").click()
    assert page.get_by_label("Phone", exact=True).input_value() == "+66 2 555 0100"
    page.get_by_label("Phone", exact=True).fill("+66 2 555 0199")
    page.get_by_label("Who may see: Time zone").select_option("hub")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("status")).to_contain_text("The changes were saved.")
    expect(page.get_by_role("row", name=re.compile(r"^Phone \+66 2 555 0199"))).to_be_visible()

    # Another member's analyst: the members' fields, not the hub-only phone and zone; no edit form.
    other = new_context().new_page()
    sign_in(other, MY_ANALYST, ANALYST_PASSWORD)
    other.goto(contact_path)
    expect(
        other.get_by_role("row", name=re.compile(r"^E-mail address handlers@thaicert\.example"))
    ).to_be_visible()
    expect(other.get_by_text("Not shown to you:")).to_contain_text("Phone")
    expect(other.get_by_text("Not shown to you:")).to_contain_text("Time zone")
    assert "+66 2 555" not in other.content()
    expect(other.get_by_role("link", name="Change this contact")).to_have_count(0)
    assert _serious(other) == [], "a contact as another member sees it"
    response = other.goto(contact_path + "/edit")
    assert response is not None and response.status == 403


def test_a_desk_acknowledges_a_check_on_its_page_without_signing_in(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    desk = _desk(node, "VNCERT")
    with write_transaction(node.engine) as conn:
        check_id, token = contacts.issue(conn, contact_row(conn, desk.id), contacts.Channel.EMAIL)
    page = new_context(javascript=False).new_page()  # nobody signed in, no JavaScript
    page.goto(f"/checks/{token}")
    expect(page.get_by_role("heading", name="Acknowledge a reachability check")).to_be_visible()
    expect(page.get_by_text("VNCERT 24/7 duty desk")).to_be_visible()
    page.get_by_role("button", name="Acknowledge the check").click()
    expect(page.get_by_role("status")).to_contain_text("the check was acknowledged")
    second = page.request.post(f"/checks/{token}")  # a second press
    assert second.status == 409 and "already acknowledged" in second.text()
    again = page.goto(f"/checks/{token}")
    assert again is not None and again.status == 409
    expect(page.get_by_role("heading", name="Conflict")).to_be_visible()
    expect(page.get_by_text("already acknowledged")).to_be_visible()

    checker = new_context().new_page()
    with write_transaction(node.engine) as conn:
        _, other = contacts.issue(conn, contact_row(conn, desk.id), contacts.Channel.EMAIL)
    checker.goto(f"/checks/{other}")
    assert _serious(checker) == [], "the acknowledgement page"
    response = checker.goto(f"/checks/{other}x")
    assert response is not None and response.status == 404
    expect(checker.get_by_text("not one this node sent")).to_be_visible()
    (done,) = [
        c for c in contacts.list_checks(node.engine, actor=_hub(node), contact_id=desk.id) if c.id == check_id
    ]
    assert done.status == contacts.CheckStatus.ACKNOWLEDGED


def _hub(node: RunningServer) -> Principal:
    with read_connection(node.engine) as conn:
        return operator_for(conn, org="ASEAN-CERT")
