"""The audit log's hash chain: what it records, and that every kind of tampering an attacker with
write access to the database can do is caught at the right record, with the right reason."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, inspect, select, update

import gotong.audit
from gotong.audit import service
from gotong.audit.models import audit_log
from gotong.audit.service import (
    GENESIS_HASH,
    AuditRecord,
    read_details,
    record,
    record_hash,
    record_read,
    verify,
)
from gotong.db.engine import read_connection, write_transaction
from gotong.db.migrate import alembic_config
from gotong.errors import Invalid
from gotong.orgs.models import organisations

_ACTIONS = ["objects.add", "token.create", "group.members", "objects.delete", "objects.read", "org.create"]


def _org_id(engine: Engine, short_name: str = "BruCERT") -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(organisations.c.id).where(organisations.c.short_name == short_name)
            ).scalar_one()
        )


def _write(engine: Engine, count: int) -> list[AuditRecord]:
    """``count`` records, each in its own write transaction, as the node's services write them."""
    org_id = _org_id(engine)
    written = []
    for i in range(count):
        with write_transaction(engine) as conn:
            written.append(
                record(
                    conn,
                    action=_ACTIONS[i % len(_ACTIONS)],
                    actor="cli" if i % 3 == 0 else "analyst@brucert.example",
                    actor_org_id=None if i % 3 == 0 else org_id,
                    subject=f"indicator--{i:08d}-0000-4000-8000-000000000000",
                    details={"n": i, "zeta": [1, 2], "alpha": "Kuala Lumpur — ĐÀ NẴNG"},
                )
            )
    return written


def _check(engine: Engine) -> service.VerifyResult:
    with read_connection(engine) as conn:
        return verify(conn)


def _rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(audit_log).order_by(audit_log.c.seq))]


def _rechain(engine: Engine, from_seq: int) -> None:
    """What a careful attacker does after a change: recompute every hash from ``from_seq`` on."""
    rows = _rows(engine)
    with engine.begin() as conn:
        prev = rows[from_seq - 2]["hash"] if from_seq > 1 else GENESIS_HASH
        for row in rows[from_seq - 1 :]:
            fields = {k: v for k, v in row.items() if k not in {"hash", "mac"}} | {"prev_hash": prev}
            prev = record_hash(**fields)
            conn.execute(
                update(audit_log)
                .where(audit_log.c.seq == row["seq"])
                .values(prev_hash=fields["prev_hash"], hash=prev)
            )


def test_public_api_is_pinned() -> None:
    assert sorted(gotong.audit.__all__) == [
        "Action",
        "AuditRecord",
        "VerifyResult",
        "audit_log",
        "check_signed",
        "checkpoint",
        "load_or_create_key",
        "public_key_b64",
        "read_details",
        "record",
        "record_read",
        "verify",
        "verify_checkpoint",
    ]


def test_records_form_a_chain_from_the_genesis_hash(engine: Engine) -> None:
    written = _write(engine, 4)
    rows = _rows(engine)
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["prev_hash"] == GENESIS_HASH
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert [r["hash"] for r in rows] == [w.hash for w in written]
    assert all(a["at"] <= b["at"] for a, b in itertools.pairwise(rows))
    assert rows[1]["actor_org_id"] == _org_id(engine) and rows[0]["actor_org_id"] is None
    assert written[1].details == {"n": 1, "zeta": [1, 2], "alpha": "Kuala Lumpur — ĐÀ NẴNG"}
    assert _check(engine) == service.VerifyResult(ok=True, records=4, head=rows[-1]["hash"])


