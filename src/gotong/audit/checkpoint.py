"""Signed checkpoints of the audit log, and the node's Ed25519 key that signs them.

A checkpoint is a small JSON statement, signed by the node, of how long the log is and what its
newest hash is. Members keep it; later, :func:`verify_checkpoint` shows whether the log still
holds that record with that hash, which the chain alone cannot show once someone has cut off its
tail or rewritten history and recomputed every hash after the change.

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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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

from gotong.audit.models import audit_log
from gotong.audit.service import VerifyResult, canonical_json, verify
from gotong.errors import Invalid
from gotong.stix.timestamps import TimestampError, format_micros, now_micros, parse_timestamp

# Names what the signed bytes are, so that a signature over a checkpoint can never be passed
# off as the node's signature over anything else it may sign one day.
CHECKPOINT_TYPE = "gotong.audit.checkpoint/1"
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


def checkpoint(conn: Connection, *, key: Ed25519PrivateKey, node: str = "Gotong node") -> dict[str, Any]:
    """A signed statement of the log's newest record, for members to keep.

    Refuses (``Invalid``) when the log does not verify: signing a broken chain would vouch for it.
    ``node`` names the node in the statement (its title or public URL).
    """
    chain = verify(conn)
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
    }
    statement["signature"] = base64.b64encode(key.sign(_signed_bytes(statement))).decode()
    return statement


def verify_checkpoint(
    conn: Connection, checkpoint: Mapping[str, Any] | str | bytes, *, public_key: str | None = None
) -> VerifyResult:
    """Check a checkpoint against the log: its signature, the chain, and the record it vouches for.

    The signature is checked against ``public_key`` (base64 raw Ed25519) when the caller gives one
    it trusts, otherwise against the key the checkpoint itself names, which only proves the
    checkpoint is intact, not who made it; ``trusted_key`` in the result says which. The record
    at the checkpoint's seq must still exist and have the checkpoint's hash: a missing one means
    the log was truncated, a different hash means history was rewritten. A malformed checkpoint
    (or key) raises ``Invalid``.
    """
    fields = _parse(checkpoint)
    trusted = public_key is not None
    verifier = _public_key(public_key if public_key is not None else fields["public_key"], what="public key")
    chain = verify(conn)

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
    return VerifyResult(ok=True, records=chain.records, trusted_key=trusted, head=chain.head)


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
    if missing := sorted(_FIELDS.keys() - fields.keys()):
        raise Invalid(f"checkpoint lacks field(s): {', '.join(missing)}")
    if unknown := sorted(str(k) for k in fields.keys() - _FIELDS.keys()):
        raise Invalid(f"checkpoint has unknown field(s): {', '.join(unknown)}")
    for name, kind in _FIELDS.items():
        if not isinstance(fields[name], kind) or isinstance(fields[name], bool):
            raise Invalid(f"checkpoint field {name!r} must be {'a string' if kind is str else 'an integer'}")
    if fields["type"] != CHECKPOINT_TYPE:
        raise Invalid(f"checkpoint type {fields['type']!r} is not {CHECKPOINT_TYPE!r}")
    if fields["seq"] < 0 or fields["records"] < 0:
        raise Invalid("checkpoint seq and records must not be negative")
    if not _HEX64.match(fields["hash"]):
        raise Invalid("checkpoint hash must be 64 lowercase hex digits")
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
