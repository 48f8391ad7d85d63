"""The training page, driven by Chromium on a demo node: a national CERT sees its own compliance and
the catalogue, enrols participants (the seat over its share is refused on the page with a 409), and
the hub sees every member's compliance."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from gotong.demo import demo_email
from tests.web.conftest import sign_in

BANGKOK = "Incident handling for national CERTs (ASEAN-CERT)"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_national_cert_enrols_until_its_share_of_seats_is_held(
    new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(javascript=javascript).new_page()
    sign_in(page)  # ThaiCERT's demo admin
    page.goto("/")
    expect(page.get_by_role("region", name="Compulsory training")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Training").click()
    compliance = page.get_by_role("table", name="Compliance with the training requirements")
    expect(compliance).to_contain_text("ThaiCERT")
    expect(compliance).not_to_contain_text("MyCERT")  # another member's compliance is not shown
    expect(page.get_by_role("table", name="Courses you may see")).to_contain_text("Bangkok")
    session = page.get_by_label("Session")
    bangkok = session.locator("option", has_text="Bangkok").get_attribute("value")
    assert bangkok is not None
    for who in ("ploy@thaicert.example", "arthit@thaicert.example", "third@thaicert.example"):
        page.get_by_label("Session").select_option(bangkok)
        page.get_by_label("Participant's e-mail").fill(who)
        with page.expect_response(lambda r: r.url.endswith("/training/enrol")) as answer:
            page.get_by_role("button", name="Enrol").click()
        if who.startswith("third"):
            assert answer.value.status == 409
            expect(page.get_by_role("alert")).to_contain_text("at most 2 seats and ThaiCERT holds 2")
        else:
            expect(page.get_by_role("status")).to_contain_text("The participant is enrolled")
    enrolments = page.get_by_role("table", name="Enrolments you may see")
    expect(enrolments).to_contain_text("ploy@thaicert.example")
    expect(enrolments).not_to_contain_text(
        "khamla@laocert.example"
    )  # LaoCERT's enrolment in the same session


def test_the_hub_sees_every_members_compliance(new_context: Callable[..., BrowserContext]) -> None:
    page = new_context().new_page()
    sign_in(page, demo_email("ASEAN-CERT"))
    page.goto("/training")
    compliance = page.get_by_role("table", name="Compliance with the training requirements")
    expect(
        compliance.get_by_role("row").filter(has_text="MyCERT").filter(has_text="incident")
    ).to_contain_text("due-soon")
    expect(
        compliance.get_by_role("row").filter(has_text="VNCERT").filter(has_text="incident")
    ).to_contain_text("overdue")
    expect(page.get_by_role("table", name="Enrolments you may see")).to_contain_text("khamla@laocert.example")


def test_a_member_publishes_a_course_with_a_session_and_it_can_be_enrolled_in(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(javascript=False).new_page()
    sign_in(page)  # ThaiCERT's demo admin
    page.goto("/training")
    catalogue = page.get_by_role("table", name="Courses you may see")
    expect(catalogue).not_to_contain_text("Malware triage in Thai")  # positive control below
    form = page.get_by_role("form", name="Publish a course")
    form.get_by_label("Course title").fill("Malware triage in Thai")
    form.get_by_label("Hours", exact=True).fill("12")
    form.get_by_role("button", name="Publish the course").click()
    expect(page.locator("#topics-error")).to_contain_text("at least one topic")  # nothing published
    expect(page.get_by_role("table", name="Courses you may see")).not_to_contain_text(
        "Malware triage in Thai"
    )

    form = page.get_by_role("form", name="Publish a course")
    expect(form.get_by_label("Course title")).to_have_value("Malware triage in Thai")  # kept for the retry
    form.locator('input[name="topics"]').first.check()
    form.get_by_label("Level").select_option("intermediate")
    form.get_by_label("First day").fill("2027-02-01")
    form.get_by_label("Last day").fill("2027-01-30")  # before the first: refused, named
    form.get_by_label("Seats").fill("20")
    form.get_by_label("Where").fill("Bangkok")
    form.get_by_role("button", name="Publish the course").click()
    expect(page.locator("#session-starts-error")).to_contain_text("ends on or after")
    form = page.get_by_role("form", name="Publish a course")
    form.get_by_label("Last day").fill("2027-02-03")
    form.get_by_role("button", name="Publish the course").click()
    expect(page.get_by_role("status")).to_contain_text("The course is in the catalogue")
    row = page.get_by_role("table", name="Courses you may see").get_by_role(
        "row", name=re.compile("Malware triage in Thai")
    )
    expect(row).to_contain_text("ThaiCERT")
    expect(row).to_contain_text("intermediate")
    expect(row).to_contain_text("2027-02-01\u20132027-02-03 Bangkok (20/20 seats left)")
    expect(page.get_by_label("Session")).to_contain_text("Malware triage in Thai")  # open for enrolment


def test_the_hub_edits_its_course_and_seats_never_drop_below_those_held(
    new_context: Callable[..., BrowserContext],
) -> None:
    """The hub edits the Bangkok course on /training: fewer seats than the enrolments hold is refused
    next to the field, naming the seats held; a new title and last day are saved and shown in the
    catalogue. ThaiCERT, which does not provide it, is offered no edit form."""
    member = new_context(javascript=False).new_page()
    sign_in(member)  # ThaiCERT's demo admin
    member.goto("/training")
    row = (
        member.get_by_role("table", name="Courses you may see").get_by_role("row").filter(has_text="Bangkok")
    )
    expect(row).to_be_visible()
    expect(row.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    page = new_context().new_page()
    sign_in(page, demo_email("ASEAN-CERT"))
    page.goto("/training")
    row = page.get_by_role("table", name="Courses you may see").get_by_role("row").filter(has_text="Bangkok")
    row.get_by_role("link", name=re.compile("^Edit")).click()
    form = page.get_by_role("form", name="Edit the course")
    expect(form).to_be_visible()
    edit_url = page.url
    form.get_by_label(re.compile("^Seats of s1")).fill("1")
    with page.expect_response(lambda r: r.url == edit_url) as answer:
        form.get_by_role("button", name="Save the course").click()
    assert answer.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"seats held by enrolments; it cannot have fewer")
    )
    form = page.get_by_role("form", name="Edit the course")
    form.get_by_label(re.compile("^Seats of s1")).fill("30")
    form.get_by_label("Course title").fill("Incident handling for national CERTs, extended")
    form.get_by_role("button", name="Save the course").click()
    expect(page.get_by_role("status")).to_contain_text("The course is saved")
    catalogue = page.get_by_role("table", name="Courses you may see")
    expect(catalogue.get_by_role("row").filter(has_text="extended")).to_contain_text("Bangkok")
    expect(catalogue.get_by_role("row").filter(has_text="extended")).to_contain_text("/30 seats left")
    member.goto(edit_url)
    expect(member.get_by_text("Only the course's provider or the hub edits a course.")).to_be_visible()
