"""Checkpoints commit to the stored object versions too, and the node keeps its own outside the
database: edits to the objects table by hand, and a log deleted or cut with the database, are
caught; deletions through the write path are not mistaken for tampering."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine, delete, func, insert, select, update

from gotong.audit.models import audit_log
from gotong.audit.service import record_hash, verify
from gotong.checkpoints import HISTORY_FILE, KEPT_FILE, keep_checkpoint, kept_checkpoint, verify_node
from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.intel.models import stix_objects
from gotong.intel.query import ObjectFilter
from gotong.intel.service import delete_object
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.settings import Settings
from tests.conftest import start_server
from tests.helpers import REGIONAL_ID, indicator


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=str(tmp_path))


def _thai(engine: Engine) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name="ThaiCERT").id, org_short="ThaiCERT")


def _post(engine: Engine, count: int) -> list[str]:
    objects = [indicator() for _ in range(count)]
    report = add_objects(engine, principal=_thai(engine), collection_id=REGIONAL_ID, objects=objects)
    assert not report.failures
    return [str(o["id"]) for o in objects]


def _stored(engine: Engine) -> int:
    with read_connection(engine) as conn:
        return len(conn.execute(select(stix_objects.c.seq)).all())


def _verify(engine: Engine, settings: Settings) -> tuple[bool, str | None]:
    with read_connection(engine, snapshot=True) as conn:
        result, kept = verify_node(conn, settings=settings)
    assert kept is not None
    return result.ok, result.reason


def test_the_kept_checkpoint_commits_to_the_store_and_survives_audited_changes(
    engine: Engine, settings: Settings
) -> None:
    ids = _post(engine, 4)
    statement = keep_checkpoint(engine, settings=settings)
    assert statement["objects"] == _stored(engine) and kept_checkpoint(settings) == statement
    folder = Path(settings.node_key_file).parent
    assert (folder / KEPT_FILE).exists() and len((folder / HISTORY_FILE).read_text().splitlines()) == 1
    assert _verify(engine, settings) == (True, None)
    # Changes through the write path after the checkpoint: more objects, and the owner deletes one.
    _post(engine, 2)
    with write_transaction(engine) as conn:
        gone = delete_object(
            conn, actor=_thai(engine), collection=REGIONAL_ID, object_id=ids[0], filters=ObjectFilter()
        )
    assert gone == 1
    assert _verify(engine, settings) == (True, None)


def test_a_body_edited_by_hand_is_caught(engine: Engine, settings: Settings) -> None:
    ids = _post(engine, 3)
    keep_checkpoint(engine, settings=settings)
    assert _verify(engine, settings) == (True, None)  # positive control
    with write_transaction(engine) as conn:
        conn.execute(
            update(stix_objects).where(stix_objects.c.stix_id == ids[1]).values(body='{"type":"indicator"}')
        )
    ok, reason = _verify(engine, settings)
    assert not ok and reason is not None and reason.startswith("stored objects edited outside the audited")


def test_a_version_removed_or_inserted_by_hand_is_caught(engine: Engine, settings: Settings) -> None:
    ids = _post(engine, 3)
    covered = keep_checkpoint(engine, settings=settings)["objects"]
    with write_transaction(engine) as conn:
        row = conn.execute(select(stix_objects).where(stix_objects.c.stix_id == ids[2])).one()
        conn.execute(delete(stix_objects).where(stix_objects.c.stix_id == ids[2]))
    ok, reason = _verify(engine, settings)
    removed = "stored objects removed outside the audited write path"
    assert not ok and reason == f"{removed}: 1 of the {covered} versions the checkpoint covers are missing"
    forged = row._asdict() | {"stix_id": "indicator--00000000-0000-4000-8000-000000000001"}
    del forged["seq"]
    with write_transaction(engine) as conn:
        conn.execute(insert(stix_objects).values(**row._asdict()))  # put back: verifies again
        first = conn.execute(select(func.min(stix_objects.c.date_added))).scalar_one()
        conn.execute(insert(stix_objects).values(**(forged | {"date_added": first - 1})))
    ok, reason = _verify(engine, settings)
    assert not ok and reason is not None and reason.startswith("stored objects inserted outside the audited")


def test_a_log_deleted_or_cut_with_the_database_is_caught_by_the_kept_checkpoint(
    engine: Engine, settings: Settings
) -> None:
    _post(engine, 2)
    keep_checkpoint(engine, settings=settings)
    with read_connection(engine) as conn:
        records = len(conn.execute(select(audit_log.c.seq)).all())
    with write_transaction(engine) as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == records))
    ok, reason = _verify(engine, settings)
    assert not ok and reason == (
        f"log truncated: it ends at record {records - 1} but the checkpoint covers record {records}"
    )
    with write_transaction(engine) as conn:
        conn.execute(delete(audit_log))
    ok, reason = _verify(engine, settings)
    assert (
        not ok and reason == f"log truncated: it ends at record 0 but the checkpoint covers record {records}"
    )


def test_without_a_kept_checkpoint_only_the_chain_is_checked(engine: Engine, settings: Settings) -> None:
    with read_connection(engine) as conn:
        result, kept = verify_node(conn, settings=settings)
    assert kept is None and result.ok


def test_a_serving_node_keeps_a_checkpoint_on_schedule_and_at_shutdown(
    engine: Engine, tmp_path: Path
) -> None:
    srv, thread, running = start_server(
        engine, audit_checkpoints=True, audit_checkpoint_seconds=3600, data_dir=str(tmp_path)
    )
    history = Path(running.settings.node_key_file).parent / HISTORY_FILE
    deadline = time.monotonic() + 30
    while not history.exists() and time.monotonic() < deadline:  # the job's first run, at start
        time.sleep(0.05)
    assert history.exists()
    _post(engine, 1)
    srv.should_exit = True
    thread.join(timeout=60)
    kept = [orjson.loads(line) for line in history.read_text().splitlines()]
    assert len(kept) == 2, "one at start, one at shutdown"
    assert kept[1]["objects"] == kept[0]["objects"] + 1 and kept_checkpoint(running.settings) == kept[1]
    assert _verify(engine, running.settings) == (True, None)


def test_a_record_appended_with_a_valid_hash_but_no_seal_is_caught(
    engine: Engine, settings: Settings
) -> None:
    _post(engine, 1)
    keep_checkpoint(engine, settings=settings)
    assert _verify(engine, settings) == (True, None)  # positive control: every record is sealed
    with read_connection(engine) as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    forged: dict[str, object] = {
        "seq": last.seq + 1,
        "at": last.at + 1,
        "actor_org_id": None,
        "actor": "system",
        "action": "token.revoke",
        "subject": "nobody",
        "details": "{}",
        "prev_hash": last.hash,
    }
    forged["hash"] = record_hash(**forged)  # type: ignore[arg-type]
    with write_transaction(engine) as conn:
        conn.execute(insert(audit_log).values(**forged))
    with read_connection(engine) as conn:
        assert verify(conn).ok, "the chain alone accepts the forged record"
    ok, reason = _verify(engine, settings)
    assert not ok
    why = "not sealed with this node's key (appended or rewritten by someone without it)"
    assert reason == f"record {last.seq + 1}: {why}"
