"""The verbs of the contact directory: add, list, read and change points of contact.

Every read builds the reader's view field by field through :func:`gotong.sharing.policy.may_see_field`;
every change is checked by :func:`gotong.contacts.policy.require_editor` and written to the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.engine import Row

from gotong.audit.service import record
from gotong.contacts.catalogue import roles
from gotong.contacts.keys import read_key
from gotong.contacts.models import contacts
from gotong.contacts.policy import require_editor
from gotong.contacts.schemas import (
    DEFAULT_VISIBILITY,
    BusinessHours,
    ContactCreate,
    ContactField,
    ContactPublic,
    ContactUpdate,
    KeyPublic,
)
from gotong.core.auth import ANONYMOUS, Principal
from gotong.core.permissions import require_member
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound
from gotong.orgs.models import organisations
from gotong.orgs.service import get_org, hub
from gotong.sharing.policy import ANY_MEMBER, FieldVisibility, may_see_field
from gotong.stix.timestamps import format_micros, now_micros

__all__ = [
    "create_contact",
    "get_contact",
    "hub_org_id",
    "list_contacts",
    "public_directory",
    "require_edit",
    "update_contact",
    "view",
]

_FIELDS = tuple(DEFAULT_VISIBILITY)


def hub_org_id(conn: Connection) -> int | None:
    try:
        return hub(conn).id
    except NotFound:
        return None


def create_contact(engine: Engine, *, actor: Principal, contact: ContactCreate) -> ContactPublic:
    """Add a point of contact to ``contact.org`` (default: the actor's organisation)."""
    require_member(actor)
    with write_transaction(engine) as conn:
        owner = get_org(conn, short_name=contact.org) if contact.org else None
        owner_id = owner.id if owner else int(actor.org_id or 0)
        hub_id = hub_org_id(conn)
        require_editor(actor, owner_org_id=owner_id, hub_org_id=hub_id)
        fields = _document_fields(contact.model_dump(exclude={"org", "role", "visibility"}, mode="json"))
        _check_fields(conn, fields, owner_org_id=owner_id, contact_id=None)
        visibility = {**{k: str(v) for k, v in DEFAULT_VISIBILITY.items()}, **_visibility(contact.visibility)}
        now = now_micros()
        contact_id = conn.execute(
            insert(contacts)
            .values(
                org_id=owner_id,
                role=contact.role,
                document={"fields": fields, "visibility": visibility},
                webhook_secret=secrets.token_hex(32),
                created_at=now,
                updated_at=now,
            )
            .returning(contacts.c.id)
        ).scalar_one()
        _audit(conn, actor, "contact.add", int(contact_id), {"role": contact.role})
        row = _row(conn, int(contact_id))
        return view(row, reader_org_id=actor.org_id, hub_org_id=hub_id)


def update_contact(
    engine: Engine, *, actor: Principal, contact_id: int, change: ContactUpdate
) -> ContactPublic:
    """Change fields (a field left out keeps its value) and merge visibility entries."""
    require_member(actor)
    with write_transaction(engine) as conn:
        row = _row(conn, contact_id)
        hub_id = hub_org_id(conn)
        require_editor(actor, owner_org_id=row.org_id, hub_org_id=hub_id)
        given = _document_fields(change.model_dump(exclude={"visibility"}, exclude_unset=True, mode="json"))
        _check_fields(conn, given, owner_org_id=row.org_id, contact_id=contact_id)
        document = dict(row.document)
        fields = {**document["fields"], **given}
        visibility = {**document["visibility"], **_visibility(change.visibility)}
        conn.execute(
            update(contacts)
            .where(contacts.c.id == contact_id)
            .values(document={"fields": fields, "visibility": visibility}, updated_at=now_micros())
        )
        _audit(
            conn,
            actor,
            "contact.update",
            contact_id,
            {"fields": sorted(given), "visibility": sorted(change.visibility or {})},
        )
        return view(_row(conn, contact_id), reader_org_id=actor.org_id, hub_org_id=hub_id)


def list_contacts(
    engine: Engine, *, actor: Principal, org: str | None = None, role: str | None = None
) -> list[ContactPublic]:
    """Every contact of the network (or of ``org``, or of ``role``), as the actor may see each field."""
    require_member(actor)
    if role is not None and role not in roles():
        raise Invalid(f"role: unknown role {role!r}; known: {', '.join(sorted(roles()))}")
    return _list(engine, reader_org_id=actor.org_id, org=org, role=role)


def member_directory(engine: Engine, *, actor: Principal) -> list[ContactPublic]:
    """The directory as any member organisation sees it: public and members fields, never a hub-only
    field (not even to the hub or the owner). What may leave the node for a peer node, whose readers
    are not all the organisation that asked."""
    require_member(actor)
    return _list(engine, reader_org_id=ANY_MEMBER, org=None)


def public_directory(engine: Engine, *, org: str | None = None) -> list[ContactPublic]:
    """The directory as somebody who is not signed in sees it: public fields only."""
    return _list(engine, reader_org_id=ANONYMOUS.org_id, org=org)


def get_contact(engine: Engine, *, actor: Principal, contact_id: int) -> ContactPublic:
    require_member(actor)
    with read_connection(engine) as conn:
        return view(_row(conn, contact_id), reader_org_id=actor.org_id, hub_org_id=hub_org_id(conn))


def require_edit(engine: Engine, *, actor: Principal, contact_id: int) -> None:
    """Refuse (401/403) unless ``actor`` may change and check the contact ``contact_id``."""
    require_member(actor)
    with read_connection(engine) as conn:
        row = _row(conn, contact_id)
        require_editor(actor, owner_org_id=row.org_id, hub_org_id=hub_org_id(conn))


def view(row: Row[Any], *, reader_org_id: int | None, hub_org_id: int | None) -> ContactPublic:
    """A stored contact as the organisation ``reader_org_id`` may see it, field by field."""
    fields: dict[str, Any] = row.document["fields"]
    marks: dict[str, str] = row.document["visibility"]
    shown: dict[str, Any] = {}
    visibility: dict[str, FieldVisibility] = {}
    hidden: list[str] = []
    for name in _FIELDS:
        mark = FieldVisibility(marks.get(name, DEFAULT_VISIBILITY[name]))
        if may_see_field(mark, reader_org_id=reader_org_id, owner_org_id=row.org_id, hub_org_id=hub_org_id):
            shown[name] = fields.get(name)
            visibility[name] = mark
        else:
            hidden.append(name)
    if shown.get("business_hours") is not None:
        shown["business_hours"] = BusinessHours(**shown["business_hours"])
    key = _key_public(shown.get("pgp_key"))
    insider = reader_org_id is not None and reader_org_id in (row.org_id, hub_org_id)
    return ContactPublic(
        id=row.id,
        org=row.short_name,
        role=row.role,
        key=key,
        webhook_secret=row.webhook_secret if insider else None,
        visibility=visibility,
        hidden=hidden,
        updated=format_micros(row.updated_at),
        **shown,
    )


def contact_row(conn: Connection, contact_id: int) -> Row[Any]:
    return _row(conn, contact_id)


def _list(
    engine: Engine, *, reader_org_id: int | None, org: str | None, role: str | None = None
) -> list[ContactPublic]:
    with read_connection(engine) as conn:
        hub_id = hub_org_id(conn)
        query = _select().order_by(organisations.c.short_name, contacts.c.id)
        if org is not None:
            query = query.where(contacts.c.org_id == get_org(conn, short_name=org).id)
        if role is not None:
            query = query.where(contacts.c.role == role)
        return [view(r, reader_org_id=reader_org_id, hub_org_id=hub_id) for r in conn.execute(query)]


def _select() -> Any:
    return select(contacts, organisations.c.short_name).join(
        organisations, organisations.c.id == contacts.c.org_id
    )


def _row(conn: Connection, contact_id: int) -> Row[Any]:
    row = conn.execute(_select().where(contacts.c.id == contact_id)).first()
    if row is None:
        raise NotFound(f"no contact {contact_id}")
    return row


def _document_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in DEFAULT_VISIBILITY}


