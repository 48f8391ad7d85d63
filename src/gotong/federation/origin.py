"""What federation records as versions are stored and deleted: the peer they came from, tombstones.

A peer is recognised by its organisation: a node that pushes here (or that this node pulls from)
presents a token of the organisation its peer row stands for. Versions and deletions that arrive
that way record the peer, so they are never sent back to it. Every deletion leaves one tombstone
per version, which the push carries to the peers that got the version.

Both are in-transaction subscribers (``gotong.wiring``): they write in the transaction of the
store or the delete, so a version is never visible without its origin, nor gone without its
tombstone.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from gotong.core.events import ObjectsDeleted, ObjectsStored
from gotong.federation.models import peers, tombstones
from gotong.intel.models import stix_objects

_CHUNK = 500


def peer_for_org(conn: Connection, org_id: int | None) -> int | None:
    """The peer that stands for ``org_id``, if one does (the first configured)."""
    if org_id is None:
        return None
    row = conn.execute(select(peers.c.id).where(peers.c.org_id == org_id).order_by(peers.c.id)).first()
    return int(row.id) if row is not None else None


def record_origin(conn: Connection, event: ObjectsStored) -> None:
    """Versions submitted by a peer's organisation remember that peer (no echo, no onward AMBER+STRICT)."""
    peer_id = peer_for_org(conn, event.submitter_org_id)
    if peer_id is None:
        return
    seqs = [v.seq for v in event.versions]
    for start in range(0, len(seqs), _CHUNK):
        conn.execute(
            update(stix_objects)
            .where(stix_objects.c.seq.in_(seqs[start : start + _CHUNK]))
            .values(via_peer_id=peer_id)
        )


def record_tombstones(conn: Connection, event: ObjectsDeleted) -> None:
    """A tombstone per deleted version, so the push carries the deletion to the peers that got it."""
    if not event.versions:
        return
    via_peer = peer_for_org(conn, event.deleted_by_org_id)
    conn.execute(
        insert(tombstones),
        [
            {
                "collection_id": event.collection_id,
                "stix_id": event.stix_id,
                "version": v.version,
                "tlp": v.tlp,
                "group_id": v.group_id,
                "submitter_org_id": v.submitter_org_id,
                "via_peer_id": via_peer,
                "deleted_at": event.deleted_at,
            }
            for v in event.versions
        ],
    )
