"""Signed checkpoints: what they state, that members can check them with the node's public key,
and that they catch what the chain alone cannot (a cut-off tail, a rewritten history)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import Engine, delete, update

from gotong.audit.checkpoint import (
    CHECKPOINT_TYPE,
    checkpoint,
    load_or_create_key,
    public_key_b64,
    verify_checkpoint,
)
from gotong.audit.models import audit_log
from gotong.audit.service import GENESIS_HASH, VerifyResult, verify
from gotong.checkpoints import digester
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.intel.digest import store_digest
from gotong.settings import Settings
from gotong.stix.timestamps import parse_timestamp
from tests.audit.test_audit_log import _rechain, _rows, _write


@pytest.fixture
def key(tmp_path: Path) -> Ed25519PrivateKey:
    return load_or_create_key(tmp_path / "node.key")


def _checkpoint(engine: Engine, key: Ed25519PrivateKey) -> dict[str, Any]:
    with read_connection(engine) as conn:
        return checkpoint(conn, key=key, node="ASEAN-CERT hub", objects=store_digest(conn))


def _verify(engine: Engine, statement: Any, public_key: str | None = None) -> VerifyResult:
    with read_connection(engine) as conn:
        return verify_checkpoint(conn, statement, public_key=public_key, store=digester(conn))


def test_a_checkpoint_states_the_newest_record_and_is_signed(engine: Engine, key: Ed25519PrivateKey) -> None:
    _write(engine, 5)
    statement = _checkpoint(engine, key)
    log_fields = {"type", "node", "seq", "hash", "records", "at", "public_key", "signature"}
    assert statement.keys() == log_fields | {"objects_until", "objects", "objects_digest"}
    assert (statement["type"], statement["node"]) == (CHECKPOINT_TYPE, "ASEAN-CERT hub")
    assert (statement["seq"], statement["records"], statement["hash"]) == (5, 5, _rows(engine)[-1]["hash"])
    assert statement["public_key"] == public_key_b64(key)
    parse_timestamp(statement["at"])
    # What a member checks with any Ed25519 library: the signature over the canonical JSON of the rest.
    signed = {k: v for k, v in statement.items() if k != "signature"}
    message = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(statement["public_key"]))
    public.verify(base64.b64decode(statement["signature"]), message)  # raises if it does not verify


def test_a_checkpoint_verifies_against_the_trusted_key_and_says_so(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    _write(engine, 5)
    statement = _checkpoint(engine, key)
    head = _rows(engine)[-1]["hash"]
    trusted = _verify(engine, statement, public_key=public_key_b64(key))
    assert trusted == VerifyResult(ok=True, records=5, trusted_key=True, head=head)
    embedded = _verify(engine, json.dumps(statement))  # as a member pastes it back, JSON text
    assert embedded == VerifyResult(ok=True, records=5, trusted_key=False, head=head)


def test_an_old_checkpoint_still_verifies_as_the_log_grows(engine: Engine, key: Ed25519PrivateKey) -> None:
    _write(engine, 3)
    statement = _checkpoint(engine, key)
    _write(engine, 4)
    result = _verify(engine, statement, public_key=public_key_b64(key))
    assert (result.ok, result.records) == (True, 7)


def test_an_empty_log_has_a_checkpoint_too(engine: Engine, key: Ed25519PrivateKey) -> None:
    statement = _checkpoint(engine, key)
    assert (statement["seq"], statement["records"], statement["hash"]) == (0, 0, GENESIS_HASH)
    _write(engine, 2)
    assert _verify(engine, statement, public_key=public_key_b64(key)).ok


def test_a_flipped_signature_byte_fails(engine: Engine, key: Ed25519PrivateKey) -> None:
    _write(engine, 3)
    statement = _checkpoint(engine, key)
    signature = bytearray(base64.b64decode(statement["signature"]))
    signature[10] ^= 0x01
    statement["signature"] = base64.b64encode(bytes(signature)).decode()
    result = _verify(engine, statement, public_key=public_key_b64(key))
    assert result == VerifyResult(
        ok=False,
        records=3,
        reason="the checkpoint's signature does not verify against the trusted public key",
        trusted_key=True,
    )
    untrusted = _verify(engine, statement)
    assert (
        untrusted.reason
        == "the checkpoint's signature does not verify against the checkpoint's own public key"
    )


def test_an_edited_checkpoint_field_fails_its_signature(engine: Engine, key: Ed25519PrivateKey) -> None:
    _write(engine, 5)
    statement = _checkpoint(engine, key) | {"seq": 4, "records": 4}
    result = _verify(engine, statement)
    assert (result.ok, result.reason) == (
        False,
        "the checkpoint's signature does not verify against the checkpoint's own public key",
    )


def test_a_checkpoint_from_another_key_fails_against_the_trusted_one(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    # An impostor signs a perfectly good checkpoint with their own key: it holds together on its
    # own (which is all an embedded key can show), and fails against the node's pinned key.
    _write(engine, 3)
    impostor = Ed25519PrivateKey.generate()
    statement = _checkpoint(engine, impostor)
    assert _verify(engine, statement).ok
    result = _verify(engine, statement, public_key=public_key_b64(key))
    assert (result.ok, result.trusted_key, result.first_bad_seq) == (False, True, None)
    assert result.reason == "the checkpoint was signed with a different key from the trusted public key"


@pytest.mark.parametrize(("removed", "first_bad"), [([5], 5), ([4, 5], 4)])
def test_a_cut_off_tail_is_caught_by_an_earlier_checkpoint(
    engine: Engine, key: Ed25519PrivateKey, removed: list[int], first_bad: int
) -> None:
    _write(engine, 5)
    statement = _checkpoint(engine, key)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq.in_(removed)))
    with read_connection(engine) as conn:
        assert verify(conn).ok  # what is left is a perfectly good chain
    result = _verify(engine, statement, public_key=public_key_b64(key))
    assert (result.ok, result.records, result.first_bad_seq) == (False, 5 - len(removed), first_bad)
    assert result.reason == (
        f"log truncated: it ends at record {5 - len(removed)} but the checkpoint covers record 5"
    )


def test_rewritten_history_is_caught_by_an_earlier_checkpoint(engine: Engine, key: Ed25519PrivateKey) -> None:
    _write(engine, 5)
    statement = _checkpoint(engine, key)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="someone-else@example.org"))
    _rechain(engine, 2)
    with read_connection(engine) as conn:
        assert verify(conn).ok  # every hash recomputed: the chain alone is fooled
    result = _verify(engine, statement, public_key=public_key_b64(key))
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert (result.reason or "").startswith("history rewritten: record 5 has hash ")


def test_a_broken_chain_fails_checkpoint_verification_at_its_first_bad_record(
    engine: Engine, key: Ed25519PrivateKey
) -> None:
    _write(engine, 5)
    statement = _checkpoint(engine, key)
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(subject="x"))
    result = _verify(engine, statement, public_key=public_key_b64(key))
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert result.reason == "record 2: hash does not match its contents (record altered)"


def test_no_checkpoint_is_signed_for_a_broken_log(engine: Engine, key: Ed25519PrivateKey) -> None:
    _write(engine, 3)
    with engine.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
    with pytest.raises(Invalid) as caught:
        _checkpoint(engine, key)
    assert caught.value.message == (
        "the audit log does not verify, so no checkpoint was signed: record 2 missing: seq jumps from 1 to 3"
    )


def _good(engine: Engine, key: Ed25519PrivateKey) -> dict[str, Any]:
    _write(engine, 2)
    return _checkpoint(engine, key)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda c: "{not json", "checkpoint is not JSON: "),
        (lambda c: json.dumps([c]), "checkpoint must be a JSON object"),
        (
            lambda c: {k: v for k, v in c.items() if k not in {"hash", "seq"}},
            "checkpoint lacks field(s): hash, seq",
        ),
        (lambda c: c | {"extra": 1}, "checkpoint has unknown field(s): extra"),
        (lambda c: c | {"seq": "2"}, "checkpoint field 'seq' must be an integer"),
        (lambda c: c | {"seq": True}, "checkpoint field 'seq' must be an integer"),
        (lambda c: c | {"node": None}, "checkpoint field 'node' must be a string"),
        (
            lambda c: c | {"type": "something/1"},
            "checkpoint type 'something/1' is not 'gotong.audit.checkpoint/2'",
        ),
        (lambda c: c | {"seq": -1}, "checkpoint seq and records must not be negative"),
        (lambda c: c | {"hash": "XYZ"}, "checkpoint hash must be 64 lowercase hex digits"),
        (lambda c: c | {"objects": -2}, "checkpoint objects must not be negative"),
        (lambda c: c | {"objects_digest": "0"}, "checkpoint objects_digest must be 64 lowercase hex digits"),
        (lambda c: {k: v for k, v in c.items() if k != "objects"}, "checkpoint lacks field(s): objects"),
        (lambda c: c | {"at": "yesterday"}, "checkpoint at: 'yesterday' is not a timestamp"),
        (lambda c: c | {"public_key": "%%%"}, "checkpoint public_key is not valid base64"),
        (lambda c: c | {"public_key": "AAAA"}, "checkpoint public_key must decode to 32 bytes, not 3"),
        (lambda c: c | {"signature": c["public_key"]}, "signature must decode to 64 bytes, not 32"),
    ],
)
def test_a_malformed_checkpoint_is_refused_in_one_line(
    engine: Engine, key: Ed25519PrivateKey, mangle: Any, message: str
) -> None:
    with pytest.raises(Invalid) as caught:
        _verify(engine, mangle(_good(engine, key)))
    assert caught.value.message.startswith(message)
    assert "\n" not in caught.value.message


def test_a_malformed_trusted_key_is_refused(engine: Engine, key: Ed25519PrivateKey) -> None:
    with pytest.raises(Invalid) as caught:
        _verify(engine, _good(engine, key), public_key="not a key")
    assert caught.value.message == "public key is not valid base64"


def test_the_key_file_is_made_private_once_and_reused(tmp_path: Path) -> None:
    path = Path(Settings(data_dir=str(tmp_path)).node_key_file)  # the default file, in the data folder
    first = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_key_b64(load_or_create_key(str(path))) == public_key_b64(first)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    assert len(base64.b64decode(public_key_b64(first))) == 32


def test_a_key_file_that_is_not_an_ed25519_key_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key")
    with pytest.raises(Invalid, match="does not hold an unencrypted PEM private key"):
        load_or_create_key(garbage)
    other = tmp_path / "ec.key"
    other.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
    )
    with pytest.raises(Invalid, match="holds a key that is not Ed25519"):
        load_or_create_key(other)
    with pytest.raises(Invalid, match="No such file or directory"):
        load_or_create_key(tmp_path / "missing-dir" / "node.key")
