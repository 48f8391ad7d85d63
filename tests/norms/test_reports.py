"""Implementation reports through the service verbs: filed by the member, seen by the member and the
taskforce only (every other member and the hub refused, with positive controls), a public summary
that carries counts and never a narrative, and the status per member and norm a reader may know."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong import norms
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Forbidden, Invalid, NotFound
from gotong.norms import EntryUpdate, ItemStatus, ReportCreate, ReportUpdate
from gotong.orgs.service import get_org

SECRET = "The draft law on CII sits with the cabinet office until March"


def _as(engine: Engine, org: str, role: Role | None = None) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org, role=role)


def _filed(engine: Engine, org: str = "VNCERT", cycle: str = "2026") -> str:
    made = norms.create_report(engine, actor=_as(engine, org), report=ReportCreate(cycle=cycle))
    entry = EntryUpdate(item="g1", status=ItemStatus.IN_PROGRESS, narrative=SECRET, evidence=["Decree 53"])
    norms.update_report(
        engine, actor=_as(engine, org), report_id=made.id, update=ReportUpdate(entries=[entry])
    )
    return made.id


def test_a_report_is_seen_by_its_member_and_the_taskforce_and_by_no_other(engine: Engine) -> None:
    report_id = _filed(engine)
    for reader in ("VNCERT", "ASEAN-TF"):
        found = norms.get_report(engine, actor=_as(engine, reader), report_id=report_id)
        assert found.member == "VNCERT"
        assert found.tlp == "amber+strict"
        assert found.audience == "VNCERT+ASEAN-TF"
        g1 = next(e for e in found.entries if e.item == "g1")
        assert (g1.status, g1.narrative, g1.evidence) == (ItemStatus.IN_PROGRESS, SECRET, ["Decree 53"])
    for other in ("ThaiCERT", "ASEAN-CERT", "MyCERT"):
        with pytest.raises(NotFound):
            norms.get_report(engine, actor=_as(engine, other), report_id=report_id)
        assert norms.list_reports(engine, actor=_as(engine, other)) == []
    assert [r.id for r in norms.list_reports(engine, actor=_as(engine, "ASEAN-TF"))] == [report_id]


def test_only_the_member_edits_its_report_and_one_report_per_cycle(engine: Engine) -> None:
    report_id = _filed(engine)
    entry = EntryUpdate(item="a1", status=ItemStatus.IMPLEMENTED)
    with pytest.raises(Forbidden, match="only VNCERT"):
        norms.update_report(
            engine, actor=_as(engine, "ASEAN-TF"), report_id=report_id, update=ReportUpdate(entries=[entry])
        )
    with pytest.raises(Forbidden, match="readonly"):
        norms.update_report(
            engine,
            actor=_as(engine, "VNCERT", Role.READONLY),
            report_id=report_id,
            update=ReportUpdate(entries=[entry]),
        )
    with pytest.raises(Conflict, match="already has a report for 2026"):
        norms.create_report(engine, actor=_as(engine, "VNCERT"), report=ReportCreate(cycle="2026"))
    with pytest.raises(Invalid, match="not a reporting cycle"):
        norms.create_report(engine, actor=_as(engine, "VNCERT"), report=ReportCreate(cycle="2026-C1"))
    with pytest.raises(Invalid, match="not an implementation item"):
        norms.update_report(
            engine,
            actor=_as(engine, "VNCERT"),
            report_id=report_id,
            update=ReportUpdate(entries=[EntryUpdate(item="z9", status=ItemStatus.IMPLEMENTED)]),
        )
    with pytest.raises(Invalid, match="never clear"):
        norms.create_report(engine, actor=_as(engine, "MyCERT"), report=ReportCreate(tlp="clear"))


def test_a_public_summary_carries_counts_to_everyone_and_never_the_narrative(engine: Engine) -> None:
    report_id = _filed(engine)
    thai = _as(engine, "ThaiCERT")
    assert norms.list_summaries(engine, actor=thai) == []  # control: nothing published yet
    assert norms.implementation_status(engine, actor=thai) == []
    norms.update_report(
        engine, actor=_as(engine, "VNCERT"), report_id=report_id, update=ReportUpdate(publish_summary=True)
    )
    [summary] = norms.list_summaries(engine, actor=thai)
    assert summary.member == "VNCERT" and summary.report == report_id
    assert summary.counts["g"][ItemStatus.IN_PROGRESS] == 1
    assert SECRET not in summary.model_dump_json()
    with pytest.raises(NotFound):
        norms.get_report(engine, actor=thai, report_id=report_id)  # the report itself stays confidential
    # A later change to the report refreshes its summary.
    done = EntryUpdate(item="g1", status=ItemStatus.IMPLEMENTED)
    norms.update_report(
        engine, actor=_as(engine, "VNCERT"), report_id=report_id, update=ReportUpdate(entries=[done])
    )
    [summary] = norms.list_summaries(engine, actor=thai)
    assert summary.counts["g"][ItemStatus.IMPLEMENTED] == 1
    status = {s.norm: s for s in norms.implementation_status(engine, actor=thai)}
    assert status["g"].source == "summary" and status["g"].counts[ItemStatus.IMPLEMENTED] == 1
    tf = {s.norm: s for s in norms.implementation_status(engine, actor=_as(engine, "ASEAN-TF"))}
    assert tf["g"].source == "report"
    assert len(tf) == len(norms.catalogue().norms)


def test_a_regional_norm_adopted_here_is_answered_by_every_report(engine: Engine) -> None:
    before = norms.create_report(engine, actor=_as(engine, "VNCERT"), report=ReportCreate(cycle="2026"))
    assert "r1" not in before.counts and not any(e.norm == "r1" for e in before.entries)  # control
    with pytest.raises(Invalid, match="r1-1"):
        norms.update_report(
            engine,
            actor=_as(engine, "VNCERT"),
            report_id=before.id,
            update=ReportUpdate(entries=[EntryUpdate(item="r1-1", status=ItemStatus.IMPLEMENTED)]),
        )
    norms.adopt_norm(
        engine,
        norm_id="r1",
        decision_id="x-gotong-decision--6d1e8f5c-3b7a-4c2e-9f10-2a4b6c8d0e12",
        decided_at="2026-11-30T00:00:00.000Z",
    )
    assert [n.id for n in norms.answered_norms(engine)][-1] == "r1"
    # The report filed before the adoption now answers r1 too, its items not started yet.
    found = norms.get_report(engine, actor=_as(engine, "VNCERT"), report_id=before.id)
    assert [e.item for e in found.entries if e.norm == "r1"] == ["r1-1", "r1-2"]
    assert found.counts["r1"][ItemStatus.NOT_STARTED] == 2
    norms.update_report(
        engine,
        actor=_as(engine, "VNCERT"),
        report_id=before.id,
        update=ReportUpdate(
            entries=[EntryUpdate(item="r1-1", status=ItemStatus.IMPLEMENTED, narrative="desk paged")],
            publish_summary=True,
        ),
    )
    after = norms.get_report(engine, actor=_as(engine, "VNCERT"), report_id=before.id)
    assert after.counts["r1"][ItemStatus.IMPLEMENTED] == 1
    (summary,) = [
        s for s in norms.list_summaries(engine, actor=_as(engine, "MyCERT")) if s.member == "VNCERT"
    ]
    assert summary.counts["r1"][ItemStatus.IMPLEMENTED] == 1
    made = norms.create_report(engine, actor=_as(engine, "MyCERT"), report=ReportCreate(cycle="2026"))
    assert made.counts["r1"][ItemStatus.NOT_STARTED] == 2  # a new report lists r1 from the start
