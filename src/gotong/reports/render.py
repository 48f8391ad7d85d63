"""A stored report as HTML (a whole document, or the body for the web page), PDF, CSV or JSON.

The PDF is WeasyPrint's rendering of the same HTML document, charts included (they are SVG).
"""

from __future__ import annotations

import csv
import io
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from gotong.reports.after_action import AfterActionPublic
from gotong.reports.schemas import ReportPublic

__all__ = [
    "render_after_action_body",
    "render_after_action_html",
    "render_after_action_pdf",
    "render_body",
    "render_csv",
    "render_html",
    "render_pdf",
]


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("gotong.reports", "templates"), autoescape=select_autoescape())


def render_body(report: ReportPublic) -> Markup:
    """The summary, sections and appendix, for a page that has its own layout."""
    return Markup(_environment().get_template("reports/_body.html").render(report=report))


def render_html(report: ReportPublic) -> str:
    """A standalone HTML document of the report (the PDF is drawn from it)."""
    return _environment().get_template("reports/document.html").render(report=report)


def render_pdf(report: ReportPublic) -> bytes:
    """The report as PDF, A4, the executive summary on its own first page."""
    import weasyprint  # imported here: it takes a while, and only reports need it

    pdf: bytes = weasyprint.HTML(string=render_html(report)).write_pdf()
    return pdf


def render_after_action_html(report: AfterActionPublic) -> str:
    """A drill's after-action report as a standalone HTML document (the PDF is drawn from it)."""
    return _environment().get_template("reports/after_action.html").render(report=report)


def render_after_action_body(report: AfterActionPublic) -> Markup:
    """The after-action report's heading, summary and sections, for a page that has its own layout."""
    return Markup(_environment().get_template("reports/_after_action_body.html").render(report=report))


def render_after_action_pdf(report: AfterActionPublic) -> bytes:
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=render_after_action_html(report)).write_pdf()
    return pdf


def render_csv(report: ReportPublic) -> str:
    """Every table of the report, one CSV row per table row: section, table, then its columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "table", "values..."])
    for section in report.sections:
        for table in section.tables:
            writer.writerow([section.key, table.caption, *table.headers])
            for row in table.rows:
                writer.writerow([section.key, table.caption, *row])
    return out.getvalue()
