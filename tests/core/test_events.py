"""Domain events: in-transaction subscribers write with the writer, after-commit ones see the commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select

from gotong.core import events
from gotong.core.auth import Principal
from gotong.core.events import ObjectsStored
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.models import stix_objects
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from tests.helpers import REGIONAL_ID, indicator


@pytest.fixture
def subscriptions() -> Iterator[list[events.Subscription]]:
    made: list[events.Subscription] = []
    yield made
    for subscription in made:
        subscription.cancel()


def _thai(engine: Engine) -> Principal:
    with read_connection(engine) as conn:
        org = get_org(conn, short_name="ThaiCERT")
    return Principal(org_id=org.id, org_short=org.short_name)


def _stored(engine: Engine) -> int:
    with read_connection(engine) as conn:
        return int(conn.execute(select(func.count()).select_from(stix_objects)).scalar_one())


def test_the_store_publishes_what_it_stored_and_subscribers_remark_on_the_status(
    engine: Engine, subscriptions: list[events.Subscription]
) -> None:
    seen: list[ObjectsStored] = []

    def remark(conn: Connection, event: ObjectsStored) -> None:
        seen.append(event)
        # In the writer's transaction: the rows are there, under the seqs the event names.
        seqs = set(conn.execute(select(stix_objects.c.seq)).scalars())
        assert {v.seq for v in event.versions} <= seqs
        event.remark(event.versions[0].seq, "noted by a subscriber")

    subscriptions.append(events.subscribe_in_transaction(ObjectsStored, remark))
    first, second = indicator(), indicator()
    report = add_objects(engine, principal=_thai(engine), collection_id=REGIONAL_ID, objects=[first, second])
    [event] = seen
    assert event.collection_id == REGIONAL_ID and [v.stix_id for v in event.versions] == [
        first["id"],
        second["id"],
    ]
    assert [s.message for s in report.successes] == ["noted by a subscriber", None]
    again = add_objects(engine, principal=_thai(engine), collection_id=REGIONAL_ID, objects=[first])
    assert len(seen) == 1 and again.successes[0].message == "already present", "nothing new: no event"


def test_an_in_transaction_subscriber_that_fails_rolls_the_write_back(
    engine: Engine, subscriptions: list[events.Subscription]
) -> None:
    def broken(_conn: Connection, _event: ObjectsStored) -> None:
        raise RuntimeError("the index is broken")

    before = _stored(engine)
    subscriptions.append(events.subscribe_in_transaction(ObjectsStored, broken))
    with pytest.raises(RuntimeError, match="the index is broken"):
        add_objects(engine, principal=_thai(engine), collection_id=REGIONAL_ID, objects=[indicator()])
    assert _stored(engine) == before, "nothing is stored that its subscribers did not take in"
    subscriptions.pop().cancel()
    add_objects(engine, principal=_thai(engine), collection_id=REGIONAL_ID, objects=[indicator()])
    assert _stored(engine) == before + 1, "positive control: without the failing subscriber it is stored"


def test_after_commit_subscribers_run_once_committed_and_never_for_a_rollback(
    engine: Engine, subscriptions: list[events.Subscription]
) -> None:
    counts: list[int] = []

    def after(_event: ObjectsStored) -> None:
        counts.append(_stored(engine))  # another connection: sees only committed rows

    subscriptions.append(events.subscribe(ObjectsStored, after))
    before = _stored(engine)
    add_objects(engine, principal=_thai(engine), collection_id=REGIONAL_ID, objects=[indicator()])
    assert counts == [before + 1]
    with pytest.raises(RuntimeError), write_transaction(engine) as conn:
        events.publish(conn, ObjectsStored(collection_id=REGIONAL_ID, submitter_org_id=1, versions=()))
        raise RuntimeError("rolled back")
    assert counts == [before + 1], "a rolled-back write published nothing"


def test_a_failing_after_commit_subscriber_does_not_undo_the_write(
    engine: Engine, subscriptions: list[events.Subscription], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_event: ObjectsStored) -> None:
        raise RuntimeError("wake-up failed")

    subscriptions.append(events.subscribe(ObjectsStored, broken))
    before = _stored(engine)
    report = add_objects(engine, principal=_thai(engine), collection_id=REGIONAL_ID, objects=[indicator()])
    assert len(report.successes) == 1 and _stored(engine) == before + 1
    assert "a handler of ObjectsStored failed after the commit" in caplog.text


def test_events_are_published_only_inside_a_write_transaction(engine: Engine) -> None:
    with read_connection(engine) as conn, pytest.raises(RuntimeError, match="write_transaction"):
        events.publish(conn, ObjectsStored(collection_id=REGIONAL_ID, submitter_org_id=1, versions=()))
    with write_transaction(engine) as conn:  # positive control
        events.publish(conn, ObjectsStored(collection_id=REGIONAL_ID, submitter_org_id=1, versions=()))
