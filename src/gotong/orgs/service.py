"""Organisations, users and API tokens: the verbs, keyword-only, each taking its connection."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from gotong.audit import Action, record
from gotong.core.auth import Principal, Role
from gotong.core.permissions import require_member, require_role
from gotong.errors import Conflict, Invalid, NotFound, Unauthorized
from gotong.orgs.models import OrgKind, api_tokens, organisations, users
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import now_micros

# Identities of organisations are derived from their short name, so the same organisation has
# the same STIX identity id on the hub and on every national node.
_IDENTITY_NAMESPACE = uuid.UUID("8f3a5c1e-4b7d-5e2a-9c6f-0d1e2f3a4b5c")
_SHORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "gtg_"


@dataclass(frozen=True)
class Organisation:
    id: int
    short_name: str
    name: str
    country: str | None
    kind: OrgKind
    parent_id: int | None
    identity_id: str
    default_tlp: TLP

    @classmethod
    def from_row(cls, row: Any) -> Organisation:
        return cls(
            id=row.id,
            short_name=row.short_name,
            name=row.name,
            country=row.country,
            kind=OrgKind(row.kind),
            parent_id=row.parent_id,
            identity_id=row.identity_id,
            default_tlp=TLP.parse(row.default_tlp),
        )


def identity_id_for(short_name: str) -> str:
    return f"identity--{uuid.uuid5(_IDENTITY_NAMESPACE, short_name.lower())}"


def add_org(
    conn: Connection,
    *,
    short_name: str,
    name: str,
    country: str | None,
    kind: OrgKind = OrgKind.NATIONAL_CERT,
    parent: str | None = None,
    default_tlp: TLP = TLP.AMBER,
    actor: str = "system",
) -> Organisation:
    """Create an organisation; its short name is its handle everywhere (CLI, tokens, sharing groups)."""
    if not _SHORT_NAME.match(short_name):
        raise Invalid(f"organisation short name {short_name!r} must be 1-32 letters, digits, '.', '_' or '-'")
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country.upper()):
        raise Invalid(f"country {country!r} must be an ISO 3166-1 alpha-2 code such as TH")
    if not name.strip():
        raise Invalid("organisation name must not be empty")
    parent_id = get_org(conn, short_name=parent).id if parent else None
    if conn.execute(select(organisations.c.id).where(organisations.c.short_name == short_name)).first():
        raise Conflict(f"organisation {short_name!r} already exists")
    try:
        new_id = conn.execute(
            insert(organisations)
            .values(
                short_name=short_name,
                name=name.strip(),
                country=country.upper() if country else None,
                kind=str(kind),
                parent_id=parent_id,
                identity_id=identity_id_for(short_name),
                default_tlp=TLP(default_tlp).slug,
                created_at=now_micros(),
            )
            .returning(organisations.c.id)
        ).scalar_one()
    except IntegrityError:
        raise Conflict(f"organisation {short_name!r} clashes with an existing one") from None
    record(
        conn,
        action=Action.ORG_CREATE,
        actor=actor,
        actor_org_id=None,
        subject=short_name,
        details={"kind": str(kind), "country": country.upper() if country else None, "parent": parent},
    )
    return get_org(conn, org_id=new_id)


def get_org(conn: Connection, *, short_name: str | None = None, org_id: int | None = None) -> Organisation:
    """One organisation by short name (case-insensitive) or id."""
    query = select(organisations)
    if org_id is not None:
        query = query.where(organisations.c.id == org_id)
    else:
        query = query.where(organisations.c.short_name == (short_name or ""))
    row = conn.execute(query).first()
    if row is None and short_name is not None:
        rows = conn.execute(select(organisations)).all()
        row = next((r for r in rows if r.short_name.lower() == short_name.lower()), None)
    if row is None:
        raise NotFound(f"no organisation {short_name or org_id!r}")
    return Organisation.from_row(row)


def list_orgs(conn: Connection) -> list[Organisation]:
    return [
        Organisation.from_row(r) for r in conn.execute(select(organisations).order_by(organisations.c.id))
    ]


def set_default_tlp(conn: Connection, *, short_name: str, tlp: TLP, actor: str = "system") -> Organisation:
    """Set the marking assumed for this organisation's unmarked submissions."""
    org = get_org(conn, short_name=short_name)
    conn.execute(update(organisations).where(organisations.c.id == org.id).values(default_tlp=tlp.slug))
    record(
        conn,
        action=Action.ORG_DEFAULT_TLP,
        actor=actor,
        actor_org_id=org.id,
        subject=org.short_name,
        details={"from": org.default_tlp.label, "to": tlp.label},
    )
    return get_org(conn, org_id=org.id)


