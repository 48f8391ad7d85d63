"""What the budgets and norms packages offer other domains (the regional report reads
``implementation_status`` and ``compliance``), pinned; the data files the docs describe; and the
demo's reports, made once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from gotong import budgets, norms
from gotong.budgets import ComplianceStatus
from gotong.db.engine import read_connection
from gotong.demo import load_demo
from gotong.orgs.service import operator_for

DOCS = Path(__file__).parents[2] / "docs"


def test_the_public_names_are_pinned() -> None:
    assert budgets.__all__ == [
        "BUDGETS_COLLECTION", "CATEGORIES", "EXTENSION_ID", "RANGES_TYPE", "REPORT_TYPE", "BudgetCreate",
        "BudgetFilter", "BudgetPublic", "Category", "CompliancePublic", "ComplianceStatus", "Mandate",
        "MandatePublic", "RangesPublic", "RuleKind", "compliance", "create_report", "get_report", "judge",
        "list_mandates", "list_ranges", "list_reports", "mandates", "publish_ranges", "rate",
    ]  # fmt: skip
    assert norms.__all__ == [
        "EXTENSION_ID", "NORMS_COLLECTION", "PROPOSAL_TYPE", "REPORT_TYPE", "SUMMARY_TYPE", "Catalogue",
        "EntryPublic", "EntryUpdate", "ItemStatus", "Norm", "NormItem", "NormPublic", "NormStatus",
        "OfferedEvidence", "ProposalCreate", "ProposalItem", "ProposalPublic", "ReportCreate",
        "ReportFilter", "ReportPublic", "ReportUpdate", "SummaryPublic", "adopt_norm", "answered_norms",
        "assistance_figures", "catalogue", "create_report", "cycle_bounds", "cycle_of", "get_proposal",
        "get_report", "implementation_status", "list_norms", "list_proposals", "list_reports",
        "list_summaries", "norm", "on_motion_decided", "propose_norm", "proposed", "update_report",
    ]  # fmt: skip


def test_the_docs_name_what_the_data_holds() -> None:
    text = (DOCS / "budgets.md").read_text("utf-8")
    for category in budgets.CATEGORIES:
        assert f"`{category}`" in text
    for kind in budgets.RuleKind:
        assert f"`{kind}`" in text
    assert "illustrative" in text
    norms_text = (DOCS / "norms.md").read_text("utf-8")
    for status in norms.ItemStatus:
        assert f"`{status}`" in norms_text


def test_the_demo_files_reports_once_with_one_member_below_and_one_summary(engine: Engine) -> None:
    first = load_demo(engine)
    again = load_demo(engine)
    assert "demo implementation reports: 3 new; demo budget reports: 4 new" in first
    assert "demo implementation reports: 0 new; demo budget reports: 0 new" in again
    with read_connection(engine) as conn:
        taskforce = operator_for(conn, org="ASEAN-TF")
    standing = {(c.member, c.year): c for c in budgets.compliance(engine, actor=taskforce)}
    assert standing[("VNCERT", 2026)].status == ComplianceStatus.BELOW
    assert standing[("VNCERT", 2026)].subject_for_review is True
    assert standing[("ThaiCERT", 2026)].status == ComplianceStatus.MET
    assert [s.member for s in norms.list_summaries(engine, actor=taskforce)] == ["VNCERT"]
