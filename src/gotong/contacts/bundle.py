"""The signed directory bundle: the directory as the reader may see it, as STIX 2.1 identities with
their contact information, signed with the node's Ed25519 key so that a member who keeps it offline
can check that it came from the node and was not changed.

The envelope is ``{"type": "gotong-contact-bundle", "signed_at", "public_key", "bundle",
"signature"}``; the signature covers the canonical JSON (sorted keys, no spaces) of every member
but ``signature``. Each field is in the bundle only when :func:`gotong.sharing.policy.may_see_field`
lets the reader see it (the bundle is built from :func:`gotong.contacts.service.list_contacts`).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine

from gotong.contacts.catalogue import role
from gotong.contacts.schemas import ContactPublic
from gotong.contacts.service import list_contacts, member_directory
from gotong.core.auth import Principal
from gotong.errors import Invalid
from gotong.stix.timestamps import format_micros, micros_of, now_micros
from gotong.stix.validate import validate_object

__all__ = ["BUNDLE_TYPE", "BundleCheck", "export_bundle", "verify_bundle"]

BUNDLE_TYPE = "gotong-contact-bundle"
_NAMESPACE = uuid.UUID("6f1d3c2a-8b4e-4f5a-9c7d-2e0b1a3c5d7f")
_CHANNELS = ("email", "phone", "chat", "webhook_url")


@dataclass(frozen=True)
class BundleCheck:
    contacts: int
    public_key: str
    trusted_key: bool  # checked against a key the caller gave (else only against the one it names)
    signed_at: str


def export_bundle(
    engine: Engine, *, actor: Principal, key: Ed25519PrivateKey, members_view: bool = False
) -> dict[str, Any]:
    """The directory the actor may see, as a signed bundle of STIX identities; with ``members_view``,
    as any member organisation sees it (public and members fields only: what a peer node keeps)."""
    found = member_directory(engine, actor=actor) if members_view else list_contacts(engine, actor=actor)
    objects = [_identity(c) for c in found]
    for obj in objects:
        problems = validate_object(obj)
        if problems:  # a bug of ours, not the reader's: refuse to sign an invalid bundle
            raise Invalid(f"contact bundle: {obj['id']}: {'; '.join(problems)}")
    envelope: dict[str, Any] = {
        "type": BUNDLE_TYPE,
        "signed_at": format_micros(now_micros()),
        "public_key": base64.b64encode(key.public_key().public_bytes_raw()).decode(),
        "view": "members" if members_view else "reader",
        "bundle": {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects},
    }
    envelope["signature"] = base64.b64encode(key.sign(_signed_bytes(envelope))).decode()
    return envelope


def verify_bundle(data: Any, *, public_key: str | None = None) -> BundleCheck:
    """Check a bundle's signature (against ``public_key``, base64 raw Ed25519, when the caller trusts
    one; else against the key it names, which proves only that it is intact). Invalid if it fails."""
    if not isinstance(data, dict) or data.get("type") != BUNDLE_TYPE:
        raise Invalid(f"not a contact bundle: its type is not {BUNDLE_TYPE!r}")
    for name in ("signed_at", "public_key", "bundle", "signature"):
        if name not in data:
            raise Invalid(f"the contact bundle has no {name}")
    named = str(data["public_key"])
    if public_key is not None and public_key != named:
        raise Invalid("the contact bundle was signed by another key than the one given")
    try:
        verifier = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key or named, validate=True))
        signature = base64.b64decode(str(data["signature"]), validate=True)
    except ValueError:
        raise Invalid("the contact bundle's public key or signature is not base64 Ed25519") from None
    try:
        verifier.verify(signature, _signed_bytes(data))
    except InvalidSignature:
        raise Invalid("the contact bundle's signature does not match: it was changed after signing") from None
    objects = data["bundle"].get("objects", []) if isinstance(data["bundle"], dict) else []
    return BundleCheck(
        contacts=len(objects),
        public_key=named,
        trusted_key=public_key is not None,
        signed_at=data["signed_at"],
    )


def _signed_bytes(envelope: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in envelope.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _identity(contact: ContactPublic) -> dict[str, Any]:
    stamp = format_micros(micros_of(contact.updated), digits=3)
    lines = [f"{name}: {getattr(contact, name)}" for name in _CHANNELS if getattr(contact, name)]
    if contact.out_of_hours:
        lines.append(f"out of hours: {contact.out_of_hours}")
    obj: dict[str, Any] = {
        "type": "identity",
        "spec_version": "2.1",
        "id": f"identity--{uuid.uuid5(_NAMESPACE, f'contact:{contact.org}:{contact.id}')}",
        "created": stamp,
        "modified": stamp,
        "name": contact.name or f"{contact.org} {role(contact.role).title}",
        "identity_class": "group",
        "roles": [role(contact.role).title],
        "description": f"{role(contact.role).title} of {contact.org}",
    }
    if lines:
        obj["contact_information"] = "\n".join(lines)
    return obj
