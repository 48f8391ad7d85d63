"""The taskforce's agenda of matters tabled by another domain's finding: today, a member whose budget
has been below its mandate for the rule's number of years (:class:`~gotong.core.events.BudgetBelowMandate`).

The budgets domain publishes the finding and knows nothing of the taskforce; ``gotong.wiring``
subscribes :func:`on_budget_below_mandate` to it. The item is an object of the taskforce's own type in
its collection, marked exactly as the budget report it comes from (by default TLP:AMBER+STRICT to the
member and the taskforce), so it is hidden from whoever may not see the report. One shortfall — the
same member, mandate and first year below — is one item: the event again changes nothing, and a
further year below is a new version of the same item with the longer run of years.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.core.events import BudgetBelowMandate
from gotong.db.engine import read_connection
from gotong.errors import NotFound
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.taskforce import objects, policy, records, storage
from gotong.taskforce.schemas import AgendaItemPublic

__all__ = ["BUDGET_BELOW_MANDATE", "list_agenda", "on_budget_below_mandate", "table_budget_shortfall"]

BUDGET_BELOW_MANDATE = "budget-below-mandate"
_log = logging.getLogger("gotong.taskforce")


def table_budget_shortfall(
    engine: Engine, *, finding: BudgetBelowMandate, now: int | None = None
) -> AgendaItemPublic:
    """Table (or bring up to date) the agenda item of a member's budget shortfall; the same shortfall
    is tabled once."""
    tf, _group = records.setup(engine)
    stix_id = objects.stable_id(
        objects.AGENDA_ITEM, BUDGET_BELOW_MANDATE, finding.member, finding.mandate, str(finding.years[0])
    )
    with read_connection(engine) as conn:
        publisher = records.publisher(conn, tf)
        state = next((s for s, member in records.states(conn).items() if member == finding.member), None)
        collection = records.collection_id(conn)  # setup made it
        reader = records.system_reader(conn, tf)
        found = list(storage.latest(conn, reader, collection, types=(objects.AGENDA_ITEM,), ids=(stix_id,)))
    props: dict[str, Any] = {
        "subject": BUDGET_BELOW_MANDATE,
        "member": finding.member,
        "mandate": finding.mandate,
        "years": list(finding.years),
        "source_ref": finding.report_id,
        "agenda_status": "tabled",
        **({"state": state} if state else {}),
    }
    if found and all(found[0].get(k) == v for k, v in props.items()):
        return _public(found[0])  # tabled already: nothing new
    if found:
        obj = objects.revised(found[0], modified=records.after(found[0]["modified"], now), props=props)
    else:
        obj = objects.make(
            objects.AGENDA_ITEM,
            stix_id=stix_id,
            now=records.stamp(now),
            creator=tf.identity_id,
            markings=list(finding.markings),
            name=f"Budget below mandate: {finding.member}",
            props=props,
        )
    # The type's definition beside it (a node whose taskforce began before the type has none yet);
    # the same body as records.setup's, so storing it again is a no-op.
    definition = objects.extension_definitions(publisher, TLP.CLEAR.marking_id, kinds=(objects.AGENDA_ITEM,))
    records.write(engine, tf, [*definition, obj])
    return _public(obj)


def list_agenda(engine: Engine, *, actor: Principal) -> list[AgendaItemPublic]:
    """The agenda items the actor may see (each as its source record allows), newest first."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection = records.existing_collection(conn)
        if collection is None:
            return []
        found = [
            _public(o)
            for o in storage.latest(conn, load_reader(conn, actor), collection, types=(objects.AGENDA_ITEM,))
        ]
    return sorted(found, key=lambda i: (i.modified, i.id), reverse=True)


def on_budget_below_mandate(engine: Callable[[], Engine]) -> Callable[[BudgetBelowMandate], None]:
    """The after-commit subscriber to :class:`BudgetBelowMandate` of the node whose engine is given.

    After the commit, not in the transaction: the item is written through the store, which takes the
    node's write lock itself. A network without a taskforce organisation tables nothing (the tabling
    finds that out as it reads the taskforce, once).
    """

    def tabled(finding: BudgetBelowMandate) -> None:
        try:
            table_budget_shortfall(engine(), finding=finding)
        except NotFound as exc:
            _log.info("%s's budget shortfall is not tabled: %s", finding.member, exc)

    return tabled


def _public(o: dict[str, Any]) -> AgendaItemPublic:
    return AgendaItemPublic(
        id=o["id"],
        subject=o["subject"],
        state=o.get("state"),
        member=o["member"],
        mandate=o["mandate"],
        years=[int(y) for y in o["years"]],
        source=o["source_ref"],
        status=o["agenda_status"],
        tlp=objects.tlp_of(o),
        created=o["created"],
        modified=o["modified"],
    )
