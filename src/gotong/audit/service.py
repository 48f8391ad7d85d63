"""The audit log as a hash chain: append a record, verify the chain.

Each record carries the hash of the one before it, so altering, removing, inserting or reordering
records breaks the chain at the first record touched. The chain alone cannot tell a history
rewritten from some record onwards (hashes recomputed) from the real one; signed checkpoints
(:mod:`gotong.audit.checkpoint`) do that.

The hash of a record is the SHA-256, in lowercase hex, of the UTF-8 bytes of this JSON array,
written without whitespace and without escaping non-ASCII characters::

    ["gotong-audit/1", seq, at, actor_org_id, actor, action, subject, details, prev_hash]

``seq``, ``at`` (microseconds since the epoch) and ``actor_org_id`` are JSON integers (the last
may be ``null``); ``details`` is the stored text of the details, itself JSON with sorted keys and
no whitespace, hashed as a string exactly as stored. A JSON array of typed, escaped values has one
reading only, so no two different records share an encoding. The first record's ``prev_hash`` is
:data:`GENESIS_HASH`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, insert, select

from gotong.audit.models import ACTION_MAX, ACTOR_MAX, SUBJECT_MAX, audit_log
from gotong.core.secrets import derived_key
from gotong.db.engine import write_transaction
from gotong.errors import Invalid
from gotong.stix.timestamps import now_micros

HASH_FORMAT = "gotong-audit/1"
GENESIS_HASH = "0" * 64
READ_IDS_MAX = 100  # a retrieval batch with more objects than this is recorded by count and digest
_CHUNK = 1000  # rows per fetch while verifying, so memory stays constant however long the log


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: int
    actor_org_id: int | None
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking the chain (and maybe a checkpoint): the first bad record and why.

    ``trusted_key`` is set by checkpoint verification only: True when the signature was checked
    against a public key the caller trusts, False when only against the key the checkpoint names.
    ``head`` is the hash of the newest record when the chain verifies.
    """

    ok: bool
    records: int
    first_bad_seq: int | None = None
    reason: str | None = None
    trusted_key: bool | None = None
    head: str | None = None


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: one text for one value."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def record_hash(
    *,
    seq: int,
    at: int,
    actor_org_id: int | None,
    actor: str,
    action: str,
    subject: str,
    details: str,
    prev_hash: str,
) -> str:
    """The hash of one record in the encoding of the module docstring (``details`` as stored text)."""
    encoded = orjson.dumps([HASH_FORMAT, seq, at, actor_org_id, actor, action, subject, details, prev_hash])
    return hashlib.sha256(encoded).hexdigest()


SEAL_PURPOSE = "gotong-audit-seal/1"


def seal_key() -> bytes:
    """The key that seals each record: derived from the secrets key file, outside the database."""
    return derived_key(SEAL_PURPOSE)


def seal(record_hash: str, key: bytes) -> str:
    """A record's seal: HMAC-SHA256 (hex) of its hash under the node's seal key."""
    return hmac.new(key, record_hash.encode(), hashlib.sha256).hexdigest()