def test_hash_encoding_is_the_documented_one(engine: Engine) -> None:
    # A member re-implementing the check with nothing but a JSON library and SHA-256 must agree.
    _write(engine, 2)
    row = _rows(engine)[1]
    details = {"n": 1, "zeta": [1, 2], "alpha": "Kuala Lumpur — ĐÀ NẴNG"}
    assert row["details"] == json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    encoded = json.dumps(
        ["gotong-audit/1", 2, row["at"], row["actor_org_id"], row["actor"], row["action"], row["subject"],
         row["details"], row["prev_hash"]],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()  # fmt: skip
    assert row["hash"] == hashlib.sha256(encoded).hexdigest()


def test_an_empty_log_verifies(engine: Engine) -> None:
    assert _check(engine) == service.VerifyResult(ok=True, records=0, head=GENESIS_HASH)


def test_time_never_goes_backwards_even_when_the_clock_does(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _write(engine, 1)[0]
    monkeypatch.setattr(service, "now_micros", lambda: first.at - 60_000_000)
    second = _write(engine, 1)[0]
    assert second.at == first.at
    assert _check(engine).ok


def test_a_record_rolls_back_with_the_change_it_records(engine: Engine) -> None:
    _write(engine, 2)
    with pytest.raises(RuntimeError), write_transaction(engine) as conn:
        record(conn, action="objects.add", actor="cli", actor_org_id=None, subject="x")
        raise RuntimeError("the write failed")
    assert _check(engine).records == 2
    assert _write(engine, 1)[0].seq == 3


def test_concurrent_writers_extend_one_chain(engine: Engine) -> None:
    def work() -> None:
        _write(engine, 5)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = _check(engine)
    assert (result.ok, result.records) == (True, 30)


def test_verify_streams_across_fetch_chunks(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(engine, 7)
    monkeypatch.setattr(service, "_CHUNK", 2)
    assert _check(engine).records == 7
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 6).values(actor="mallory"))
    assert _check(engine).first_bad_seq == 6


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", 1),
        ("actor_org_id", None),
        ("actor", "someone-else@example.org"),
        ("action", "objects.read"),
        ("subject", "indicator--forged"),
        ("details", '{"alpha":"x","n":2,"zeta":[1,2]}'),
        ("details", '{"alpha": "Kuala Lumpur — ĐÀ NẴNG", "n": 2, "zeta": [1, 2]}'),  # same JSON, other text
        ("hash", "ab" * 32),
    ],
)
def test_an_edited_field_is_named_at_its_record(engine: Engine, column: str, value: object) -> None:
    _write(engine, 5)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values({column: value}))
    result = _check(engine)
    assert (result.ok, result.first_bad_seq, result.records) == (False, 3, 2)
    assert result.reason == "record 3: hash does not match its contents (record altered)"


def test_an_edited_prev_hash_breaks_the_link(engine: Engine) -> None:
    _write(engine, 5)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(prev_hash="0" * 64))
    result = _check(engine)
    assert (result.first_bad_seq, result.reason) == (
        3,
        "record 3: prev_hash does not match the hash of record 2 "
        "(a record was inserted, removed or reordered)",
    )


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(engine: Engine) -> None:
    _write(engine, 5)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(subject="indicator--forged"))
    row = _rows(engine)[2]
    with engine.begin() as conn:
        new_hash = record_hash(**{k: v for k, v in row.items() if k not in {"hash", "mac"}})
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(hash=new_hash))
    result = _check(engine)
    assert (result.first_bad_seq, result.records) == (4, 3)
    assert "prev_hash does not match the hash of record 3" in (result.reason or "")


def test_time_going_backwards_is_caught_even_when_rehashed(engine: Engine) -> None:
    written = _write(engine, 4)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(at=written[1].at - 1))
    _rechain(engine, 3)
    result = _check(engine)
    assert (result.first_bad_seq, result.reason) == (3, "record 3: time goes back before record 2")


@pytest.mark.parametrize(
    ("removed", "first_bad", "reason"),
    [
        ([3], 3, "record 3 missing: seq jumps from 2 to 4"),
        ([1], 1, "record 1 missing: seq jumps from 0 to 2"),
        ([2, 3, 4], 2, "record 2-4 missing: seq jumps from 1 to 5"),
    ],
)
def test_a_deleted_record_is_named(engine: Engine, removed: list[int], first_bad: int, reason: str) -> None:
    _write(engine, 5)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq.in_(removed)))
    result = _check(engine)
    assert (result.ok, result.first_bad_seq, result.reason) == (False, first_bad, reason)


def test_a_deleted_record_with_the_rest_renumbered_breaks_the_link(engine: Engine) -> None:
    _write(engine, 5)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 3))
        conn.execute(update(audit_log).where(audit_log.c.seq > 3).values(seq=audit_log.c.seq - 1))
    result = _check(engine)
    assert result.first_bad_seq == 3
    assert "prev_hash does not match the hash of record 2" in (result.reason or "")


