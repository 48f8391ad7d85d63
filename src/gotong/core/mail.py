"""Sending one plain-text e-mail through the node's SMTP server (``GOTONG_SMTP_HOST``).

The one place mail leaves the node (training reminders, reachability checks, posture reports);
nothing here knows what the mail is about.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from gotong.errors import Invalid
from gotong.settings import Settings

__all__ = ["send_mail"]


def send_mail(
    settings: Settings,
    *,
    to: list[str],
    subject: str,
    text: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> None:
    """Send ``text`` to ``to``, with ``attachments`` as (file name, media type, bytes); refuses when
    no SMTP server is configured. SMTP and socket errors (``smtplib.SMTPException``, ``OSError``)
    reach the caller, who decides whether to retry."""
    if not settings.smtp_host:
        raise Invalid("no SMTP server is configured (GOTONG_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    for filename, media_type, data in attachments or []:
        main, _, sub = media_type.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
