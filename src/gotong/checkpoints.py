"""The node's own signed checkpoints: made on a schedule and at shutdown, kept outside the database,
and checked by ``gotong audit verify``.

A checkpoint (:mod:`gotong.audit.checkpoint`) commits to the audit log and to the stored versions
(:mod:`gotong.intel.digest`), read in one snapshot. The node keeps the newest in
``audit-checkpoint.json`` and every one in ``audit-checkpoints.jsonl``, both beside its key (not in
the database): whoever deletes or rewrites the database's log cannot also make the node forget how
long its log was. Federation peers keep a copy of the newest as witnesses
(:mod:`gotong.federation.witness`), which protects against someone who controls the node's files too.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from gotong.audit import VerifyResult, checkpoint, public_key_b64, verify, verify_checkpoint
from gotong.audit.checkpoint import StoreDigester
from gotong.audit.service import seal_key
from gotong.core.files import replace_atomically
from gotong.core.jobs import HealthLog, JobRunner
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.intel.digest import StoreDigest, store_digest
from gotong.node import node_key
from gotong.settings import Settings

__all__ = [
    "HISTORY_FILE",
    "JOB",
    "KEPT_FILE",
    "digester",
    "keep_at_shutdown",
    "keep_checkpoint",
    "kept_checkpoint",
    "register",
    "sign",
    "verify_node",
    "verify_own",
]

log = logging.getLogger(__name__)

JOB = "audit-checkpoint"
KEPT_FILE = "audit-checkpoint.json"
HISTORY_FILE = "audit-checkpoints.jsonl"


def sign(conn: Connection, *, settings: Settings) -> dict[str, Any]:
    """A checkpoint of the log and the store as ``conn`` sees them, signed with the node's key."""
    return checkpoint(
        conn,
        key=node_key(settings),
        node=settings.base_url or settings.title,
        objects=store_digest(conn),
        seal=seal_key(),
    )


def keep_checkpoint(engine: Engine, *, settings: Settings) -> dict[str, Any]:
    """Sign a checkpoint (in one snapshot of the database) and keep it beside the node's key."""
    with read_connection(engine, snapshot=True) as conn:
        statement = sign(conn, settings=settings)
    folder = _folder(settings)
    line = orjson.dumps(statement)
    with open(folder / HISTORY_FILE, "ab") as history:
        history.write(line + b"\n")
        history.flush()
        os.fsync(history.fileno())
    replace_atomically(folder / KEPT_FILE, line)
    return statement


def kept_checkpoint(settings: Settings) -> dict[str, Any] | None:
    """The newest checkpoint the node kept, or None before its first one."""
    path = _folder(settings) / KEPT_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Invalid(f"kept checkpoint {str(path)!r}: {exc.strerror or exc}") from None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise Invalid(f"kept checkpoint {str(path)!r} is not JSON") from None
    if not isinstance(value, dict):
        raise Invalid(f"kept checkpoint {str(path)!r} is not a JSON object")
    return value


def verify_node(conn: Connection, *, settings: Settings) -> tuple[VerifyResult, dict[str, Any] | None]:
    """The chain with the records' seals, then the node's newest kept checkpoint (log and store)
    checked with its own key.

    Returns the result and the checkpoint it was checked against (None: the node kept none yet, so
    only the chain was checked).
    """
    kept = kept_checkpoint(settings)
    if kept is None:
        return verify(conn, key=seal_key()), None
    own_key = public_key_b64(node_key(settings))
    return verify_checkpoint(conn, kept, public_key=own_key, store=digester(conn), seal=seal_key()), kept


def verify_own(conn: Connection, statement: dict[str, Any], *, settings: Settings) -> VerifyResult:
    """A checkpoint of this node held elsewhere (by a witness), checked with the node's own key
    against the log and the store as they are now."""
    own_key = public_key_b64(node_key(settings))
    return verify_checkpoint(conn, statement, public_key=own_key, store=digester(conn), seal=seal_key())


def register(runner: JobRunner, engine: Engine, settings: Settings) -> None:
    """Sign and keep a checkpoint when serving starts, then every ``audit_checkpoint_seconds``."""
    health = HealthLog(log)

    def run(_stopping: threading.Event) -> None:
        try:
            keep_checkpoint(engine, settings=settings)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(JOB, str(exc), exc_info=exc)
        else:
            health.succeeded(JOB)

    runner.register(JOB, run, every=settings.audit_checkpoint_seconds, run_at_start=True)


def keep_at_shutdown(engine: Engine, *, settings: Settings) -> None:
    """The last checkpoint of a serving process; a failure is logged, never raised at shutdown."""
    try:
        keep_checkpoint(engine, settings=settings)
    except Exception as exc:
        log.warning("no audit checkpoint at shutdown: %s", exc)


def digester(conn: Connection) -> StoreDigester:
    """The store's digest up to a moment, read through ``conn`` (what verify_checkpoint asks for)."""

    def digest(until: int) -> StoreDigest:
        return store_digest(conn, until=until)

    return digest


def _folder(settings: Settings) -> Path:
    return Path(settings.node_key_file).parent
