"""Signed checkpoints of the audit log, and the node's Ed25519 key that signs them.

A checkpoint is a small JSON statement, signed by the node, of how long the log is and what its
newest hash is, and (since format 2) how many object versions the store held and their digest
(:mod:`gotong.intel.digest`). The node keeps its own, members and federation peers keep copies;
later, :func:`verify_checkpoint` shows whether the log still holds that record with that hash and
the store still holds those versions, which the chain alone cannot show once someone has cut off
its tail, rewritten history and recomputed every hash after the change, or edited the objects
table by hand.

The signature is Ed25519 over the UTF-8 bytes of the canonical JSON (sorted keys, no whitespace)
of every field but ``signature``. Not for signing STIX content or authenticating API clients.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import orjson
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy import Connection, select

from gotong.audit.models import Action, audit_log
from gotong.audit.service import VerifyResult, canonical_json, verify
from gotong.errors import Invalid
from gotong.stix.timestamps import TimestampError, format_micros, now_micros, parse_timestamp

# Names what the signed bytes are, so that a signature over a checkpoint can never be passed
# off as the node's signature over anything else it may sign one day.
CHECKPOINT_TYPE = "gotong.audit.checkpoint/2"
CHECKPOINT_TYPE_V1 = "gotong.audit.checkpoint/1"  # the log only; still verified
_FIELDS: dict[str, type] = {
    "type": str,
    "node": str,
    "seq": int,
    "hash": str,
    "records": int,
    "at": str,
    "public_key": str,
    "signature": str,
}
_OBJECT_FIELDS: dict[str, type] = {"objects_until": int, "objects": int, "objects_digest": str}


class Commitment(Protocol):
    """What a checkpoint says of the stored versions (``gotong.intel.digest.StoreDigest``)."""

    @property
    def until(self) -> int: ...
    @property
    def count(self) -> int: ...
    @property
    def digest(self) -> str: ...


StoreDigester = Callable[[int], Commitment]
"""The digest of the store's versions added up to a ``date_added``, in the caller's connection."""
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def load_or_create_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The node's signing key, read from ``path`` (PEM, PKCS8, unencrypted); made there if absent.

    A new key is written to a private temporary file (mode 0600) and hard-linked into place, so two
    processes starting at once both end up with the one key that won, never a half-written file.
    """
    target = Path(path)
    try:
        if not target.exists():
            _create_key(target)
        data = target.read_bytes()
    except OSError as exc:
        raise Invalid(f"node key file {str(target)!r}: {exc.strerror or exc}") from None
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise Invalid(f"node key file {str(target)!r} does not hold an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise Invalid(f"node key file {str(target)!r} holds a key that is not Ed25519")
    return key


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte Ed25519 public key, base64-encoded: what members pin as the node's key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes_raw()).decode()


def checkpoint(
    conn: Connection,
    *,
    key: Ed25519PrivateKey,
    node: str = "Gotong node",
    objects: Commitment,
    seal: bytes | None = None,
) -> dict[str, Any]:
    """A signed statement of the log's newest record and of the stored versions, for keeping.

    ``objects`` is the store's digest read in the same snapshot as the log (the caller's
    connection). Refuses (``Invalid``) when the log does not verify (with the records' ``seal``
    key, when given): signing a broken chain would vouch for it. ``node`` names the node in the
    statement (its title or public URL).
    """
    chain = verify(conn, key=seal)
    if not chain.ok:
        raise Invalid(f"the audit log does not verify, so no checkpoint was signed: {chain.reason}")
    statement: dict[str, Any] = {
        "type": CHECKPOINT_TYPE,
        "node": node,
        "seq": chain.records,
        "hash": chain.head,
        "records": chain.records,
        "at": format_micros(now_micros()),
        "public_key": public_key_b64(key),
        "objects_until": objects.until,
        "objects": objects.count,
        "objects_digest": objects.digest,
    }
    statement["signature"] = base64.b64encode(key.sign(_signed_bytes(statement))).decode()
    return statement


def verify_checkpoint(
    conn: Connection,
    checkpoint: Mapping[str, Any] | str | bytes,
    *,
    public_key: str | None = None,
    store: StoreDigester | None = None,
    seal: bytes | None = None,
) -> VerifyResult:
    """Check a checkpoint against the log: its signature, the chain, and the record it vouches for.

    The signature is checked against ``public_key`` (base64 raw Ed25519) when the caller gives one
    it trusts, otherwise against the key the checkpoint itself names, which only proves the
    checkpoint is intact, not who made it; ``trusted_key`` in the result says which. The record
    at the checkpoint's seq must still exist and have the checkpoint's hash: a missing one means
    the log was truncated (or deleted), a different hash means history was rewritten. With
    ``store`` and a format-2 checkpoint, the versions stored up to the checkpoint, plus those the
    log records as deleted since, must give the checkpoint's digest: otherwise the objects table
    was changed outside the audited write path. With ``seal``, the records' seals are checked too
    (:func:`gotong.audit.service.verify`). A malformed checkpoint (or key) raises ``Invalid``.
    """
    fields = _parse(checkpoint)
    trusted = public_key is not None
    verifier = _public_key(public_key if public_key is not None else fields["public_key"], what="public key")
    chain = verify(conn, key=seal)

    def failed(reason: str, first_bad_seq: int | None = None) -> VerifyResult:
        return VerifyResult(
            ok=False, records=chain.records, first_bad_seq=first_bad_seq, reason=reason, trusted_key=trusted
        )

    if trusted and public_key_b64(verifier) != public_key_b64(_public_key(fields["public_key"])):
        return failed("the checkpoint was signed with a different key from the trusted public key")
    try:
        verifier.verify(_b64(fields["signature"], what="signature", size=64), _signed_bytes(fields))
    except InvalidSignature:
        which = "the trusted public key" if trusted else "the checkpoint's own public key"
        return failed(f"the checkpoint's signature does not verify against {which}")
    if not chain.ok:
        return failed(chain.reason or "the audit log does not verify", chain.first_bad_seq)
    seq = fields["seq"]
    if seq > chain.records:
        return failed(
            f"log truncated: it ends at record {chain.records} but the checkpoint covers record {seq}",
            chain.records + 1,
        )
    if seq > 0:
        stored = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq)).scalar_one()
        if stored != fields["hash"]:
            claimed = fields["hash"]
            return failed(
                f"history rewritten: record {seq} has hash {stored[:16]}…, checkpoint says {claimed[:16]}…",
                seq,
            )
    if store is not None and "objects_digest" in fields:
        problem = _objects_problem(conn, fields, store)
        if problem is not None:
            return failed(problem)
    return VerifyResult(ok=True, records=chain.records, trusted_key=trusted, head=chain.head)


