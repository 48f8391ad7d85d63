"""The pages of incident cases and mutual-assistance requests, driven by Chromium on a demo node:
open a case through its form, add a task, change its status; send a preservation request through the
two-step form (a missing field is named next to it), then read it on its own page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.web.conftest import sign_in

PRESERVATION = {
    "requesting_authority": "Royal Thai Police, Technology Crime Suppression Division",
    "offence": "Fraud against bank customers through a phishing kit",
    "data_to_preserve": "Logs of the phishing host 203.0.113.80 for March",
    "custodian": "Hosting provider in Hanoi",
    "necessity": "The logs are kept for 30 days only",
    "mutual_assistance_intent": "A request for disclosure will follow",
}


def open_case(page: Page, title: str, *, tlp: str = "amber", participants: str = "") -> str:
    page.goto("/cases/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("TLP").select_option(tlp)
    page.get_by_label("Regional severity").select_option("2")
    page.get_by_label("RSIT classification").fill("fraud/phishing")
    if participants:
        page.get_by_label("Participants").fill(participants)
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("status")).to_contain_text("The case was opened")
    found = re.search(r"/cases/(incident--[0-9a-f-]+)", page.url)
    assert found is not None
    return found.group(1)


def send_preservation(page: Page, title: str, addressee: str, *, tlp: str = "amber+strict") -> str:
    page.goto("/assistance/new")
    page.get_by_label("Expedited preservation of stored computer data").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/assistance/new\?kind=preservation$"))
    page.get_by_label("Organisation asked").fill(addressee)
    page.get_by_label("Title").fill(title)
    page.get_by_label("TLP").select_option(tlp)
    for name, value in PRESERVATION.items():
        page.locator(f"#field-{name}").fill(value)
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status")).to_contain_text("The request was sent")
    found = re.search(r"/assistance/([a-z-]+--[0-9a-f-]+)", page.url)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_open_a_case_add_a_task_and_change_its_status(
    new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(javascript=javascript).new_page()
    sign_in(page)
    case_id = open_case(page, "Phishing kit against Thai banks", participants="VNCERT")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Medium")
    expect(main).to_contain_text("fraud/phishing")
    expect(main).to_contain_text("VNCERT (assisting)")
    expect(page.locator(".marking")).to_contain_text("TLP:AMBER")
    page.goto("/cases")
    row = page.get_by_role("row", name=re.compile("Phishing kit against Thai banks"))
    expect(row).to_contain_text("ThaiCERT")
    expect(row).to_contain_text("TLP:AMBER")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}$"))
    # A task without its organisation: the problem is named next to the field.
    page.get_by_label("Task", exact=True).fill("Take the phishing host down")
    page.get_by_role("button", name="Add the task").click()
    expect(page.locator("#task-assigned_to-error")).to_contain_text("organisation")
    page.get_by_label("Assigned to").fill("VNCERT")
    page.get_by_role("button", name="Add the task").click()
    expect(page.get_by_role("status")).to_contain_text("The task was added")
    expect(page.locator("#tasks + ul")).to_contain_text("Take the phishing host down")
    # Only the transitions the data files allow are offered; the change shows in the history.
    options = page.get_by_label("New status").locator("option").all_text_contents()
    assert "closed" not in options and "open" in options, options
    page.get_by_label("New status").select_option("open")
    page.get_by_label("Reason").fill("Confirmed by two banks")
    page.get_by_role("button", name="Change the status").click()
    expect(page.get_by_role("status")).to_contain_text("The status was changed")
    history = page.get_by_role("table", name="Status changes of this case")
    expect(history).to_contain_text("Confirmed by two banks")
    page.goto("/cases?status=open")
    expect(page.get_by_role("main")).to_contain_text("Phishing kit against Thai banks")
    page.goto("/cases?status=closed")
    expect(page.get_by_role("main")).not_to_contain_text("Phishing kit against Thai banks")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_send_a_preservation_request_through_the_two_step_form(
    new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(javascript=javascript).new_page()
    sign_in(page)
    page.goto("/assistance/new?kind=preservation")
    page.get_by_label("Organisation asked").fill("VNCERT")
    page.get_by_label("Title").fill("Preserve the phishing host's logs")
    for name, value in PRESERVATION.items():
        if name != "data_to_preserve":
            page.locator(f"#field-{name}").fill(value)
    page.get_by_role("button", name="Send the request").click()
    # The missing field (c) is named next to its input and in the summary; what was typed stays.
    error = page.locator("#field-data_to_preserve-error")
    expect(error).to_contain_text("data_to_preserve")
    expect(error).to_contain_text("(c)")
    expect(page.get_by_role("alert")).to_contain_text("data_to_preserve (c)")
    expect(page.locator("#field-offence")).to_have_value(PRESERVATION["offence"])
    page.locator("#field-data_to_preserve").fill(PRESERVATION["data_to_preserve"])
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status")).to_contain_text("The request was sent")
    main = page.get_by_role("main")
    expect(main).to_contain_text("VNCERT")
    expect(main).to_contain_text("Answer by")
    expect(main).to_contain_text(PRESERVATION["data_to_preserve"])
    expect(page.locator(".marking")).to_contain_text("TLP:AMBER+STRICT")
    page.get_by_role("textbox", name="Message").fill("Please confirm the logs are kept")
    page.get_by_role("button", name="Add the message").click()
    expect(page.get_by_role("status")).to_contain_text("The message was added")
    expect(page.locator("#messages + ul")).to_contain_text("Please confirm the logs are kept")
    page.goto("/assistance")
    row = page.get_by_role("row", name=re.compile("Preserve the phishing host's logs"))
    expect(row).to_contain_text("sent")
    expect(row).to_contain_text("TLP:AMBER+STRICT")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_add_a_participant_record_an_outcome_and_an_impact(
    new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(javascript=javascript).new_page()
    sign_in(page)
    open_case(page, "Ransomware at a Thai hospital")
    parties = page.get_by_role("table", name="The organisations working on this case")
    expect(parties).not_to_contain_text("MyCERT")  # positive control for the row below
    page.get_by_label("Organisation", exact=True).fill("MyCERT")
    page.get_by_label("Role", exact=True).select_option("informed")
    page.get_by_role("button", name="Add the participant").click()
    expect(page.get_by_role("status")).to_contain_text("The participants were changed")
    expect(parties.get_by_role("row", name=re.compile("MyCERT"))).to_contain_text("informed")
    page.get_by_label("Task", exact=True).fill("Isolate the infected wards")
    page.get_by_label("Assigned to").fill("ThaiCERT")
    page.get_by_role("button", name="Add the task").click()
    page.get_by_label("Outcome of Isolate the infected wards", exact=True).select_option("successful")
    page.get_by_role("button", name="Record the outcome of Isolate the infected wards").click()
    expect(page.get_by_role("status")).to_contain_text("The task's outcome was recorded")
    expect(page.locator("#tasks + ul .outcome")).to_have_text("successful")
    page.get_by_label("What was affected").fill("Patient records system")
    page.get_by_label("Category").select_option("availability")
    page.get_by_label("Measure").fill("plenty")
    page.get_by_role("button", name="Add the impact").click()
    expect(page.locator("#impact-measure-error")).to_contain_text("whole number")
    page.get_by_label("Measure").fill("90")
    page.get_by_label("Category").select_option("availability")
    page.get_by_role("button", name="Add the impact").click()
    expect(page.get_by_role("status")).to_contain_text("The impact was added")
    expect(page.locator("#impacts + ul")).to_contain_text("Patient records system")
