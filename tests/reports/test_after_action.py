"""The after-action report of the demo's finished drill: the reader's own results only (every
participant's for the hub), the action items, the anonymised spread; HTML and a PDF that renders;
none for a drill that has not finished, and none for an organisation that did not take part."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pypdfium2
import pytest
from sqlalchemy import Engine

from gotong import exercises, reports
from gotong.core.auth import Role
from gotong.demo import load_demo
from gotong.errors import Conflict, NotFound
from tests.conftest import start_server, token_for
from tests.reports.test_domain_sections import _as

DRILL = "Communication check, last quarter"


def _drill(engine: Engine) -> str:
    return next(
        e.id for e in exercises.list_exercises(engine, actor=_as(engine, "ASEAN-CERT")) if e.name == DRILL
    )


def test_the_after_action_report_of_a_finished_drill(engine: Engine) -> None:
    load_demo(engine)
    drill = _drill(engine)
    own = reports.after_action_report(engine, actor=_as(engine, "ThaiCERT"), exercise_id=drill)
    by_key = {s.key: s for s in own.sections}
    assert list(by_key) == ["objectives", "results", "actions", "comparison", "spread"]
    every = by_key["results"].tables[0]
    assert every.rows and {r[0] for r in every.rows} == {"ThaiCERT"}  # its own results only
    assert any("ThaiCERT scored" in line for line in own.summary)
    hub = reports.after_action_report(engine, actor=_as(engine, "ASEAN-CERT"), exercise_id=drill)
    hub_rows = next(s for s in hub.sections if s.key == "results").tables[0].rows
    assert len({r[0] for r in hub_rows}) == len(hub.participants) > 1  # every participant's
    html = reports.render_after_action_html(own)
    assert "After-action report" in html and "<svg" in html
    document = pypdfium2.PdfDocument(reports.render_after_action_pdf(own))
    try:
        text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        colours: set[tuple[int, int, int]] = set()
        for index in range(len(document)):
            image = document[index].render(scale=1).to_pil().convert("RGB")
            colours |= {c for _, c in image.getcolors(maxcolors=1 << 20) or []}
    finally:
        document.close()
    assert "Summary" in text and "Action items" in text and "Where the participants stand" in text
    assert (0x2B, 0x5F, 0x8A) in colours  # the charts' bars are drawn


def test_no_after_action_report_before_the_end_or_for_an_outsider(engine: Engine) -> None:
    load_demo(engine)
    hub = _as(engine, "ASEAN-CERT")
    body = exercises.ExerciseCreate(
        scenario="communication-check", name="Another check", participants=["ThaiCERT"]
    )
    coordinator = replace(hub, role=Role.COORDINATOR)
    planned = exercises.create_exercise(engine, actor=coordinator, exercise=body).id
    with pytest.raises(Conflict, match="once it is stopped"):
        reports.after_action_report(engine, actor=hub, exercise_id=planned)
    with pytest.raises(NotFound):
        reports.after_action_report(engine, actor=_as(engine, "MyCERT"), exercise_id=planned)


def test_the_after_action_report_over_rest_as_json_html_and_pdf(engine: Engine) -> None:
    load_demo(engine)
    drill = _drill(engine)
    srv, thread, running = start_server(engine)
    try:
        thai = {"Authorization": f"Bearer {token_for(engine, 'ThaiCERT')}"}
        outsider = {"Authorization": f"Bearer {token_for(engine, 'LaoCERT')}"}
        with httpx.Client(base_url=running.url, timeout=60) as client:
            url = f"/api/v1/exercises/{drill}/after-action"
            found = client.get(url, headers=thai)
            assert found.status_code == 200, found.text
            report = found.json()
            results = next(s for s in report["sections"] if s["key"] == "results")["tables"][0]["rows"]
            assert results and {r[0] for r in results} == {"ThaiCERT"}  # its own results only
            html = client.get(url, params={"format": "html"}, headers=thai)
            assert html.headers["content-type"].startswith("text/html") and "After-action report" in html.text
            pdf = client.get(url, params={"format": "pdf"}, headers=thai)
            assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
            wrong = client.get(url, params={"format": "docx"}, headers=thai)
            assert wrong.status_code == 400 and "format" in wrong.text
            hidden = client.get(url, headers=outsider)
            participants = set(report["participants"])
            assert "LaoCERT" not in participants and hidden.status_code == 404
    finally:
        srv.should_exit = True
        thread.join(timeout=60)
