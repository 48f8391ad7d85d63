"""Sending one plain-text e-mail through the node's SMTP server (``GOTONG_SMTP_HOST``).

The one place mail leaves the node (training reminders, reachability checks, posture reports);
nothing here knows what the mail is about. A caller that can encrypt to the recipient passes
``encrypt``: the body is then sent as PGP/MIME (RFC 3156 ``multipart/encrypted``), with only the
envelope headers (From, To, Subject) in the clear.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email.encoders import encode_7or8bit
from email.message import EmailMessage, Message, MIMEPart
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.policy import SMTP

from gotong.errors import Invalid
from gotong.settings import Settings

__all__ = ["Encrypt", "send_mail"]

# Takes the MIME entity of the body (headers and content, as bytes) and gives its ASCII-armored
# OpenPGP ciphertext; raises before anything is sent when it cannot.
Encrypt = Callable[[bytes], str]


def send_mail(
    settings: Settings,
    *,
    to: list[str],
    subject: str,
    text: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
    encrypt: Encrypt | None = None,
) -> None:
    """Send ``text`` to ``to``, with ``attachments`` as (file name, media type, bytes); refuses when
    no SMTP server is configured. SMTP and socket errors (``smtplib.SMTPException``, ``OSError``)
    reach the caller, who decides whether to retry. With ``encrypt`` the body and attachments are
    encrypted (whatever ``encrypt`` raises reaches the caller, and nothing is sent)."""
    if not settings.smtp_host:
        raise Invalid("no SMTP server is configured (GOTONG_SMTP_HOST)")
    body: MIMEPart = EmailMessage() if encrypt is None else MIMEPart()
    body.set_content(text)
    for filename, media_type, data in attachments or []:
        main, _, sub = media_type.partition("/")
        body.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    message: Message = body if encrypt is None else _pgp_mime(encrypt(body.as_bytes(policy=SMTP)))
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def _pgp_mime(ciphertext: str) -> Message:
    """RFC 3156 section 4: a control part saying "Version: 1", then the armored ciphertext."""
    message = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
    message.preamble = "This is an OpenPGP/MIME encrypted message (RFC 3156)."
    control = MIMEApplication(b"Version: 1\n", "pgp-encrypted", encode_7or8bit)
    control["Content-Description"] = "PGP/MIME version identification"
    data = MIMEApplication(ciphertext.encode("ascii"), "octet-stream", encode_7or8bit, name="encrypted.asc")
    data["Content-Description"] = "OpenPGP encrypted message"
    data["Content-Disposition"] = 'inline; filename="encrypted.asc"'
    message.attach(control)
    message.attach(data)
    return message
