"""The demo's drills and training in the report: present in a member's own view and in its PDF,
absent from its TLP:CLEAR report (the demo's enrolments and drills are TLP:AMBER+STRICT), and the hub's
view of every member's training shown only in the hub's own report."""

from __future__ import annotations

import pypdfium2
from sqlalchemy import Engine

from gotong import reports
from gotong.demo import load_demo
from tests.reports.test_domain_sections import _as

PERIOD = "year"
ALL = ["maturity", "training", "drills", "norms", "budgets"]


def test_the_demo_sections_in_a_members_view_and_its_pdf(engine: Engine) -> None:
    load_demo(engine)
    own = reports.generate_report(engine, actor=_as(engine, "ThaiCERT"), period=PERIOD)
    keys = [s.key for s in own.sections]
    assert [k for k in keys if k in ALL] == ALL
    by_key = {s.key: s for s in own.sections}
    training = by_key["training"].tables[1]
    assert {r[0] for r in training.rows} == {"ThaiCERT"}  # only its own compliance
    drills, scores, _actions = by_key["drills"].tables
    assert [r[0] for r in drills.rows] == ["Communication check, last quarter"]
    assert {r[1] for r in scores.rows} == {"ThaiCERT"}  # its own score, not the others'
    document = pypdfium2.PdfDocument(reports.render_pdf(own))
    try:
        text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    for title in ("Maturity of the national teams", "Compulsory training", "Regional drills"):
        assert title in text
    # The drills chart is drawn: its bar's label is in no table (they split drill and participant).
    assert "Communication check, last quarter: ThaiCERT" in text

    clear = reports.generate_report(engine, actor=_as(engine, "ThaiCERT"), period=PERIOD, tlp="clear")
    assert not {"training", "drills", "maturity"} & {s.key for s in clear.sections}


def test_the_hubs_view_of_every_member_stays_in_the_hubs_own_report(engine: Engine) -> None:
    load_demo(engine)
    own = reports.generate_report(engine, actor=_as(engine, "ASEAN-CERT"), period=PERIOD)
    training = next(s for s in own.sections if s.key == "training").tables[1]
    assert {"LaoCERT", "ThaiCERT"} <= {r[0] for r in training.rows}
    drills = next(s for s in own.sections if s.key == "drills")
    assert len({r[1] for r in drills.tables[1].rows}) > 1  # every participant's score, for the hub
    strict = reports.generate_report(
        engine, actor=_as(engine, "ASEAN-CERT"), period=PERIOD, tlp="amber+strict"
    )
    assert "training" in {s.key for s in strict.sections}  # the hub's own audience: still every member
    green = reports.generate_report(engine, actor=_as(engine, "ASEAN-CERT"), period=PERIOD, tlp="green")
    assert not {"training", "drills"} & {s.key for s in green.sections}
