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