def _visibility(given: Mapping[ContactField, FieldVisibility] | None) -> dict[str, str]:
    return {k: str(v) for k, v in (given or {}).items()}


def _check_fields(
    conn: Connection, fields: dict[str, Any], *, owner_org_id: int, contact_id: int | None
) -> None:
    """What the schema cannot check alone: the key is one GnuPG reads; alternates are the org's own."""
    if fields.get("pgp_key"):
        read_key(fields["pgp_key"])  # Invalid when GnuPG cannot read it
    for alternate in fields.get("alternates") or []:
        if alternate == contact_id:
            raise Invalid("alternates: a contact cannot be its own alternate")
        found = conn.execute(select(contacts.c.org_id).where(contacts.c.id == alternate)).first()
        if found is None or found.org_id != owner_org_id:
            raise Invalid(f"alternates: {alternate} is not a contact of the same organisation")


def _key_public(armored: str | None) -> KeyPublic | None:
    if not armored:
        return None
    try:
        facts = read_key(armored)
    except Invalid:
        return None
    now = now_micros() / 1_000_000
    return KeyPublic(
        fingerprint=facts.fingerprint,
        algorithm=facts.algorithm,
        bits=facts.bits,
        expires_at=format_micros(facts.expires_at * 1_000_000, digits=0) if facts.expires_at else None,
        expired=facts.expired(now),
        weak=facts.weak,
    )


def _audit(conn: Connection, actor: Principal, action: str, contact_id: int, details: dict[str, Any]) -> None:
    record(
        conn,
        action=action,
        actor=actor.org_short or "cli",
        actor_org_id=actor.org_id,
        subject=f"contact:{contact_id}",
        details=details,
    )
