"""How a body sent to a contact's webhook is signed: HMAC-SHA256 of its JSON under the contact's
``webhook_secret``, in the ``X-Gotong-Signature`` header (checks, notices and escalations alike)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

__all__ = ["SIGNATURE_HEADER", "sign"]

SIGNATURE_HEADER = "X-Gotong-Signature"


def sign(secret: str, body: dict[str, Any]) -> tuple[bytes, str]:
    """The JSON of ``body`` and its ``X-Gotong-Signature`` under the contact's webhook secret."""
    content = json.dumps(body, sort_keys=True).encode()
    return content, "sha256=" + hmac.new(secret.encode(), content, hashlib.sha256).hexdigest()
