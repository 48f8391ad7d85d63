"""Passwords of users and signing in with them: argon2 hashes, lock-out, the user behind a session.

Only the argon2 hash of a password is stored. After ``MAX_FAILURES`` wrong passwords in a row an
account is locked for ``LOCK_MICROS``; while it is locked even the right password is refused, and
the answer does not say which of the two it was. Every sign-in, failure and sign-out is an audit
record. Not for API tokens (``orgs.service``) nor for cookies (``gotong.web.sessions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from gotong.audit import record
from gotong.core.auth import Principal, Role
from gotong.errors import Invalid, NotFound, Unauthorized
from gotong.orgs.models import organisations, users
from gotong.stix.timestamps import now_micros

__all__ = [
    "LOCK_MICROS",
    "MAX_FAILURES",
    "REFUSED",
    "SignIn",
    "check_password",
    "end_sessions",
    "get_user_id",
    "hash_password",
    "session_principal",
    "set_password",
    "set_password_hash",
]

MAX_FAILURES = 5
LOCK_MICROS = 15 * 60 * 1_000_000
MIN_LENGTH = 12
MAX_LENGTH = 1024

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so an unknown address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anybody")
REFUSED = "the e-mail address or the password is wrong, or the account is locked"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SignIn:
    """A user who has just proved their password."""

    user_id: int
    email: str
    org_short: str
    role: Role


def get_user_id(conn: Connection, *, email: str) -> int | None:
    """The id of the user with this e-mail address, if there is one."""
    found = conn.execute(
        select(users.c.id).where(users.c.email == email.strip().lower())
    ).scalar_one_or_none()
    return None if found is None else int(found)


def hash_password(password: str) -> str:
    """The argon2 hash of an acceptable password; :class:`Invalid` says what is wrong with another."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise Invalid(f"a password may have at most {MAX_LENGTH} characters")
    if _CONTROL.search(password):
        raise Invalid("a password may not contain control characters (a line break, a tab)")
    return _hasher.hash(password)


def set_password(conn: Connection, *, email: str, password: str, actor: str = "system") -> None:
    """Give a user a new password; their open sessions end and any lock-out is lifted."""
    set_password_hash(conn, email=email, password_hash=hash_password(password), actor=actor)


def set_password_hash(conn: Connection, *, email: str, password_hash: str, actor: str = "system") -> None:
    """Like :func:`set_password` with a hash made by :func:`hash_password` (hashing is slow on purpose)."""
    row = conn.execute(select(users.c.id, users.c.org_id).where(users.c.email == email.lower())).first()
    if row is None:
        raise NotFound(f"no user {email!r}")
    conn.execute(
        update(users)
        .where(users.c.id == row.id)
        .values(
            password_hash=password_hash, failed_logins=0, locked_until=None, sessions_valid_after=now_micros()
        )
    )
    record(conn, action="user.password", actor=actor, actor_org_id=row.org_id, subject=email.lower())


def check_password(conn: Connection, *, email: str, password: str, client: str = "") -> SignIn | None:
    """The user whose e-mail and password these are, or None (the caller says :data:`REFUSED`).

    Runs in a write transaction that must commit either way: failures are counted and recorded in
    the audit log, as is success; that is why a refusal is a return value and not an exception.
    """
    now = now_micros()
    row = conn.execute(
        select(users, organisations.c.short_name)
        .join(organisations, organisations.c.id == users.c.org_id)
        .where(users.c.email == email.strip().lower())
    ).first()
    if row is None:
        _verify(_DUMMY_HASH, password)
        subject = email.strip().lower()[:200] or "(empty)"
        record(
            conn, action="user.sign-in-failed", actor="web", actor_org_id=None, subject=subject,
            details={"reason": "unknown user", "client": client},
        )  # fmt: skip
        return None
    locked = row.locked_until is not None and row.locked_until > now
    good = bool(row.password_hash) and _verify(row.password_hash, password)
    if locked or not good or not row.active:
        failures = row.failed_logins + (0 if locked else 1)
        values: dict[str, object] = {"failed_logins": failures}
        if not locked and failures >= MAX_FAILURES:
            values = {"failed_logins": 0, "locked_until": now + LOCK_MICROS}
        conn.execute(update(users).where(users.c.id == row.id).values(**values))
        reason = "locked" if locked else "inactive" if not row.active and good else "wrong password"
        record(
            conn, action="user.sign-in-failed", actor="web", actor_org_id=row.org_id, subject=row.email,
            details={"reason": reason, "client": client, "locked": "locked_until" in values},
        )  # fmt: skip
        return None
    conn.execute(update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=None))
    record(
        conn, action="user.sign-in", actor=row.email, actor_org_id=row.org_id, subject=row.email,
        details={"client": client},
    )  # fmt: skip
    return SignIn(user_id=row.id, email=row.email, org_short=row.short_name, role=Role(row.role))


def end_sessions(conn: Connection, *, user_id: int, actor: str) -> None:
    """Sign a user out everywhere: every session issued until now stops being accepted."""
    row = conn.execute(select(users.c.email, users.c.org_id).where(users.c.id == user_id)).first()
    if row is None:
        return
    conn.execute(update(users).where(users.c.id == user_id).values(sessions_valid_after=now_micros()))
    record(conn, action="user.sign-out", actor=actor, actor_org_id=row.org_id, subject=row.email)


def session_principal(conn: Connection, *, user_id: int, issued_at: int) -> Principal:
    """The principal of a session issued at ``issued_at`` for ``user_id``, with the user's role of now."""
    row = conn.execute(
        select(users, organisations.c.short_name)
        .join(organisations, organisations.c.id == users.c.org_id)
        .where(users.c.id == user_id)
    ).first()
    if row is None or not row.active or not row.password_hash:
        raise Unauthorized("the session's user no longer exists or may not sign in")
    if row.sessions_valid_after is not None and issued_at < row.sessions_valid_after:
        raise Unauthorized("the session has ended; sign in again")
    return Principal(org_id=row.org_id, org_short=row.short_name, user_id=row.id, role=Role(row.role))


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