def check_signed(checkpoint: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """The checkpoint's fields once its form and signature are checked, without any log to hold it to.

    What a witness checks before keeping a peer's checkpoint: its form, and its signature against
    the key it names (the witness compares that key with the one it pinned). Raises ``Invalid``
    naming the problem.
    """
    fields = _parse(checkpoint)
    verifier = _public_key(fields["public_key"], what="public key")
    try:
        verifier.verify(_b64(fields["signature"], what="signature", size=64), _signed_bytes(fields))
    except InvalidSignature:
        raise Invalid("the checkpoint's signature does not verify") from None
    return fields


def _objects_problem(conn: Connection, fields: Mapping[str, Any], store: StoreDigester) -> str | None:
    """Whether the store still holds what the checkpoint says, once audited deletions are added back."""
    until = fields["objects_until"]
    now = store(until)
    removed = _removed_since(conn, after_seq=fields["seq"], until=until)
    count = now.count + len(removed)
    digest = int(now.digest, 16)
    for one in removed:
        digest += int(one, 16)
    if count == fields["objects"] and f"{digest % (1 << 256):064x}" == fields["objects_digest"]:
        return None
    if count < fields["objects"]:
        gone = fields["objects"] - count
        return (
            f"stored objects removed outside the audited write path: {gone} of the "
            f"{fields['objects']} versions the checkpoint covers are missing"
        )
    if count > fields["objects"]:
        extra = count - fields["objects"]
        return f"stored objects inserted outside the audited write path: {extra} more than the checkpoint"
    return "stored objects edited outside the audited write path: the versions the checkpoint covers differ"


def _removed_since(conn: Connection, *, after_seq: int, until: int) -> list[str]:
    """Digests of versions added up to ``until`` whose deletion the log records after ``after_seq``."""
    rows = conn.execute(
        select(audit_log.c.details)
        .where(audit_log.c.seq > after_seq, audit_log.c.action == str(Action.OBJECTS_DELETE))
        .order_by(audit_log.c.seq)
    )
    removed: list[str] = []
    for (details,) in rows:
        for entry in orjson.loads(details).get("removed", []):
            if isinstance(entry, list) and len(entry) == 2 and int(entry[0]) <= until:
                removed.append(str(entry[1]))
    return removed


def _create_key(target: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made the key first: use theirs
            os.link(tmp, target)
    finally:
        os.unlink(tmp)


def _signed_bytes(fields: Mapping[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in fields.items() if k != "signature"}).encode()


def _parse(checkpoint: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    if isinstance(checkpoint, str | bytes):
        try:
            checkpoint = orjson.loads(checkpoint)
        except orjson.JSONDecodeError as exc:
            raise Invalid(f"checkpoint is not JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(checkpoint, Mapping):
        raise Invalid("checkpoint must be a JSON object")
    fields = dict(checkpoint)
    expected = dict(_FIELDS)
    if fields.get("type") == CHECKPOINT_TYPE:
        expected |= _OBJECT_FIELDS
    elif fields.get("type") != CHECKPOINT_TYPE_V1:
        raise Invalid(f"checkpoint type {fields.get('type')!r} is not {CHECKPOINT_TYPE!r}")
    if missing := sorted(expected.keys() - fields.keys()):
        raise Invalid(f"checkpoint lacks field(s): {', '.join(missing)}")
    if unknown := sorted(str(k) for k in fields.keys() - expected.keys()):
        raise Invalid(f"checkpoint has unknown field(s): {', '.join(unknown)}")
    for name, kind in expected.items():
        if not isinstance(fields[name], kind) or isinstance(fields[name], bool):
            raise Invalid(f"checkpoint field {name!r} must be {'a string' if kind is str else 'an integer'}")
    if fields["seq"] < 0 or fields["records"] < 0:
        raise Invalid("checkpoint seq and records must not be negative")
    if fields.get("objects", 0) < 0:
        raise Invalid("checkpoint objects must not be negative")
    if not _HEX64.match(fields["hash"]):
        raise Invalid("checkpoint hash must be 64 lowercase hex digits")
    if not _HEX64.match(fields.get("objects_digest", "0" * 64)):
        raise Invalid("checkpoint objects_digest must be 64 lowercase hex digits")
    try:
        parse_timestamp(fields["at"])
    except TimestampError as exc:
        raise Invalid(f"checkpoint at: {exc}") from None
    _public_key(fields["public_key"])
    _b64(fields["signature"], what="signature", size=64)
    return fields


def _public_key(value: str, *, what: str = "checkpoint public_key") -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(_b64(value, what=what, size=32))
    except ValueError:
        raise Invalid(f"{what} is not an Ed25519 public key") from None


def _b64(value: str, *, what: str, size: int) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{what} is not valid base64") from None
    if len(raw) != size:
        raise Invalid(f"{what} must decode to {size} bytes, not {len(raw)}")
    return raw
