"""The demo has ThaiCERT's posture report (once), and its PDF renders with the summary and charts."""

from __future__ import annotations

import pypdfium2
from sqlalchemy import Engine

from gotong import reports
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.demo import load_demo
from gotong.orgs.service import get_org


def test_the_demo_report_is_made_once_and_its_pdf_renders(engine: Engine) -> None:
    assert "demo posture report: 1 new" in load_demo(engine)
    assert "demo posture report: 0 new" in load_demo(engine)
    with read_connection(engine) as conn:
        org = get_org(conn, short_name="ThaiCERT")
    actor = Principal(org_id=org.id, org_short=org.short_name, role=Role.READONLY)
    (summary,) = reports.list_reports(engine, actor=actor)
    report = reports.get_report(engine, actor=actor, report_id=summary.id)
    assert "sharing" in [s.key for s in report.sections]
    document = pypdfium2.PdfDocument(reports.render_pdf(report))
    try:
        assert "Executive summary" in document[0].get_textpage().get_text_range()
        colours: set[tuple[int, int, int]] = set()
        for index in range(1, len(document)):
            image = document[index].render(scale=1).to_pil().convert("RGB")
            colours |= {c for _, c in image.getcolors(maxcolors=1 << 20) or []}
        assert (0x2B, 0x5F, 0x8A) in colours  # the charts' bars are drawn
    finally:
        document.close()
