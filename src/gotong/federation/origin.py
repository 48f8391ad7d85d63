"""Which peer a submission comes from, and a signal that wakes the sync threads when data changes.

A peer is recognised by its organisation: a node that pushes here (or that this node pulls from)
presents a token of the organisation its peer row stands for. Versions and deletions that arrive
that way record the peer, so they are never sent back to it.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, select

from gotong.federation.models import peers

_changed = threading.Condition()
_generation = 0


def peer_for_org(conn: Connection, org_id: int | None) -> int | None:
    """The peer that stands for ``org_id``, if one does (the first configured)."""
    if org_id is None:
        return None
    row = conn.execute(select(peers.c.id).where(peers.c.org_id == org_id).order_by(peers.c.id)).first()
    return int(row.id) if row is not None else None


def notify_change() -> None:
    """Say that versions or deletions were committed in this process."""
    global _generation
    with _changed:
        _generation += 1
        _changed.notify_all()


def generation() -> int:
    return _generation


def wait_for_change(seen: int, timeout: float) -> int:
    """Block until a change after generation ``seen`` (or ``timeout`` seconds); the new generation."""
    with _changed:
        _changed.wait_for(lambda: _generation != seen, timeout=timeout)
        return _generation
