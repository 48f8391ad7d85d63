"""Passwords of users: argon2 hashes, lock-out after repeated failures, sessions ended by sign-out."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, update

from gotong.audit.models import audit_log
from gotong.core.auth import Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound, Unauthorized
from gotong.orgs.models import users
from gotong.orgs.passwords import (
    MAX_FAILURES,
    check_password,
    end_sessions,
    session_principal,
    set_password,
)
from gotong.orgs.service import add_user

EMAIL = "duty@thaicert.example"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(engine: Engine) -> int:
    with write_transaction(engine) as conn:
        user_id = add_user(conn, email=EMAIL, org="ThaiCERT", role=Role.ANALYST)
        set_password(conn, email=EMAIL, password=PASSWORD)
    return user_id


def _check(engine: Engine, password: str, email: str = EMAIL) -> object:
    with write_transaction(engine) as conn:
        return check_password(conn, email=email, password=password, client="127.0.0.1")


def _actions(engine: Engine) -> list[tuple[str, str]]:
    with read_connection(engine) as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.subject).order_by(audit_log.c.seq)).all()
    return [(r.action, r.subject) for r in rows if r.action.startswith("user.")]


def test_only_an_argon2_hash_is_stored_and_the_right_password_signs_in(engine: Engine, user: int) -> None:
    with read_connection(engine) as conn:
        stored = conn.execute(select(users.c.password_hash).where(users.c.id == user)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    signed = _check(engine, PASSWORD, email=EMAIL.upper())  # the address is compared without case
    assert signed is not None and signed.user_id == user and signed.org_short == "ThaiCERT"  # type: ignore[attr-defined]
    assert _check(engine, PASSWORD + "x") is None
    assert _check(engine, PASSWORD, email="nobody@thaicert.example") is None
    assert ("user.sign-in", EMAIL) in _actions(engine)
    assert ("user.sign-in-failed", EMAIL) in _actions(engine)
    assert ("user.sign-in-failed", "nobody@thaicert.example") in _actions(engine)


def test_an_account_locks_after_repeated_failures_even_against_the_right_password(
    engine: Engine, user: int
) -> None:
    for _ in range(MAX_FAILURES - 1):
        assert _check(engine, "wrong password!") is None
    assert _check(engine, PASSWORD) is not None  # positive control: not locked yet, and the count resets
    for _ in range(MAX_FAILURES):
        assert _check(engine, "wrong password!") is None
    assert _check(engine, PASSWORD) is None  # locked now
    with write_transaction(engine) as conn:  # the lock's time has passed
        conn.execute(update(users).where(users.c.id == user).values(locked_until=1))
    assert _check(engine, PASSWORD) is not None


def test_a_new_password_lifts_the_lock(engine: Engine, user: int) -> None:
    for _ in range(MAX_FAILURES):
        _check(engine, "wrong password!")
    with write_transaction(engine) as conn:
        set_password(conn, email=EMAIL, password="a brand new passphrase")
    assert _check(engine, "a brand new passphrase") is not None


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short", "at least 12"), ("x" * 1025, "at most 1024"), ("tab\tinside-password", "control characters")],
)
def test_a_weak_or_odd_password_is_refused(engine: Engine, user: int, password: str, problem: str) -> None:
    with pytest.raises(Invalid, match=problem), write_transaction(engine) as conn:
        set_password(conn, email=EMAIL, password=password)
    assert _check(engine, PASSWORD) is not None  # the old password still works


def test_setting_the_password_of_nobody_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound), write_transaction(engine) as conn:
        set_password(conn, email="nobody@thaicert.example", password=PASSWORD)


def test_sign_out_ends_the_sessions_issued_before_it(engine: Engine, user: int) -> None:
    from gotong.stix.timestamps import now_micros

    issued = now_micros()
    with read_connection(engine) as conn:
        principal = session_principal(conn, user_id=user, issued_at=issued)
    assert principal.role == Role.ANALYST and principal.org_short == "ThaiCERT" and principal.user_id == user
    with write_transaction(engine) as conn:
        end_sessions(conn, user_id=user, actor=EMAIL)
    with pytest.raises(Unauthorized), read_connection(engine) as conn:
        session_principal(conn, user_id=user, issued_at=issued)
    with read_connection(engine) as conn:  # a session issued after the sign-out is accepted
        assert session_principal(conn, user_id=user, issued_at=now_micros()).user_id == user
    assert ("user.sign-out", EMAIL) in _actions(engine)


def test_an_inactive_user_cannot_sign_in_nor_keep_a_session(engine: Engine, user: int) -> None:
    from gotong.stix.timestamps import now_micros

    with write_transaction(engine) as conn:
        conn.execute(update(users).where(users.c.id == user).values(active=False))
    assert _check(engine, PASSWORD) is None
    with pytest.raises(Unauthorized), read_connection(engine) as conn:
        session_principal(conn, user_id=user, issued_at=now_micros())
