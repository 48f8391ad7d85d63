"""A decision of the taskforce as a statement signed by the node's Ed25519 key: the key that signs the
audit log's checkpoints (``gotong.audit``), so a member that pinned the node's public key for those
checks a decision with the same key.

The signature is Ed25519 over the UTF-8 bytes of the canonical JSON (sorted keys, no whitespace) of
every field but ``signature``; ``type`` names what was signed, so a signature over a decision can never
be passed off as one over a checkpoint, or the other way round.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gotong.audit import public_key_b64
from gotong.errors import Invalid

DECISION_TYPE = "gotong.taskforce.decision/1"


def _signed_bytes(fields: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in fields.items() if k != "signature"}
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def sign(statement: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The statement with the node's public key and its signature added."""
    signed = {**statement, "type": DECISION_TYPE, "public_key": public_key_b64(key)}
    signed["signature"] = base64.b64encode(key.sign(_signed_bytes(signed))).decode()
    return signed


def verify_decision(statement: Mapping[str, Any], *, public_key: str) -> bool:
    """Whether ``statement`` is a decision signed by the node whose key is ``public_key`` (base64 raw
    Ed25519, as ``gotong node`` shows it) and unchanged since. A malformed key raises ``Invalid``."""
    try:
        verifier = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
    except (binascii.Error, ValueError):
        raise Invalid("public_key is not a base64 Ed25519 public key") from None
    if statement.get("type") != DECISION_TYPE or not isinstance(statement.get("signature"), str):
        return False
    try:
        signature = base64.b64decode(statement["signature"], validate=True)
        verifier.verify(signature, _signed_bytes(statement))
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True
