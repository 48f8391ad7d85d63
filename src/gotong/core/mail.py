"""Sending one plain-text e-mail through the node's SMTP server (``GOTONG_SMTP_HOST``).

The one place mail leaves the node for notices (training reminders); nothing here knows what the
mail is about.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from gotong.errors import Invalid
from gotong.settings import Settings

__all__ = ["send_mail"]


def send_mail(settings: Settings, *, to: list[str], subject: str, text: str) -> None:
    """Send ``text`` to ``to``; refuses when no SMTP server is configured. SMTP and socket errors
    (``smtplib.SMTPException``, ``OSError``) reach the caller, who decides whether to retry."""
    if not settings.smtp_host:
        raise Invalid("no SMTP server is configured (GOTONG_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(text)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
