"""Web sessions in a signed cookie, and the CSRF token that every form carries.

The cookie holds the user's id, the instant of sign-in and the session's CSRF token, signed with
the node's session secret (itsdangerous, HMAC-SHA1 over a derived key). It is HttpOnly, SameSite=Lax
and, when the node is reached over HTTPS, Secure. A session ends when it is idle longer than
``session_idle_minutes`` (the signature's own timestamp, renewed as the user works), when it is
older than ``session_max_hours`` (the sign-in instant), or when the user signs out or gets a new
password (``orgs.passwords.end_sessions``): the cookie alone never outlives a sign-out.

Before sign-in, the sign-in form's CSRF token is a random value in a second signed cookie
(double submit). Not for who may see what: that is the sharing policy's.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from gotong.settings import Settings
from gotong.stix.timestamps import now_micros

SESSION_COOKIE = "gotong_session"
CSRF_COOKIE = "gotong_csrf"
CSRF_FIELD = "csrf"
RENEW_AFTER_SECONDS = 60


@dataclass(frozen=True)
class Session:
    user_id: int
    issued_at: int
    csrf: str
    signed_at: float


def secret_path(settings: Settings) -> Path:
    """Where the session secret is kept: as configured, or beside the node key."""
    if settings.session_secret_file:
        return Path(settings.session_secret_file)
    return Path(settings.node_key_file).with_name("gotong-session.key")


def load_or_create_secret(path: Path) -> bytes:
    """The secret in ``path``; a new random one is written there (mode 0600) when the file is absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes().strip()
        if len(secret) < 32:
            raise ValueError(f"the session secret in {path} is too short (under 32 bytes)") from None
        return secret
    secret = secrets.token_urlsafe(48).encode("ascii")
    with os.fdopen(fd, "wb") as out:
        out.write(secret + b"\n")
    return secret


class SessionCodec:
    """Signs and reads session and pre-session cookies with one node secret."""

    def __init__(self, secret: bytes, *, idle_seconds: float, max_seconds: float) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="gotong.session")
        self._csrf = URLSafeTimedSerializer(secret, salt="gotong.csrf")
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionCodec:
        return cls(
            load_or_create_secret(secret_path(settings)),
            idle_seconds=settings.session_idle_minutes * 60,
            max_seconds=settings.session_max_hours * 3600,
        )

    def new_session(self, user_id: int) -> tuple[Session, str]:
        session = Session(
            user_id=user_id, issued_at=now_micros(), csrf=secrets.token_urlsafe(24), signed_at=0
        )
        return session, self.sign(session)

    def sign(self, session: Session) -> str:
        return self._session.dumps([session.user_id, session.issued_at, session.csrf])

    def read(self, cookie: str | None) -> Session | None:
        """The session a cookie holds if it is genuine, not idle too long and not too old; else None."""
        if not cookie:
            return None
        try:
            (user_id, issued_at, csrf), signed = self._session.loads(
                cookie, max_age=round(self.idle_seconds), return_timestamp=True
            )
        except (BadSignature, SignatureExpired, ValueError, TypeError):
            return None
        if not isinstance(user_id, int) or not isinstance(issued_at, int) or not isinstance(csrf, str):
            return None
        if now_micros() - issued_at > self.max_seconds * 1_000_000:
            return None
        return Session(user_id=user_id, issued_at=issued_at, csrf=csrf, signed_at=signed.timestamp())

    def new_csrf(self) -> tuple[str, str]:
        """A pre-session CSRF token and the signed cookie value that carries it."""
        token = secrets.token_urlsafe(24)
        return token, self._csrf.dumps(token)

    def read_csrf(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            token = self._csrf.loads(cookie, max_age=round(self.max_seconds))
        except (BadSignature, SignatureExpired):
            return None
        return token if isinstance(token, str) else None


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens; a missing one never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