def _insert_forged_at(engine: Engine, seq: int, *, rehash: bool) -> None:
    """Make room at ``seq`` by renumbering the records after it, and slip a forged record in."""
    with engine.begin() as conn:
        # Two steps, because a unique key may be checked row by row while ``seq + 1`` runs.
        conn.execute(update(audit_log).where(audit_log.c.seq >= seq).values(seq=audit_log.c.seq + 1000))
        conn.execute(update(audit_log).where(audit_log.c.seq >= 1000).values(seq=audit_log.c.seq - 999))
        prev = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq - 1)).scalar_one()
        forged: dict[str, Any] = {
            "seq": seq,
            "at": conn.execute(select(audit_log.c.at).where(audit_log.c.seq == seq - 1)).scalar_one(),
            "actor_org_id": None,
            "actor": "cli",
            "action": "token.revoke",
            "subject": "token gtg_forged",
            "details": "{}",
            "prev_hash": prev,
        }
        forged["hash"] = record_hash(**forged) if rehash else "f" * 64
        conn.execute(insert(audit_log).values(**forged))


def test_an_inserted_well_forged_record_breaks_the_next_link(engine: Engine) -> None:
    # The forger knows the algorithm, so record 3 is consistent in itself; the old record 3,
    # now 4, no longer follows it.
    _write(engine, 5)
    _insert_forged_at(engine, 3, rehash=True)
    result = _check(engine)
    assert (result.ok, result.records, result.first_bad_seq) == (False, 3, 4)
    assert result.reason == (
        "record 4: prev_hash does not match the hash of record 3 "
        "(a record was inserted, removed or reordered)"
    )


def test_an_inserted_crude_record_is_named_itself(engine: Engine) -> None:
    _write(engine, 5)
    _insert_forged_at(engine, 3, rehash=False)
    result = _check(engine)
    assert (result.first_bad_seq, result.reason) == (
        3,
        "record 3: hash does not match its contents (record altered)",
    )


def test_a_record_forged_before_the_first_is_named(engine: Engine) -> None:
    _write(engine, 2)
    with engine.begin() as conn:
        conn.execute(
            insert(audit_log).values(
                seq=0, at=0, actor="cli", action="org.create", subject="x", details="{}",
                prev_hash=GENESIS_HASH, hash=GENESIS_HASH,
            )
        )  # fmt: skip
    result = _check(engine)
    assert (result.first_bad_seq, result.reason) == (0, "record 0: seq out of order, expected 1")


def test_swapped_records_break_the_chain_at_the_first_of_them(engine: Engine) -> None:
    _write(engine, 5)
    second, third = _rows(engine)[1:3]
    with engine.begin() as conn:
        for seq, content in ((2, third), (3, second)):
            values = {k: v for k, v in content.items() if k != "seq"}
            conn.execute(update(audit_log).where(audit_log.c.seq == seq).values(**values))
    result = _check(engine)
    assert (result.first_bad_seq, result.records) == (2, 1)
    assert "record 2: prev_hash does not match the hash of record 1" in (result.reason or "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": ""}, "audit action must be a non-empty string"),
        ({"actor": ""}, "audit actor must be a non-empty string"),
        ({"action": "x" * 65}, "audit action is 65 characters long; at most 64 fit"),
        ({"subject": "s" * 256}, "audit subject is 256 characters long; at most 255 fit"),
    ],
)
def test_record_refuses_what_does_not_fit(engine: Engine, kwargs: dict[str, str], message: str) -> None:
    fields: dict[str, Any] = {"action": "objects.add", "actor": "cli", "actor_org_id": None, "subject": "x"}
    with pytest.raises(Invalid) as caught, write_transaction(engine) as conn:
        record(conn, **(fields | kwargs))
    assert caught.value.message == message


def test_small_read_batches_keep_their_ids(engine: Engine) -> None:
    ids = [f"indicator--{i:04d}" for i in (3, 1, 2, 1)]
    rec = record_read(
        engine, actor="BruCERT", actor_org_id=_org_id(engine), subject="collection c1", object_ids=ids
    )
    assert (rec.seq, rec.action) == (1, "objects.read")
    assert rec.details == {"count": 3, "ids": ["indicator--0001", "indicator--0002", "indicator--0003"]}
    assert _check(engine).ok


def test_big_read_batches_keep_a_count_and_a_digest() -> None:
    ids = [f"indicator--{i:05d}" for i in range(5000)]
    details = read_details(list(reversed(ids)), page="next")
    assert details == {
        "page": "next",
        "count": 5000,
        "ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
    }


def test_the_migration_downgrades_and_upgrades(engine: Engine) -> None:
    _write(engine, 1)
    config = alembic_config(engine)
    command.downgrade(config, "0001")
    assert not inspect(engine).has_table("audit_log")
    command.upgrade(config, "head")
    assert inspect(engine).has_table("audit_log")
    assert _write(engine, 1)[0].seq == 1
