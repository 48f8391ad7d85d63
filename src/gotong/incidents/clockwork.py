"""The verbs of the case clocks: read a case's clocks, find and record breaches (the clock job), and
count clocks for the dashboard and the regional report.

Every clock is derived from a case read through ``service.get_case`` — the intel read path with the
sharing policy — so nobody learns a clock of a case it may not see. The rules are ``sla.py``'s.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gotong.core import events
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid
from gotong.incidents import objects, policy, sla, storage
from gotong.incidents.models import ClockState, EventKind
from gotong.incidents.schemas import CaseFilter, CasePublic, ClockCounts, ClockPublic
from gotong.incidents.service import get_case, list_cases_with_entries
from gotong.orgs.service import Organisation, list_orgs
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import TimestampError, format_micros, micros_of, now_micros

__all__ = ["breached_clocks", "case_clocks", "check_clocks", "clock_counts"]


def case_clocks(
    engine: Engine, *, actor: Principal, case_id: str, now: int | None = None
) -> list[ClockPublic]:
    """Every party's clocks of a case the actor may see, at ``now`` (default: the present)."""
    case = get_case(engine, actor=actor, case_id=case_id)
    return _clocks(_orgs(engine), case, now if now is not None else now_micros())


def breached_clocks(
    engine: Engine, *, actor: Principal, now: int | None = None
) -> list[tuple[CasePublic, ClockPublic]]:
    """The breached clocks of the actor's own cases (those its organisation leads or takes part in),
    for the dashboard; unseen cases are not the actor's to count."""
    at = now if now is not None else now_micros()
    found = []
    orgs = _orgs(engine)
    for case in _mine(engine, actor):
        found += [(case, c) for c in _clocks(orgs, case, at) if c.state == ClockState.BREACHED]
    return found


def clock_counts(
    engine: Engine, *, actor: Principal, since: str, until: str, now: int | None = None
) -> ClockCounts:
    """How many clocks due in ``[since, until)`` were met and breached, over every case the actor
    may see (what the regional report counts per period)."""
    try:
        start, end = micros_of(since), micros_of(until)
    except TimestampError as exc:
        raise Invalid(f"since/until: {exc}") from None
    if end <= start:
        raise Invalid("until must be after since")
    at = now if now is not None else now_micros()
    met = breached = 0
    orgs = _orgs(engine)
    for case in list_cases_with_entries(engine, actor=actor):
        for clock in _clocks(orgs, case, at):
            if start <= micros_of(clock.due) < end:
                met += clock.state == ClockState.MET
                breached += clock.state == ClockState.BREACHED
    return ClockCounts(since=format_micros(start), until=format_micros(end), met=met, breached=breached)


def check_clocks(engine: Engine, *, now: int | None = None) -> list[sla.ClockBreached]:
    """The clock job's work: record each newly breached clock once, as a timeline event of the case
    written in its lead's name, and publish :class:`~gotong.incidents.sla.ClockBreached` for it.

    Each lead's cases are read as that lead, so nothing is read past the sharing policy; a breach
    already recorded (same party, clock and due time) is not recorded again.
    """
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        orgs = list_orgs(conn)
    fired: list[sla.ClockBreached] = []
    for org in orgs:
        lead = Principal(org_id=org.id, org_short=org.short_name)
        for case in list_cases_with_entries(engine, actor=lead, filter=CaseFilter(lead=org.short_name)):
            for clock in _clocks(orgs, case, at):
                if clock.state == ClockState.BREACHED and not clock.breach_recorded:
                    fired.append(_record(engine, lead, org.identity_id, case, clock, at))
    return fired


def _record(
    engine: Engine, lead: Principal, lead_ref: str, case: CasePublic, clock: ClockPublic, at: int
) -> sla.ClockBreached:
    with read_connection(engine) as conn:
        reader = load_reader(conn, lead)
        collection, incident = storage.find_case(conn, reader, case.id)
        party_ref = next(o.identity_id for o in list_orgs(conn) if o.short_name == clock.party)
    refs = [str(r) for r in incident.get("object_marking_refs", ())]
    obj = objects.entry(
        "event",
        case_ref=case.id,
        created_by_ref=lead_ref,
        name=f"Clock breached: {clock.name} of {clock.party} ({clock.role}) was due {clock.due}",
        description="",
        marking_refs=refs,
        now=format_micros(at, digits=3),
        properties=objects.event_properties(EventKind.REPORTED, None),
        gotong=sla.breach_mark(party_ref=party_ref, clock=clock.clock, due=clock.due),
    )
    storage.write(engine, lead, collection, [obj])
    event = sla.ClockBreached(
        case_id=case.id,
        collection_id=collection,
        lead=case.lead,
        party=clock.party,
        clock=clock.clock,
        due=clock.due,
    )
    with write_transaction(engine) as conn:
        events.publish(conn, event)
    return event


def _mine(engine: Engine, actor: Principal) -> list[CasePublic]:
    policy.may_read(actor)
    me = actor.org_short
    return [
        c
        for c in list_cases_with_entries(engine, actor=actor)
        if me is not None and (c.lead == me or any(p.org == me for p in c.participants))
    ]


def _orgs(engine: Engine) -> list[Organisation]:
    with read_connection(engine) as conn:
        return list_orgs(conn)


def _clocks(orgs: list[Organisation], case: CasePublic, at: int) -> list[ClockPublic]:
    names = {o.identity_id: o.short_name for o in orgs}
    countries = {o.short_name: o.country for o in orgs}
    return sla.clocks_of(case, names=names, countries=countries, now=at)
