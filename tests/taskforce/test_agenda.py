"""A member below its budget mandate for the rule's years is tabled on the taskforce's agenda by the
budgets domain's event (wired as the app and the CLI wire it): once per shortfall, marked as the
budget report, so the member and the taskforce see it and another member does not."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from gotong import budgets, taskforce
from gotong.core import events
from gotong.db.engine import make_engine, read_connection
from gotong.errors import NotFound
from gotong.node import init_node
from gotong.orgs.service import taskforce as taskforce_org
from gotong.settings import Settings
from gotong.taskforce import records
from gotong.taskforce.agenda import on_budget_below_mandate
from gotong.wiring import wire
from tests.taskforce.conftest import operator

VN_AMOUNTS = {"cert-operations": 5_000_000_000, "cert-staff": 3_000_000_000, "training": 2_000_000_000}
VN_ICT = 1_000_000_000_000


@pytest.fixture
def wired(engine: Engine) -> Engine:
    wire(Settings(warninglists=""), engine=lambda: engine)
    return engine


def _file(engine: Engine, year: int) -> str:
    body = budgets.BudgetCreate(year=year, amounts=VN_AMOUNTS, government_ict_budget=VN_ICT)
    return budgets.create_report(engine, actor=operator(engine, "VNCERT"), report=body).id


def test_a_budget_below_mandate_is_tabled_once_for_the_member_and_the_taskforce(wired: Engine) -> None:
    seen: list[events.BudgetBelowMandate] = []
    subscription = events.subscribe(events.BudgetBelowMandate, seen.append)
    try:
        _file(wired, 2025)
        assert taskforce.list_agenda(wired, actor=operator(wired)) == []  # one year below: not yet
        report_id = _file(wired, 2026)
    finally:
        subscription.cancel()
    [item] = taskforce.list_agenda(wired, actor=operator(wired))
    assert (item.subject, item.member, item.state, item.years) == (
        "budget-below-mandate",
        "VNCERT",
        "VN",
        [2025, 2026],
    )
    assert item.source == report_id and item.mandate == "asean-cyber-budget-2026"
    report = budgets.get_report(wired, actor=operator(wired, "VNCERT"), report_id=report_id)
    assert item.tlp == report.tlp == "amber+strict"
    # The report's audience: the member sees the item, another member and the hub do not.
    assert [i.id for i in taskforce.list_agenda(wired, actor=operator(wired, "VNCERT"))] == [item.id]
    for other in ("ThaiCERT", "ASEAN-CERT"):
        assert taskforce.list_agenda(wired, actor=operator(wired, other)) == []

    # The same shortfall again tables nothing new; a further year below brings the item up to date.
    [finding] = seen
    assert taskforce.table_budget_shortfall(wired, finding=finding) == item
    longer = taskforce.table_budget_shortfall(
        wired, finding=dataclasses.replace(finding, years=(2025, 2026, 2027))
    )
    [again] = taskforce.list_agenda(wired, actor=operator(wired))
    assert again.id == item.id and again.years == [2025, 2026, 2027] == longer.years
    assert again.modified > item.modified


def test_a_network_without_a_taskforce_tables_nothing(database_url: str) -> None:
    bare = make_engine(database_url)
    try:
        init_node(bare)  # no preset: no taskforce organisation
        finding = events.BudgetBelowMandate(
            member="VNCERT", mandate="asean-cyber-budget-2026", years=(2025, 2026), report_id="x", markings=()
        )
        on_budget_below_mandate(lambda: bare)(finding)  # says so in the log; raises nothing
        with read_connection(bare) as conn:
            assert taskforce_org(conn) is None and records.existing_collection(conn) is None
        with pytest.raises(NotFound, match="no taskforce organisation"):
            taskforce.table_budget_shortfall(bare, finding=finding)
    finally:
        bare.dispose()
