"""Mail to a point of contact, encrypted to the OpenPGP key of its e-mail channel when it can be.

A contact whose ``pgp_key`` is sound (neither expired nor weak, as :mod:`gotong.contacts.keys`
judges) and has a subkey GnuPG will encrypt to gets its mail as PGP/MIME (RFC 3156), so the one-time
link of a check cannot be read in transit. A contact with an expired or weak key, or one GnuPG
cannot encrypt to, still gets the mail, in the clear: a check that never arrives proves nothing, and
a desk whose key has lapsed is exactly one to reach. The caller records why (:class:`MailSent`).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from gotong.contacts.keys import read_key
from gotong.core.mail import send_mail
from gotong.errors import Invalid
from gotong.settings import Settings

__all__ = ["MailSent", "mail_contact"]


@dataclass(frozen=True)
class MailSent:
    """How a mail went to a contact: encrypted to a key, or in the clear and why (``None`` both when
    the contact has no key)."""

    encrypted_to: str | None = None  # the fingerprint of the key it was encrypted to
    in_clear_because: str | None = None  # the contact has a key, but the mail could not use it


class _CannotEncrypt(Exception):
    pass


def mail_contact(
    settings: Settings, fields: dict[str, Any], *, subject: str, text: str, now: float | None = None
) -> MailSent:
    """Send ``text`` to the contact's ``email``, encrypted to its ``pgp_key`` when that key is sound.

    SMTP and socket errors reach the caller, as from :func:`gotong.core.mail.send_mail`."""
    to = [fields["email"]]
    armored = fields.get("pgp_key")
    if not armored:
        send_mail(settings, to=to, subject=subject, text=text)
        return MailSent()
    try:
        fingerprint = _usable(armored, now if now is not None else time.time())
        send_mail(
            settings, to=to, subject=subject, text=text, encrypt=partial(_encrypt, armored, fingerprint)
        )
        return MailSent(encrypted_to=fingerprint)
    except _CannotEncrypt as exc:
        reason = str(exc)
    send_mail(settings, to=to, subject=subject, text=text)
    return MailSent(in_clear_because=reason)


def _usable(armored: str, now: float) -> str:
    """The fingerprint of the key, or _CannotEncrypt saying why it must not be used."""
    try:
        facts = read_key(armored)
    except Invalid as exc:
        raise _CannotEncrypt(str(exc)) from exc
    if facts.expired(now):
        assert facts.expires_at is not None
        when = datetime.fromtimestamp(facts.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        raise _CannotEncrypt(f"the key {facts.fingerprint} expired at {when}")
    if facts.weak:
        raise _CannotEncrypt(f"the key {facts.fingerprint} is weak: {facts.weak}")
    return facts.fingerprint


def _encrypt(armored: str, fingerprint: str, entity: bytes) -> str:
    """``entity`` encrypted to the key by GnuPG in a throw-away keyring (the key is trusted for this
    one message only: it is the one the contact's owner published in the directory)."""
    import gnupg  # type: ignore[import-untyped]  # imported here: only contacts with a key need GnuPG

    home = tempfile.mkdtemp(prefix="gotong-gpg-")
    try:
        gpg = gnupg.GPG(gnupghome=home)
        gpg.import_keys(armored)
        result = gpg.encrypt(entity, fingerprint, always_trust=True, armor=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if not result.ok:
        status = result.status or "no status"
        raise _CannotEncrypt(f"GnuPG could not encrypt to the key {fingerprint}: {status}")
    return str(result)