def add_user(conn: Connection, *, email: str, org: str, role: Role, actor: str = "system") -> int:
    """Create a user of an organisation with one role; returns the user's id."""
    if not _EMAIL.match(email):
        raise Invalid(f"{email!r} is not an e-mail address")
    organisation = get_org(conn, short_name=org)
    _check_taskforce_role(organisation, role)
    if conn.execute(select(users.c.id).where(users.c.email == email.lower())).first():
        raise Conflict(f"user {email!r} already exists")
    user_id = conn.execute(
        insert(users)
        .values(
            email=email.lower(), org_id=organisation.id, role=str(role), active=True, created_at=now_micros()
        )
        .returning(users.c.id)
    ).scalar_one()
    record(
        conn,
        action=Action.USER_CREATE,
        actor=actor,
        actor_org_id=None,
        subject=email.lower(),
        details={"org": organisation.short_name, "role": str(role)},
    )
    return int(user_id)


def create_token(
    conn: Connection,
    *,
    org: str,
    user_email: str | None = None,
    role: Role | None = None,
    expires_at: int | None = None,
    through_hub: bool = False,
    actor: str = "system",
) -> str:
    """Create an API token and return it; only its SHA-256 is stored, so it is shown once.

    With ``through_hub``, everything submitted with the token is published under the hub's
    identity (anonymous submission); the real submitter is kept server-side only.
    """
    organisation = get_org(conn, short_name=org)
    user_id = None
    if user_email is not None:
        user = conn.execute(select(users).where(users.c.email == user_email.lower())).first()
        if user is None:
            raise NotFound(f"no user {user_email!r}")
        if user.org_id != organisation.id:
            raise Invalid(f"user {user_email!r} does not belong to {organisation.short_name}")
        user_id = user.id
        if role is not None and not Role(user.role).grants(role):
            raise Invalid(f"a token cannot have more rights ({role}) than its user ({user.role}), nor others")
        role = role or Role(user.role)
    _check_taskforce_role(organisation, role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(
        insert(api_tokens).values(
            token_hash=_hash(token),
            prefix=token[:10],
            org_id=organisation.id,
            user_id=user_id,
            role=str(role or Role.ANALYST),
            through_hub=through_hub,
            created_at=now_micros(),
            expires_at=expires_at,
        )
    )
    record(
        conn,
        action=Action.TOKEN_CREATE,
        actor=actor,
        actor_org_id=organisation.id,
        subject=token[:10],
        details={
            "org": organisation.short_name,
            "user": user_email,
            "role": str(role or Role.ANALYST),
            "through_hub": through_hub,
            "expires_at": expires_at,
        },
    )
    return token


@dataclass(frozen=True)
class TokenInfo:
    id: int
    prefix: str
    org: str
    user: str | None
    role: str
    through_hub: bool
    created_at: int
    expires_at: int | None
    revoked_at: int | None


def list_tokens(conn: Connection, *, org: str | None = None) -> list[TokenInfo]:
    """Tokens (never their secrets), optionally of one organisation."""
    query = (
        select(api_tokens, organisations.c.short_name, users.c.email)
        .join(organisations, organisations.c.id == api_tokens.c.org_id)
        .outerjoin(users, users.c.id == api_tokens.c.user_id)
        .order_by(api_tokens.c.id)
    )
    if org is not None:
        query = query.where(api_tokens.c.org_id == get_org(conn, short_name=org).id)
    return [
        TokenInfo(
            id=r.id,
            prefix=r.prefix,
            org=r.short_name,
            user=r.email,
            role=r.role,
            through_hub=bool(r.through_hub),
            created_at=r.created_at,
            expires_at=r.expires_at,
            revoked_at=r.revoked_at,
        )
        for r in conn.execute(query)
    ]


def revoke_token(conn: Connection, *, token: str, actor: str = "system") -> TokenInfo:
    """Revoke one token, named by its id (see ``list_tokens``) or by the whole secret."""
    by_id = token.isascii() and token.isdigit() and len(token) <= 18
    condition = api_tokens.c.id == int(token) if by_id else api_tokens.c.token_hash == _hash(token)
    row = conn.execute(select(api_tokens.c.id, api_tokens.c.revoked_at).where(condition)).first()
    if row is None:
        raise NotFound("no such token (give its id from 'gotong token list', or the whole token)")
    if row.revoked_at is None:
        conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(revoked_at=now_micros()))
        record(conn, action=Action.TOKEN_REVOKE, actor=actor, actor_org_id=None, subject=str(row.id))
    return next(t for t in list_tokens(conn) if t.id == row.id)