def record(
    conn: Connection,
    *,
    action: str,
    actor: str,
    actor_org_id: int | None,
    subject: str,
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the audit log, in the caller's transaction.

    The caller must hold the node's write lock, i.e. ``conn`` comes from
    :func:`gotong.db.engine.write_transaction`: that lock serialises writers across threads and
    processes, which is what makes reading the last record and appending after it safe. Should a
    caller break that contract, the primary key on ``seq`` makes the second of two racing writers
    fail instead of forking the chain. The record commits or rolls back with the caller's change,
    so a change is never stored without its record, nor a record without its change.
    """
    _check_text("action", action, ACTION_MAX)
    _check_text("actor", actor, ACTOR_MAX)
    _check_text("subject", subject, SUBJECT_MAX, empty_ok=True)
    details_text = canonical_json(dict(details or {}))
    last = conn.execute(
        select(audit_log.c.seq, audit_log.c.at, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev_at, prev_hash = (last.seq + 1, last.at, last.hash) if last else (1, 0, GENESIS_HASH)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": max(now_micros(), prev_at),  # never earlier than the record before, whatever the clock says
        "actor_org_id": actor_org_id,
        "actor": actor,
        "action": str(action),
        "subject": subject,
        "details": details_text,
        "prev_hash": prev_hash,
    }
    fields["hash"] = record_hash(**fields)
    conn.execute(insert(audit_log).values(**fields, mac=seal(fields["hash"], seal_key())))
    return AuditRecord(**{**fields, "details": orjson.loads(details_text)})


def read_details(object_ids: Collection[str], **extra: Any) -> dict[str, Any]:
    """Details of a retrieval batch, bounded in size however big the batch.

    Up to :data:`READ_IDS_MAX` objects the sorted ids themselves are kept; beyond that, their count
    and the SHA-256 of the sorted ids joined by newlines, which still pins exactly which objects
    were read for anyone who can list them again.
    """
    ids = sorted(set(object_ids))
    details: dict[str, Any] = {**extra, "count": len(ids)}
    if len(ids) <= READ_IDS_MAX:
        details["ids"] = ids
    else:
        details["ids_sha256"] = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    return details


def record_read(
    engine: Engine,
    *,
    actor: str,
    actor_org_id: int | None,
    subject: str,
    object_ids: Collection[str],
    details: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Record one retrieval batch (action ``objects.read``) in a write transaction of its own.

    Reads run outside the write lock; this takes it just long enough to append the one record.
    """
    with write_transaction(engine) as conn:
        return record(
            conn,
            action="objects.read",
            actor=actor,
            actor_org_id=actor_org_id,
            subject=subject,
            details=read_details(object_ids, **dict(details or {})),
        )


def verify(conn: Connection, *, key: bytes | None = None) -> VerifyResult:
    """Walk the whole chain in seq order and name the first record that breaks it, and why.

    A record is bad if its seq does not follow the one before (a record is missing), if its
    ``prev_hash`` is not the hash of the record before (one was inserted, removed or reordered),
    if its hash does not match its contents (it was altered), or if its time goes backwards. With
    the node's seal ``key`` (:func:`seal_key`), a record is also bad if it has no seal, or one
    that does not fit, after the first sealed record: it was appended or rewritten by someone who
    could write to the database but did not have the key. Records from before seals existed (none
    before them is sealed) are checked by the chain alone.
    """
    expected_prev, prev_at, count = GENESIS_HASH, 0, 0
    sealing = False
    query = select(audit_log).order_by(audit_log.c.seq).execution_options(yield_per=_CHUNK)
    with conn.execute(query) as rows:
        for row in rows:
            expected_seq = count + 1
            problem = _problem(row, expected_seq=expected_seq, expected_prev=expected_prev, prev_at=prev_at)
            if problem is None and key is not None:
                sealing = sealing or row.mac is not None
                if sealing and (row.mac is None or not hmac.compare_digest(row.mac, seal(row.hash, key))):
                    problem = (
                        row.seq,
                        (
                            f"record {row.seq}: not sealed with this node's key "
                            "(appended or rewritten by someone without it)"
                        ),
                    )
            if problem is not None:
                bad_seq, reason = problem
                return VerifyResult(ok=False, records=count, first_bad_seq=bad_seq, reason=reason)
            expected_prev, prev_at, count = row.hash, row.at, expected_seq
    return VerifyResult(ok=True, records=count, head=expected_prev)


def _problem(row: Any, *, expected_seq: int, expected_prev: str, prev_at: int) -> tuple[int, str] | None:
    if row.seq < expected_seq:  # only a forged seq of 0 or below can sort before the first record
        return row.seq, f"record {row.seq}: seq out of order, expected {expected_seq}"
    if row.seq > expected_seq:
        gone = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
        return expected_seq, f"record {gone} missing: seq jumps from {expected_seq - 1} to {row.seq}"
    if row.prev_hash != expected_prev:
        before = f"record {row.seq - 1}" if row.seq > 1 else "the genesis value"
        return row.seq, (
            f"record {row.seq}: prev_hash does not match the hash of {before} "
            "(a record was inserted, removed or reordered)"
        )
    fields = {c: getattr(row, c) for c in ("seq", "at", "actor_org_id", "actor", "action", "subject")}
    if record_hash(**fields, details=row.details, prev_hash=row.prev_hash) != row.hash:
        return row.seq, f"record {row.seq}: hash does not match its contents (record altered)"
    if row.at < prev_at:
        return row.seq, f"record {row.seq}: time goes back before record {row.seq - 1}"
    return None


def _check_text(name: str, value: str, limit: int, *, empty_ok: bool = False) -> None:
    if not isinstance(value, str) or (not value and not empty_ok):
        raise Invalid(f"audit {name} must be a non-empty string")
    if len(value) > limit:
        raise Invalid(f"audit {name} is {len(value)} characters long; at most {limit} fit")
