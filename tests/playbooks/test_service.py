"""The playbook verbs on a real database: import with versions, visibility through the sharing
policy, and applying a playbook to a case as tasks by role, branches and clocks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from gotong import incidents, playbooks
from gotong.db.engine import write_transaction
from gotong.errors import Conflict, Invalid, NotFound
from gotong.playbooks import PlaybookApply, PlaybookImport
from gotong.sharing.service import add_group
from tests.helpers import REGIONAL_ID
from tests.playbooks.conftest import actor, copy_of, example, open_case

HOUR = 3_600_000_000
T0 = 1_800_000_000_000_000  # 2027-01-15, a clock the tests control


def _import(engine: Engine, schemas: str, document: dict[str, Any], org: str = "SingCERT", **kw: Any) -> Any:
    request = PlaybookImport(playbook=document, collection=REGIONAL_ID, **kw)
    return playbooks.import_playbook(engine, actor=actor(engine, org), request=request, schemas=schemas)


def _library(name: str) -> dict[str, Any]:
    return next(d for d in playbooks.library() if d["name"] == name)


def test_an_imported_example_reads_back_unchanged(engine: Engine, schemas: str) -> None:
    document = example()
    stored = _import(engine, schemas, document)
    assert stored.id == document["id"] and stored.document == document
    assert stored.tlp == "green" and stored.audience is None and stored.versions == [document["modified"]]
    listed = playbooks.list_playbooks(engine, actor=actor(engine, "ThaiCERT"))
    assert [p.id for p in listed] == [document["id"]]


def test_a_newer_version_keeps_the_older(engine: Engine, schemas: str) -> None:
    first = example()
    _import(engine, schemas, first)
    second = copy_of(first)
    second["modified"] = "2024-05-01T00:00:00.000Z"
    second["description"] = "Block it at every switch."
    _import(engine, schemas, second)
    reader = actor(engine, "ThaiCERT")
    latest = playbooks.get_playbook(engine, actor=reader, playbook_id=first["id"])
    assert latest.versions == [first["modified"], second["modified"]]
    assert latest.document["description"] == "Block it at every switch."
    older = playbooks.get_playbook(engine, actor=reader, playbook_id=first["id"], version=first["modified"])
    assert older.document == first
    again = _import(engine, schemas, second)  # the same version again changes nothing
    assert again.versions == latest.versions


def test_other_content_under_a_stored_version_is_a_conflict(engine: Engine, schemas: str) -> None:
    _import(engine, schemas, example())
    changed = copy_of(example())
    changed["name"] = "Changed without a new modified"
    with pytest.raises(Conflict, match="needs a later modified"):
        _import(engine, schemas, changed)


def test_a_malformed_playbook_is_refused_naming_the_property(engine: Engine, schemas: str) -> None:
    document = copy_of(example())
    del document["workflow_start"]
    with pytest.raises(Invalid, match="playbook: workflow_start: is required"):
        _import(engine, schemas, document)
    with pytest.raises(NotFound):
        playbooks.get_playbook(engine, actor=actor(engine, "SingCERT"), playbook_id=document["id"])


def test_a_node_without_the_schemas_refuses_imports(engine: Engine) -> None:
    with pytest.raises(Invalid, match="GOTONG_CACAO_SCHEMAS"):
        _import(engine, "", example())


def test_a_playbook_reaches_only_its_audience(engine: Engine, schemas: str) -> None:
    with write_transaction(engine) as conn:
        add_group(conn, name="mekong", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    stored = _import(engine, schemas, example(), tlp="amber+strict", sharing_group="mekong")
    assert stored.tlp == "amber+strict" and stored.audience == "mekong"
    assert [p.id for p in playbooks.list_playbooks(engine, actor=actor(engine, "ThaiCERT"))] == [stored.id]
    assert playbooks.list_playbooks(engine, actor=actor(engine, "MyCERT")) == []
    with pytest.raises(NotFound):
        playbooks.get_playbook(engine, actor=actor(engine, "MyCERT"), playbook_id=stored.id)


def _task(case: incidents.CasePublic, name: str) -> incidents.EntryPublic:
    return next(t for t in case.tasks if t.name == name)


def _assignee(engine: Engine, task: incidents.EntryPublic) -> str:
    from gotong.incidents.objects import CASE_EXTENSION_ID

    ref = task.object["extensions"][CASE_EXTENSION_ID]["assigned_ref"]
    from gotong.db.engine import read_connection
    from gotong.orgs.service import list_orgs

    with read_connection(engine) as conn:
        return next(o.short_name for o in list_orgs(conn) if o.identity_id == ref)


def _done(engine: Engine, org: str, case_id: str, task: incidents.EntryPublic, outcome: str) -> None:
    incidents.update_task(
        engine,
        actor=actor(engine, org),
        case_id=case_id,
        task_id=task.id,
        update=incidents.TaskUpdate(outcome=incidents.TaskOutcome(outcome)),
    )


def test_applying_ransomware_follows_parallel_and_if_branches(engine: Engine, schemas: str) -> None:
    document = _library("Ransomware on critical information infrastructure")
    _import(engine, schemas, document)
    case = open_case(engine)
    lead = actor(engine, "SingCERT")
    run = playbooks.apply_playbook(
        engine, actor=lead, case_id=case.id, apply=PlaybookApply(playbook=document["id"]), now=T0
    )
    shown = incidents.get_case(engine, actor=lead, case_id=case.id)
    assert [t.name for t in shown.tasks] == ["Triage and scope the ransomware"]
    assert _assignee(engine, shown.tasks[0]) == "ThaiCERT"  # the affected member
    assert {c.clock: c.state for c in run.clocks} == {
        "early_warning": incidents.ClockState.RUNNING,
        "containment": incidents.ClockState.RUNNING,
    }
    assert run.clocks[0].due == "2027-01-16T08:00:00.000Z"  # 24 hours after it was applied

    _done(engine, "ThaiCERT", case.id, shown.tasks[0], "successful")
    playbooks.advance_playbooks(engine, actor=lead, case_id=case.id, now=T0 + HOUR)
    shown = incidents.get_case(engine, actor=lead, case_id=case.id)
    contain, warn = (
        _task(shown, "Isolate the affected network segments"),
        _task(shown, "Send the early warning to the hub"),
    )
    assert (_assignee(engine, contain), _assignee(engine, warn)) == ("ThaiCERT", "SingCERT")
    from gotong.incidents.objects import CASE_EXTENSION_ID

    # the warning task is due when the early-warning clock is; containment's task when its clock is
    assert warn.object["extensions"][CASE_EXTENSION_ID]["due"] == "2027-01-16T08:00:00.000Z"
    assert contain.object["extensions"][CASE_EXTENSION_ID]["due"] == "2027-01-18T08:00:00.000Z"
    assert len(shown.tasks) == 3

    _done(engine, "SingCERT", case.id, warn, "successful")
    runs = playbooks.advance_playbooks(engine, actor=lead, case_id=case.id, now=T0 + 2 * HOUR)
    assert len(incidents.get_case(engine, actor=lead, case_id=case.id).tasks) == 3  # waits for both branches
    assert {c.clock: c.state for c in runs[0].clocks}["early_warning"] == incidents.ClockState.MET

    _done(engine, "ThaiCERT", case.id, contain, "successful")
    playbooks.advance_playbooks(engine, actor=lead, case_id=case.id, now=T0 + 3 * HOUR)
    shown = incidents.get_case(engine, actor=lead, case_id=case.id)
    decision = _task(shown, "Decide: Has it spread beyond one member?")
    assert _assignee(engine, decision) == "SingCERT"

    _done(engine, "SingCERT", case.id, decision, "failed")  # it has not spread
    playbooks.advance_playbooks(engine, actor=lead, case_id=case.id, now=T0 + 4 * HOUR)
    shown = incidents.get_case(engine, actor=lead, case_id=case.id)
    confirm = _task(shown, "Confirm no other member is exposed")
    assert _assignee(engine, confirm) == "MyCERT"
    assert "Coordinate the regional response" not in {t.name for t in shown.tasks}

    _done(engine, "MyCERT", case.id, confirm, "successful")
    playbooks.advance_playbooks(engine, actor=lead, case_id=case.id, now=T0 + 5 * HOUR)
    shown = incidents.get_case(engine, actor=lead, case_id=case.id)
    recover = _task(shown, "Restore from clean backups")  # back at the condition's on_completion
    _done(engine, "ThaiCERT", case.id, recover, "successful")
    (final,) = playbooks.advance_playbooks(engine, actor=lead, case_id=case.id, now=T0 + 6 * HOUR)
    assert final.finished
    # the decision's "failed" is the condition's "no"
    assert [s.outcome for s in final.steps] == ["successful"] * 3 + ["failed"] + ["successful"] * 2


def test_a_clock_not_met_in_time_is_breached(engine: Engine, schemas: str) -> None:
    document = _library("Phishing campaign")
    _import(engine, schemas, document)
    case = open_case(engine)
    lead = actor(engine, "SingCERT")
    playbooks.apply_playbook(
        engine, actor=lead, case_id=case.id, apply=PlaybookApply(playbook=document["id"]), now=T0
    )
    (run,) = playbooks.case_playbooks(engine, actor=lead, case_id=case.id, now=T0 + 9 * HOUR)
    assert [(c.clock, c.state) for c in run.clocks] == [("takedown", incidents.ClockState.BREACHED)]
    (early,) = playbooks.case_playbooks(engine, actor=lead, case_id=case.id, now=T0 + HOUR)
    assert early.clocks[0].state == incidents.ClockState.RUNNING  # positive control


def test_every_library_playbook_applies_with_its_tasks_and_clocks(engine: Engine, schemas: str) -> None:
    lead = actor(engine, "SingCERT")
    for document in playbooks.library():
        _import(engine, schemas, document)
        case = open_case(engine, title=document["name"])
        run = playbooks.apply_playbook(
            engine, actor=lead, case_id=case.id, apply=PlaybookApply(playbook=document["id"]), now=T0
        )
        declared = document["playbook_extensions"][next(iter(document["playbook_extensions"]))]["clocks"]
        assert [c.clock for c in run.clocks] == [c["clock"] for c in declared], document["name"]
        tasks = incidents.get_case(engine, actor=lead, case_id=case.id).tasks
        assert tasks and [t for s in run.steps for t in s.tasks] == [t.id for t in tasks]


def test_a_run_is_seen_by_whoever_sees_the_case(engine: Engine, schemas: str) -> None:
    with write_transaction(engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    document = _library("Phishing campaign")
    _import(engine, schemas, document)
    case = open_case(
        engine,
        tlp="amber+strict",
        sharing_group="port-responders",
        participants=[{"org": "ThaiCERT", "role": "affected"}],
    )
    lead = actor(engine, "SingCERT")
    playbooks.apply_playbook(
        engine, actor=lead, case_id=case.id, apply=PlaybookApply(playbook=document["id"])
    )
    assert len(playbooks.case_playbooks(engine, actor=actor(engine, "ThaiCERT"), case_id=case.id)) == 1
    with pytest.raises(NotFound):
        playbooks.case_playbooks(engine, actor=actor(engine, "MyCERT"), case_id=case.id)


def test_an_unseen_playbook_cannot_be_applied(engine: Engine, schemas: str) -> None:
    case = open_case(engine)
    with pytest.raises(NotFound, match="no playbook"):
        playbooks.apply_playbook(
            engine,
            actor=actor(engine, "SingCERT"),
            case_id=case.id,
            apply=PlaybookApply(playbook=example()["id"]),
        )
