"""The service verbs on a real database: what reading a case hands out is noted as receipts."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from gotong import incidents
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import get_org
from gotong.sharing.receipts import ReceiptRecorder, list_receipts
from gotong.sharing.service import add_group
from tests.helpers import REGIONAL_ID


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def test_reading_a_case_notes_receipts_for_exactly_what_was_handed_out(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    sg, my = _actor(engine, "SingCERT"), _actor(engine, "MyCERT")
    case = incidents.open_case(
        engine,
        actor=sg,
        case=incidents.CaseCreate(title="Port ransomware", collection=REGIONAL_ID, tlp="green"),
    )
    seen = incidents.add_event(
        engine, actor=sg, case_id=case.id, event=incidents.EventCreate(name="Note found")
    )
    hidden = incidents.add_event(
        engine,
        actor=sg,
        case_id=case.id,
        event=incidents.EventCreate(name="Negotiator", tlp="amber+strict", sharing_group="port-responders"),
    )
    recorder = ReceiptRecorder(engine)
    try:
        shown = incidents.get_case(engine, actor=my, case_id=case.id, receipts=recorder)
        listed = incidents.list_cases(engine, actor=my, receipts=recorder)
        incidents.get_case(engine, actor=sg, case_id=case.id, receipts=recorder)  # its own: no receipt
    finally:
        recorder.close()  # writes what was noted
    assert [e.id for e in shown.events] == [seen.id] and [c.id for c in listed] == [case.id]
    with read_connection(engine) as conn:
        receipts = list_receipts(conn, org_id=sg.org_id or 0, collection_id=REGIONAL_ID)
    got = {(r.stix_id, r.reader, r.times) for r in receipts}
    assert got == {(case.id, "MyCERT", 2), (seen.id, "MyCERT", 1)}, got
    assert hidden.id not in {r.stix_id for r in receipts}


def test_the_specifications_confirmed_reads_as_successful_attempt(engine: Engine) -> None:
    from gotong.incidents.objects import INCIDENT_CORE_ID
    from gotong.intel.query import ObjectFilter, read_page
    from gotong.intel.store import add_objects
    from gotong.sharing.service import load_reader

    sg = _actor(engine, "SingCERT")
    made = incidents.open_case(
        engine, actor=sg, case=incidents.CaseCreate(title="Imported", collection=REGIONAL_ID, tlp="green")
    )
    with read_connection(engine) as conn:
        page = read_page(
            conn, reader=load_reader(conn, sg), collection_id=REGIONAL_ID,
            filters=ObjectFilter(ids=(made.id,)), limit=5,
        )  # fmt: skip
    body = json.loads(page.items[0].body)
    body["modified"] = "2030-01-01T00:00:00.000Z"
    body["extensions"][INCIDENT_CORE_ID]["determination"] = "confirmed"  # as another tool writes it
    body["extensions"][INCIDENT_CORE_ID]["criticality"] = 70
    body["labels"] = ["from-another-tool"]
    assert not add_objects(engine, principal=sg, collection_id=REGIONAL_ID, objects=[body]).failures
    case = incidents.get_case(engine, actor=sg, case_id=made.id)
    assert case.determination == incidents.Determination.SUCCESSFUL_ATTEMPT
    incidents.update_case(engine, actor=sg, case_id=made.id, update=incidents.CaseUpdate(severity=1))
    with read_connection(engine) as conn:
        page = read_page(
            conn, reader=load_reader(conn, sg), collection_id=REGIONAL_ID,
            filters=ObjectFilter(ids=(made.id,)), limit=5,
        )  # fmt: skip
    kept = json.loads(page.items[0].body)
    core = kept["extensions"][INCIDENT_CORE_ID]
    assert core["determination"] == "confirmed", "an imported value is kept as it came until changed"
    assert core["criticality"] == 70 and kept["labels"] == ["from-another-tool"], "nothing else is lost"
    changed = incidents.update_case(
        engine, actor=sg, case_id=made.id, update=incidents.CaseUpdate(determination="confirmed")
    )
    assert changed.determination == incidents.Determination.SUCCESSFUL_ATTEMPT


def test_cases_read_in_bulk_are_the_cases_read_one_by_one_for_every_reader(engine: Engine) -> None:
    """``list_cases_with_entries`` (the dashboard's and the clock job's read) gives each reader the
    same cases with the same entries as ``get_case`` does, entries marked more strictly included."""
    with write_transaction(engine) as conn:
        add_group(conn, name="port-responders", members=["SingCERT", "ThaiCERT"], owner="SingCERT")
    sg, th = _actor(engine, "SingCERT"), _actor(engine, "ThaiCERT")
    readers = [sg, th, _actor(engine, "MyCERT"), _actor(engine, "VNCERT")]
    shared = incidents.open_case(
        engine,
        actor=sg,
        case=incidents.CaseCreate(title="Port ransomware", collection=REGIONAL_ID, tlp="green"),
    )
    incidents.add_event(engine, actor=sg, case_id=shared.id, event=incidents.EventCreate(name="Note found"))
    strict = incidents.add_event(
        engine,
        actor=sg,
        case_id=shared.id,
        event=incidents.EventCreate(name="Negotiator", tlp="amber+strict", sharing_group="port-responders"),
    )
    incidents.add_task(
        engine, actor=sg, case_id=shared.id, task=incidents.TaskCreate(name="Isolate", assigned_to="ThaiCERT")
    )
    own = incidents.open_case(
        engine, actor=th, case=incidents.CaseCreate(title="Thai only", collection=REGIONAL_ID, tlp="red")
    )
    incidents.add_event(engine, actor=th, case_id=own.id, event=incidents.EventCreate(name="Defacement seen"))
    seen_by: dict[str, set[str]] = {}
    for reader in readers:
        bulk = incidents.list_cases_with_entries(engine, actor=reader)
        one_by_one = [
            incidents.get_case(engine, actor=reader, case_id=c.id)
            for c in incidents.list_cases(engine, actor=reader)
        ]
        assert [c.model_dump() for c in bulk] == [c.model_dump() for c in one_by_one], reader.org_short
        seen_by[str(reader.org_short)] = {e.id for c in bulk for e in c.events}
    # Positive controls: the strict entry reaches its group only, the red case its lead only.
    assert strict.id in seen_by["ThaiCERT"] and strict.id not in seen_by["MyCERT"]
    assert [c.id for c in incidents.list_cases_with_entries(engine, actor=th)].count(own.id) == 1
    assert own.id not in {c.id for c in incidents.list_cases_with_entries(engine, actor=sg)}


def test_the_case_filter_keeps_exactly_the_matching_cases_in_both_lists(engine: Engine) -> None:
    sg, th = _actor(engine, "SingCERT"), _actor(engine, "ThaiCERT")

    def case(actor: Principal, title: str, severity: int) -> str:
        made = incidents.open_case(
            engine,
            actor=actor,
            case=incidents.CaseCreate(title=title, collection=REGIONAL_ID, tlp="green", severity=severity),
        )
        return made.id

    low, high, thai = case(sg, "Low", 1), case(sg, "High", 3), case(th, "Thai", 4)
    ours = {low, high, thai}
    filters = {
        "everything": (incidents.CaseFilter(), ours),
        "lead": (incidents.CaseFilter(lead="SingCERT"), {low, high}),
        "severity": (incidents.CaseFilter(min_severity=3), {high, thai}),
        "both": (incidents.CaseFilter(lead="SingCERT", min_severity=3), {high}),
        "status": (incidents.CaseFilter(status=incidents.CaseStatus.NEW), ours),
        "no status": (incidents.CaseFilter(status=incidents.CaseStatus.CLOSED), set()),
    }
    for name, (wanted, expected) in filters.items():
        listed = {c.id for c in incidents.list_cases(engine, actor=sg, filter=wanted)} & ours
        bulk = {c.id for c in incidents.list_cases_with_entries(engine, actor=sg, filter=wanted)} & ours
        assert listed == bulk == expected, name