def authenticate(conn: Connection, *, token: str, username: str | None = None) -> Principal:
    """The principal a token stands for; with HTTP Basic, ``username`` must name its owner."""
    row = conn.execute(
        select(api_tokens, organisations.c.short_name, users.c.email)
        .join(organisations, organisations.c.id == api_tokens.c.org_id)
        .outerjoin(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == _hash(token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the token is unknown or revoked")
    if row.expires_at is not None and row.expires_at <= now_micros():
        raise Unauthorized("the token has expired")
    if username is not None and username.lower() not in {row.short_name.lower(), (row.email or "").lower()}:
        raise Unauthorized("the user name does not match the token's owner")
    return Principal(
        org_id=row.org_id,
        org_short=row.short_name,
        user_id=row.user_id,
        role=Role(row.role),
        through_hub=bool(row.through_hub),
    )


def hub(conn: Connection) -> Organisation:
    """The node's hub organisation (the regional coordinator), through which anonymous submissions go."""
    row = conn.execute(
        select(organisations).where(organisations.c.kind == str(OrgKind.HUB)).order_by(organisations.c.id)
    ).first()
    if row is None:
        raise NotFound("this node has no hub organisation, so nothing can be submitted through the hub")
    return Organisation.from_row(row)


def taskforce(conn: Connection) -> Organisation | None:
    """The network's taskforce, if its preset has one: the audience of what is confidential to it."""
    kind = organisations.c.kind == str(OrgKind.TASKFORCE)
    row = conn.execute(select(organisations).where(kind).order_by(organisations.c.id)).first()
    return None if row is None else Organisation.from_row(row)


def get_user_email(conn: Connection, principal: Principal) -> str | None:
    """The e-mail of the user behind a principal, if the token belongs to a user."""
    if principal.user_id is None:
        return None
    return conn.execute(select(users.c.email).where(users.c.id == principal.user_id)).scalar_one_or_none()


def whoami(conn: Connection, *, actor: Principal) -> Organisation:
    """The organisation ``actor``'s token belongs to (401 without a token)."""
    require_member(actor)
    return get_org(conn, org_id=actor.org_id)


def organisations_for(conn: Connection, *, actor: Principal) -> list[Organisation]:
    """The organisations of the network, for any member."""
    require_member(actor)
    return list_orgs(conn)


def _check_taskforce_role(organisation: Organisation, role: Role | None) -> None:
    """The taskforce role belongs to the seat holders, users of the taskforce organisation only."""
    if role == Role.TASKFORCE and organisation.kind != OrgKind.TASKFORCE:
        raise Invalid(
            f"role taskforce: only users of the taskforce organisation hold it, "
            f"and {organisation.short_name} is a {organisation.kind}"
        )


def find_user(conn: Connection, *, email: str) -> tuple[int, str, Role] | None:
    """The id, organisation short name and role of the active user with ``email``, if any."""
    row = conn.execute(
        select(users.c.id, organisations.c.short_name, users.c.role)
        .join(organisations, organisations.c.id == users.c.org_id)
        .where(users.c.email == email.lower(), users.c.active.is_(True))
    ).first()
    return None if row is None else (int(row.id), str(row.short_name), Role(row.role))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def operator_for(conn: Connection, *, org: str) -> Principal:
    """The node operator at the command line, acting for ``org`` with no role limit."""
    found = get_org(conn, short_name=org)
    return Principal(org_id=found.id, org_short=found.short_name)


def tokens_for(conn: Connection, *, actor: Principal) -> list[TokenInfo]:
    """The API tokens of ``actor``'s organisation (never their secrets); for its admins."""
    require_role(actor, Role.ADMIN)
    return list_tokens(conn, org=get_org(conn, org_id=actor.org_id).short_name)


def create_token_for(conn: Connection, *, actor: Principal, role: Role) -> str:
    """A new token of ``actor``'s organisation for ``actor`` (its user, when signed in), with at most
    the actor's role; shown once. For admins."""
    require_role(actor, Role.ADMIN)
    email = get_user_email(conn, actor)
    org = get_org(conn, org_id=actor.org_id).short_name
    return create_token(conn, org=org, user_email=email, role=role, actor=email or org)


def revoke_token_for(conn: Connection, *, actor: Principal, token_id: int) -> TokenInfo:
    """Revoke one of the tokens of ``actor``'s organisation; another organisation's is not found."""
    if not any(t.id == token_id for t in tokens_for(conn, actor=actor)):
        raise NotFound(f"your organisation has no token {token_id}")
    email = get_user_email(conn, actor)
    return revoke_token(conn, token=str(token_id), actor=email or actor.org_short or "unknown")


def user_emails(conn: Connection, *, org_id: int, roles: Collection[Role]) -> list[str]:
    """The e-mails of an organisation's active users holding one of ``roles`` (for notices such as
    training reminders, and to count who a requirement applies to)."""
    query = select(users.c.email).where(
        users.c.org_id == org_id, users.c.active.is_(True), users.c.role.in_([str(r) for r in roles])
    )
    return sorted(conn.execute(query).scalars())
