"""The maturity and capacity pages in Chromium, with and without JavaScript: start a cycle and fill
in a category (saved, then on to the next), the assessment page with its radars and gaps, the
regional view over what the reader may see (a member does not see CamCERT's hub-only assessment;
the hub does), and the capacity plans (the hub sees who helps whom)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from gotong.demo import demo_email
from tests.web.conftest import sign_in
from tests.web.test_accessibility import _serious

HUB = demo_email("ASEAN-CERT")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_start_a_cycle_and_fill_in_a_category(
    new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(javascript=javascript).new_page()
    sign_in(page)
    page.goto("/maturity")
    expect(page.get_by_role("table", name="Your assessments")).to_contain_text("2026-04-15")  # the demo's
    page.get_by_label("Date assessed").fill("2026-11-30")
    page.get_by_role("button", name="Start the self-assessment").click()
    expect(page.get_by_role("heading", name="Fill in: Organisation")).to_be_visible()
    if javascript:  # axe runs in the page
        assert _serious(page) == [], page.url
    page.locator("#level-O-1").select_option("3")
    page.locator("#why-O-1").fill("Mandated by the 2019 cybersecurity act")
    page.locator("#evidence-O-1").fill("https://thaicert.example/mandate\nCabinet decision of 2019")
    page.locator("#level-O-2").select_option("2")
    page.get_by_role("button", name="Save this category").click()
    expect(page.get_by_role("status")).to_contain_text("The category was saved")
    expect(page.get_by_role("heading", name="Fill in: Processes")).to_be_visible()  # the next category
    expect(page.locator("#progress + ul")).to_contain_text("Organisation: 2 / 10 rated")
    row = page.get_by_role("row", name=re.compile("O-1 Mandate"))
    expect(row).to_contain_text("Mandated by the 2019 cybersecurity act")
    expect(row).to_contain_text("https://thaicert.example/mandate; Cabinet decision of 2019")
    # Publishing before every parameter is rated is refused, naming what is missing.
    page.get_by_role("button", name="Publish the assessment").click()
    expect(page.get_by_role("alert")).to_contain_text("missing O-3")
    expect(page.locator(".marking")).to_contain_text("only your organisation")


def test_the_assessment_page_shows_radars_gaps_and_history(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context().new_page()
    sign_in(page, HUB)
    page.goto("/maturity/region")
    page.get_by_role("link", name="CamCERT").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CamCERT")
    assert page.locator("svg.maturity-chart line.radar-axis").count() == 44
    assert page.locator("svg.maturity-chart polygon.radar-target").count() == 4
    gaps = page.get_by_role("table", name=re.compile("Parameters below ASEAN regional minimum"))
    # Every gap is 1: Organisation first, then Processes, then Tools; O-5 rose from 0 since 2025.
    rows = gaps.get_by_role("row")
    expect(rows).to_have_count(7)
    expect(rows.nth(1)).to_contain_text("O-5 Service Description121+1")
    expect(rows.nth(3)).to_contain_text("P-6")
    expect(rows.nth(6)).to_contain_text("T-5")
    expect(
        page.get_by_role("table", name=re.compile("Levels, with the self-assessed")).get_by_role(
            "row", name=re.compile("P-9 Emergency")
        )
    ).to_contain_text("SingCERT: The duty number")
    expect(page.locator("#history + svg title")).to_contain_text("average level per category")
    assert _serious(page) == [], page.url
    page.get_by_label("Profile", exact=True).select_option("basic")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("table", name=re.compile("Parameters below Basic"))).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_regional_view_and_plans_hold_only_what_the_reader_may_see(
    new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    member = new_context(javascript=javascript).new_page()
    sign_in(member)  # ThaiCERT
    member.goto("/maturity/region")
    members = member.get_by_role("table", name="Members and the tier reached")
    expect(members).to_contain_text("SingCERT")
    expect(members).not_to_contain_text("CamCERT")  # shared with the hub only
    expect(member.locator("svg#heat-map, svg.maturity-chart").first).to_be_visible()
    member.goto("/capacity")
    expect(member.get_by_role("main")).not_to_contain_text("CamCERT")

    hub = new_context(javascript=javascript).new_page()
    sign_in(hub, HUB)
    hub.goto("/maturity/region")
    expect(hub.get_by_role("table", name="Members and the tier reached")).to_contain_text(
        "CamCERT"
    )  # positive control
    hub.goto("/capacity")
    plan = hub.get_by_role("table", name=re.compile("Items of CamCERT"))
    expect(plan.get_by_role("row", name=re.compile("P-9"))).to_contain_text("SingCERT")
    expect(plan.get_by_role("row", name=re.compile("T-4"))).to_contain_text("yes")  # the parameter rose
    if javascript:
        assert _serious(hub) == [], "/capacity as the hub"


def test_an_assessment_goes_out_as_a_file_and_comes_back_into_the_draft(
    new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    page = new_context(javascript=False).new_page()
    sign_in(page)
    page.goto("/maturity")
    page.get_by_label("Date assessed").fill("2026-12-01")
    page.get_by_role("button", name="Start the self-assessment").click()
    expect(page.get_by_role("heading", name="Fill in: Organisation")).to_be_visible()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="CSV (one row per parameter)").click()
    exported = tmp_path / "assessment.csv"
    downloading.value.save_as(exported)
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    assert len(rows) == 44 and {"parameter", "level"} <= set(rows[0])  # every SIM3 parameter, unrated
    expect(page.locator("#progress + ul")).to_contain_text("Organisation: 0 / 10 rated")  # control

    broken = tmp_path / "broken.csv"
    broken.write_text("parameter,level\nO-1,three\n", encoding="utf-8")
    page.get_by_label("File to import").set_input_files(str(broken))
    page.get_by_role("button", name="Import the file").click()
    expect(page.locator("#import-file-error")).to_contain_text(
        "csv line 2: level 'three' is not a whole number"
    )
    expect(page.locator("#progress + ul")).to_contain_text("Organisation: 0 / 10 rated")  # nothing changed

    for row in rows:
        if row["parameter"] in ("O-1", "O-2", "H-1"):
            row["level"] = "2"
            row["justification"] = "Rated offline by the team lead"
    filled = tmp_path / "filled.csv"
    with filled.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    page.get_by_label("File to import").set_input_files(str(filled))
    page.get_by_role("button", name="Import the file").click()
    expect(page.get_by_role("status")).to_contain_text("The file was read into the draft")
    progress = page.locator("#progress + ul")
    expect(progress).to_contain_text("Organisation: 2 / 10 rated")
    expect(progress).to_contain_text("Human: 1 / 7 rated")
    expect(page.get_by_role("row", name=re.compile("O-1 Mandate"))).to_contain_text(
        "Rated offline by the team lead"
    )
