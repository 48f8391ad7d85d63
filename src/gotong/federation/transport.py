"""Talking TAXII to a peer: the headers this node presents and the one error every fault becomes."""

from __future__ import annotations

import httpx

from gotong.core.media import TAXII_MEDIA_TYPE
from gotong.federation.service import Peer

TAXII = TAXII_MEDIA_TYPE


class SyncError(Exception):
    """A peer could not be reached or refused a request; the cursor did not move."""


def headers(peer: Peer) -> dict[str, str]:
    return {"Authorization": f"Bearer {peer.token}", "Accept": TAXII, "User-Agent": "gotong-federation"}


def failure(action: str, exc: Exception | None = None, response: httpx.Response | None = None) -> SyncError:
    """A :class:`SyncError` naming the request and what went wrong (status and body, or the exception)."""
    if response is not None:
        detail = response.text[:300].strip()
        return SyncError(f"{action}: HTTP {response.status_code} {detail}")
    return SyncError(f"{action}: {type(exc).__name__}: {exc}")
