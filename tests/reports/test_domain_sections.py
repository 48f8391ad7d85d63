"""The sections of maturity, norms and budgets, checked over every pair of a record's TLP and a
report's audience: a record is in a report exactly when the report's audience may receive its marking
(or the report is the organisation's own view) and the reader may see it at all. When it is left out
nothing of it is left: no section, no line of the summary, no row naming its organisation. The cases
where it appears are the positive control, for the member itself, the taskforce or the hub."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong import budgets, norms, reports
from gotong.budgets import BudgetCreate
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.norms import EntryUpdate, ItemStatus, ReportUpdate
from gotong.orgs.service import get_org
from tests.maturity.conftest import levels, published

ORDER = ["clear", "green", "amber", "amber+strict", "red"]
MARKINGS: list[str | None] = [None, "clear", "green", "amber", "amber+strict"]
PERIOD = "2026"


def _as(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org, role=Role.ANALYST)


def _receives(record_tlp: str, marking: str | None) -> bool:
    return marking is None or ORDER.index(record_tlp) <= ORDER.index(marking)


def _check(engine: Engine, key: str, owner: str, record_tlp: str, readers: dict[str, bool]) -> None:
    """For each reader (True: may see the record at all) and every audience, the section of ``key``
    is there exactly when it should be, and when it is not, ``owner`` is named nowhere in a section."""
    for reader, sees in readers.items():
        for marking in MARKINGS:
            made = reports.generate_report(engine, actor=_as(engine, reader), period=PERIOD, tlp=marking)
            keys = [s.key for s in made.sections]
            expected = sees and _receives(record_tlp, marking)
            context = f"{key} record {record_tlp}, {reader}'s report for {marking or 'itself'}: {keys}"
            if expected:
                section = next(s for s in made.sections if s.key == key)
                assert any(owner in row for t in section.tables for row in t.rows), context
                assert section.chart_svg.startswith("<svg"), context
            else:
                assert key not in keys, context
                assert owner not in " ".join(made.summary), context
                assert all(owner not in s.model_dump_json() for s in made.sections), context


@pytest.mark.parametrize("record_tlp", ["amber", "amber+strict"])
def test_a_norms_report_reaches_a_report_only_for_an_audience_that_may_receive_it(
    engine: Engine, record_tlp: str
) -> None:
    actor = _as(engine, "VNCERT")
    made = norms.create_report(engine, actor=actor, report=norms.ReportCreate(cycle=PERIOD, tlp=record_tlp))
    entry = EntryUpdate(item="g1", status=ItemStatus.IMPLEMENTED)
    norms.update_report(engine, actor=actor, report_id=made.id, update=ReportUpdate(entries=[entry]))
    _check(engine, "norms", "VNCERT", record_tlp, {"VNCERT": True, "ASEAN-TF": True, "ThaiCERT": False})


@pytest.mark.parametrize("record_tlp", ["amber", "amber+strict"])
def test_a_budget_reaches_a_report_only_for_an_audience_that_may_receive_it(
    engine: Engine, record_tlp: str
) -> None:
    body = BudgetCreate(
        year=2026,
        amounts={"cert-operations": 5_000_000_000, "cert-staff": 3_000_000_000},
        government_ict_budget=1_000_000_000_000,
        tlp=record_tlp,
    )
    budgets.create_report(engine, actor=_as(engine, "VNCERT"), report=body)
    _check(engine, "budgets", "VNCERT", record_tlp, {"VNCERT": True, "ASEAN-TF": True, "MyCERT": False})


@pytest.mark.parametrize(
    ("record_tlp", "whole_network"), [("green", True), ("amber", True), ("amber+strict", False)]
)
def test_an_assessment_reaches_a_report_only_for_an_audience_that_may_receive_it(
    engine: Engine, record_tlp: str, whole_network: bool
) -> None:
    published(engine, "ThaiCERT", levels(3), tlp=record_tlp, whole_network=whole_network)
    readers = {"ThaiCERT": True, "ASEAN-CERT": True, "MyCERT": whole_network}
    _check(engine, "maturity", "ThaiCERT", record_tlp, readers)
    made = reports.generate_report(engine, actor=_as(engine, "ThaiCERT"), period=PERIOD)
    [row] = next(s for s in made.sections if s.key == "maturity").tables[0].rows
    assert row[2] == "Intermediate" and row[5] == "1"  # the tier's capacity units (capacity.toml)
