"""The posture report: sections present only with data the reader may see, stored per reader,
rendered to HTML, PDF (rendered back to images), CSV and JSON, mailed to subscribers by the job."""

from __future__ import annotations

import email
from email import policy as email_policy
from typing import Any

import pypdfium2
import pytest

from gotong import reports
from gotong.core.auth import Role
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.settings import Settings
from gotong.stix.timestamps import micros_of
from tests.reports.conftest import HOUR, PERIOD, T0, World


def _share(world: World) -> None:
    world.share("ThaiCERT", at=T0 + HOUR, seen_before=HOUR, tlp="amber")
    world.share("MyCERT", at=T0 + 2 * HOUR, seen_before=2 * HOUR)


def test_a_section_is_present_only_with_data_the_reader_may_see(world: World) -> None:
    world.share("ThaiCERT", at=T0 + HOUR, seen_before=HOUR, tlp="red")
    own = reports.generate_report(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    assert [s.key for s in own.sections] == ["sharing"]
    assert "Members shared 1 pieces" in own.summary[0]
    # TLP:RED with no named recipients: SingCERT may not see the only object: no sharing section at all.
    other = reports.generate_report(world.engine, actor=world.principal("SingCERT"), period=PERIOD)
    assert other.sections == []


def test_a_stored_report_is_read_only_by_its_organisation(world: World) -> None:
    _share(world)
    made = reports.generate_report(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    assert reports.get_report(
        world.engine, actor=world.principal("ThaiCERT", Role.READONLY), report_id=made.id
    )
    with pytest.raises(NotFound):
        reports.get_report(world.engine, actor=world.principal("MyCERT"), report_id=made.id)
    assert [r.id for r in reports.list_reports(world.engine, actor=world.principal("ThaiCERT"))] == [made.id]
    assert reports.list_reports(world.engine, actor=world.principal("MyCERT")) == []


def test_pdf_renders_with_the_summary_and_a_chart(world: World) -> None:
    _share(world)
    report = reports.generate_report(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    html = reports.render_html(report)
    assert "Executive summary" in html and "<svg" in html
    pdf = reports.render_pdf(report)
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) >= 2  # the summary on its own page
        first = document[0].get_textpage().get_text_range()
        assert "Executive summary" in first
        text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        assert "TLP:AMBER" in text  # the chart's labels are drawn (no table lists TLP levels)
        image = document[1].render(scale=1).to_pil()
        assert image.width > 0
        # The chart page is not blank: its bars are drawn in the chart colour.
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert any(colour == (0x2B, 0x5F, 0x8A) for _, colour in colours)
    finally:
        document.close()


def test_csv_and_json_carry_the_tables(world: World) -> None:
    _share(world)
    report = reports.generate_report(world.engine, actor=world.principal("ThaiCERT"), period=PERIOD)
    csv_text = reports.render_csv(report)
    assert "sharing,Objects shared by type,Type,Number" in csv_text
    assert "sharing,Objects shared by type,indicator,2" in csv_text
    assert report.model_dump()["sections"][0]["tables"]


def test_subscribers_need_a_manager(world: World) -> None:
    with pytest.raises(Forbidden):
        reports.subscribe(world.engine, actor=world.principal("ThaiCERT"), email="duty@thaicert.example")


def test_the_job_mails_the_last_months_report_once(world: World, smtp: tuple[int, list[Any]]) -> None:
    port, received = smtp
    _share(world)
    reports.subscribe(
        world.engine, actor=world.principal("ThaiCERT", Role.ADMIN), email="duty@thaicert.example"
    )
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, warninglists="")
    now = micros_of("2035-04-02T00:00:00Z")
    made = reports.run_scheduled(world.engine, settings, now=now)
    assert sorted(r.period_label for r in made) == ["2035-03", "2035-Q1"]
    assert reports.run_scheduled(world.engine, settings, now=now) == []  # once
    assert [e.rcpt_tos for e in received] == [["duty@thaicert.example"]] * 2
    message = email.message_from_bytes(received[0].content, policy=email_policy.default)
    attachment = next(iter(message.iter_attachments()))
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_a_report_for_a_wider_audience_holds_nothing_marked_above_it(world: World) -> None:
    """ThaiCERT's own TLP:AMBER object is in its own view and its TLP:AMBER report (the positive
    control), never in its TLP:CLEAR or TLP:GREEN report: not counted, not charted, no section."""
    world.share("ThaiCERT", at=T0 + HOUR, seen_before=HOUR, tlp="amber")
    actor = world.principal("ThaiCERT")
    own = reports.generate_report(world.engine, actor=actor, period=PERIOD)
    amber = reports.generate_report(world.engine, actor=actor, period=PERIOD, tlp="amber")
    assert own.tlp is None and amber.tlp == "TLP:AMBER"
    for made in (own, amber):
        assert [s.key for s in made.sections] == ["sharing"]
        assert "TLP:AMBER" in made.sections[0].chart_svg
    for marking in ("clear", "green"):
        narrow = reports.generate_report(world.engine, actor=actor, period=PERIOD, tlp=marking)
        assert narrow.sections == [] and narrow.summary == []
        assert "TLP:AMBER" not in reports.render_html(narrow).replace("TLP:AMBER or less", "")
    # A TLP:CLEAR object of the same period is in the TLP:CLEAR report.
    world.share("MyCERT", at=T0 + 2 * HOUR, seen_before=HOUR, tlp="clear")
    clear = reports.generate_report(world.engine, actor=actor, period=PERIOD, tlp="clear")
    assert "Members shared 1 pieces" in clear.summary[0]
    stored = reports.get_report(world.engine, actor=actor, report_id=clear.id)
    assert stored.tlp == "TLP:CLEAR" and "TLP:CLEAR" in reports.render_html(stored)


def test_a_report_is_not_made_for_tlp_red_or_an_unknown_marking(world: World) -> None:
    for marking in ("red", "purple"):
        with pytest.raises(Invalid, match=r"^tlp: "):
            reports.generate_report(
                world.engine, actor=world.principal("ThaiCERT"), period=PERIOD, tlp=marking
            )
