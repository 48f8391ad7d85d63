"""Credentials at rest: the tokens and passwords a node presents to feeds and peers, sealed in the database.

A feed's ``Authorization`` value and a peer's token are what an attacker with a copy of the database
(a backup, a replica, an SQL injection elsewhere) would most like to have: they open other systems.
They are stored sealed with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``) under a key
that lives in a file outside the database, beside the node's signing key: ``GOTONG_SECRETS_KEY_FILE``,
by default ``gotong-secrets.key`` in the folder of the node key (the data folder).  The file is made, mode
0600, the first time a secret is sealed.  A copy of the database alone reveals no credential; a copy
of the database *and* the key file does, so back them up apart.

Columns declare :class:`SealedText`; the sealing happens in the column type, so no service can forget
it, and no read path gets more than the clear text its own code asks for (the REST and CLI views show
only ``has_credentials``).  A value written before sealing existed reads back as it is until migration
0007 seals it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

from gotong.errors import Invalid

__all__ = ["PREFIX", "SealedText", "derived_key", "key_file", "seal", "unseal"]

PREFIX = "gotong-sealed:v1:"
_lock = threading.Lock()
_boxes: dict[Path, Fernet] = {}
_raw: dict[Path, bytes] = {}


def key_file() -> Path:
    """Where the key is, from the configuration as the environment gives it now.

    The column type has no settings passed to it, so it reads them here (cached while the
    environment's ``GOTONG_*`` and home-folder variables stay the same).
    """
    snapshot = tuple(
        sorted((k, v) for k, v in os.environ.items() if k.startswith("GOTONG_") or k in _HOME_VARIABLES)
    )
    return _key_file(snapshot)


_HOME_VARIABLES = frozenset({"HOME", "XDG_DATA_HOME", "LOCALAPPDATA"})


@lru_cache(maxsize=8)
def _key_file(_environment: tuple[tuple[str, str], ...]) -> Path:
    from gotong.settings import load_settings

    return Path(load_settings().secrets_key_file)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, Fernet.generate_key() + b"\n")
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)  # another process may have won the race: then its key is the key
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _box() -> Fernet:
    path = key_file()
    with _lock:
        box = _boxes.get(path)
        if box is not None:
            return box
        try:
            box = Fernet(_key_bytes(path))
        except ValueError:
            raise Invalid(f"secrets key file {str(path)!r} does not hold a Fernet key") from None
        _boxes[path] = box
        return box


def _key_bytes(path: Path) -> bytes:
    """The key file's contents (made the first time); call with ``_lock`` held."""
    raw = _raw.get(path)
    if raw is None:
        try:
            if not path.exists():
                _create(path)
            raw = path.read_bytes().strip()
        except OSError as exc:
            raise Invalid(f"secrets key file {str(path)!r}: {exc.strerror or exc}") from None
        _raw[path] = raw
    return raw


def derived_key(purpose: str) -> bytes:
    """A 32-byte key for one ``purpose`` (e.g. sealing audit records), derived from the secrets key.

    Like the sealing key it lives outside the database: whoever holds only the database cannot
    compute it. Different purposes give unrelated keys (HMAC-SHA256 of the purpose).
    """
    path = key_file()
    with _lock:
        raw = _key_bytes(path)
    return hmac.new(raw, purpose.encode(), hashlib.sha256).digest()


def seal(text: str | None) -> str | None:
    """``text`` encrypted for the database (None stays None; a sealed value is not sealed twice)."""
    if text is None or text.startswith(PREFIX):
        return text
    return PREFIX + _box().encrypt(text.encode()).decode("ascii")


def unseal(stored: str | None) -> str | None:
    """The clear text of a stored value (a value from before sealing is returned as it is)."""
    if stored is None or not stored.startswith(PREFIX):
        return stored
    try:
        return _box().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except InvalidToken:
        raise Invalid(
            f"stored credentials cannot be decrypted with the key in {str(key_file())!r}: "
            "is it the key this database was written with?"
        ) from None


class SealedText(TypeDecorator[str]):
    """A text column whose values are sealed on the way in and unsealed on the way out."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return unseal(value)
