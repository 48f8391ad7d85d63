"""Budget reports against the mandate, through the service verbs: a report below the mandate shows
"below" to the member and the taskforce and only bands to another member (the member itself sees
its amounts), nothing at all before the member publishes its ranges, and a member below for the
mandate's number of consecutive years is flagged for review by a domain event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gotong import budgets
from gotong.budgets import BudgetCreate, ComplianceStatus
from gotong.core import events
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Forbidden, Invalid, NotFound
from gotong.orgs.service import get_org

# 10 bn VND is about 388,000 USD in 2026: far under Viet Nam's minimum (the share of its GDP alone
# asks about 5 M USD, three quarters of it due in 2026 on the default trajectory).
VN_AMOUNTS = {"cert-operations": 5_000_000_000, "cert-staff": 3_000_000_000, "training": 2_000_000_000}
VN_ICT = 1_000_000_000_000
# 210 M THB is about 6.3 M USD: above every rule's full minimum for Thailand in 2026.
TH_AMOUNTS = {
    "cert-operations": 60_000_000,
    "cert-staff": 40_000_000,
    "cii-protection": 100_000_000,
    "training": 10_000_000,
}


def _as(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _file(engine: Engine, org: str, year: int, amounts: dict[str, int], ict: int, **extra: object) -> str:
    body = BudgetCreate(year=year, amounts=amounts, government_ict_budget=ict, **extra)
    return budgets.create_report(engine, actor=_as(engine, org), report=body).id


@pytest.fixture
def flagged() -> Iterator[list[events.BudgetBelowMandate]]:
    seen: list[events.BudgetBelowMandate] = []
    subscription = events.subscribe(events.BudgetBelowMandate, seen.append)
    yield seen
    subscription.cancel()


def test_below_mandate_is_exact_to_the_member_and_the_taskforce_and_a_band_to_others(engine: Engine) -> None:
    report_id = _file(engine, "VNCERT", 2026, VN_AMOUNTS, VN_ICT)
    for reader in ("VNCERT", "ASEAN-TF"):
        [standing] = budgets.compliance(engine, actor=_as(engine, reader))
        assert (standing.member, standing.year, standing.exact) == ("VNCERT", 2026, True)
        assert standing.status == ComplianceStatus.BELOW
        assert standing.share is not None and standing.share < 0.25
        [report] = budgets.list_reports(engine, actor=_as(engine, reader))
        assert report.amounts == VN_AMOUNTS and report.total == 10_000_000_000
        assert report.currency == "VND" and round(report.total_usd) == round(10_000_000_000 / 25800)
    # Another member, and the hub: nothing before the ranges are published (the report is hidden).
    for other in ("ThaiCERT", "ASEAN-CERT"):
        assert budgets.compliance(engine, actor=_as(engine, other)) == []
        assert budgets.list_reports(engine, actor=_as(engine, other)) == []
        with pytest.raises(NotFound):
            budgets.get_report(engine, actor=_as(engine, other), report_id=report_id)
    budgets.publish_ranges(engine, actor=_as(engine, "VNCERT"), report_id=report_id)
    [band] = budgets.compliance(engine, actor=_as(engine, "ThaiCERT"))
    assert (band.member, band.exact, band.status, band.share) == ("VNCERT", False, None, None)
    assert band.share_band == "under 25%" and band.total_band == "250 k USD to 500 k USD"
    assert band.rules == [] and band.subject_for_review is None
    text = band.model_dump_json()
    assert "5000000000" not in text and "10000000000" not in text
    # The taskforce still sees the exact standing, not the band.
    [exact] = budgets.compliance(engine, actor=_as(engine, "ASEAN-TF"))
    assert exact.exact and exact.status == ComplianceStatus.BELOW


def test_met_and_on_trajectory(engine: Engine) -> None:
    _file(engine, "ThaiCERT", 2026, TH_AMOUNTS, 1_500_000_000)
    [th] = budgets.compliance(engine, actor=_as(engine, "ThaiCERT"))
    assert th.status == ComplianceStatus.MET and th.share_band == "100% or more"
    # 16.5 M MYR (about 3.75 M USD): three quarters of Malaysia's minimum (due in 2026), not all of it.
    my = {"cert-operations": 1_000_000, "cert-staff": 500_000, "cii-protection": 15_000_000}
    _file(engine, "MyCERT", 2026, my, 100_000_000)
    [standing] = budgets.compliance(engine, actor=_as(engine, "MyCERT"))
    assert standing.status == ComplianceStatus.ON_TRAJECTORY and standing.share_band == "75% to 100%"


def test_below_for_the_rules_years_is_a_subject_for_review(
    engine: Engine, flagged: list[events.BudgetBelowMandate]
) -> None:
    _file(engine, "VNCERT", 2025, VN_AMOUNTS, VN_ICT)
    assert flagged == []  # one year below: not yet (the mandate says two)
    report_id = _file(engine, "VNCERT", 2026, VN_AMOUNTS, VN_ICT)
    [event] = flagged
    assert (event.member, event.mandate, event.years) == ("VNCERT", "asean-cyber-budget-2026", (2025, 2026))
    # It names the report that made it so, with that report's markings (its TLP and audience).
    report = budgets.get_report(engine, actor=_as(engine, "VNCERT"), report_id=report_id)
    assert event.report_id == report_id and report.tlp == "amber+strict"
    assert len(event.markings) == 2 and all(m.startswith("marking-definition--") for m in event.markings)
    by_year = {c.year: c for c in budgets.compliance(engine, actor=_as(engine, "ASEAN-TF"))}
    assert by_year[2026].subject_for_review is True and by_year[2025].subject_for_review is False


def test_a_report_is_the_members_own_and_once_a_year(engine: Engine) -> None:
    _file(engine, "VNCERT", 2026, VN_AMOUNTS, VN_ICT)
    with pytest.raises(Conflict, match="already has a budget report for 2026"):
        _file(engine, "VNCERT", 2026, VN_AMOUNTS, VN_ICT)
    with pytest.raises(Invalid, match=r"amounts\.salaries: not a budget category"):
        _file(engine, "VNCERT", 2025, {"salaries": 1}, VN_ICT)
    with pytest.raises(Invalid, match="no rates are recorded for VN in 2031"):
        _file(engine, "VNCERT", 2031, VN_AMOUNTS, VN_ICT)
    with pytest.raises(Invalid, match="never green"):
        _file(engine, "VNCERT", 2025, VN_AMOUNTS, VN_ICT, tlp="green")
    [report] = budgets.list_reports(engine, actor=_as(engine, "VNCERT"))
    with pytest.raises(NotFound):  # the taskforce sees it, but does not publish a member's ranges
        budgets.publish_ranges(engine, actor=_as(engine, "ThaiCERT"), report_id=report.id)
    with pytest.raises(Forbidden, match="only VNCERT"):
        budgets.publish_ranges(engine, actor=_as(engine, "ASEAN-TF"), report_id=report.id)
