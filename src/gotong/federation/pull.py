"""Pulling from a peer that has no change feed: its TAXII collections from the ``added_after`` cursor."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import write_transaction
from gotong.federation.service import Peer, record_pull, save_pull_cursor
from gotong.federation.transport import SyncError
from gotong.feeds.fetch import FetchError, taxii_pages
from gotong.intel.store import add_objects


def pull_once(engine: Engine, peer: Peer, client: httpx.Client) -> int:
    """Fetch what the peer added since the cursors; store it as the peer's organisation."""
    principal = Principal(org_id=peer.org_id, org_short=peer.org)
    received = 0
    for collection_id in peer.collections:
        url = f"{peer.url}collections/{collection_id}/"
        cursor = peer.pull_cursors.get(collection_id)
        try:
            for page in taxii_pages(client, url, added_after=cursor, credentials=f"Bearer {peer.token}"):
                objects = [o for o in page.objects if isinstance(o, dict)]
                report = add_objects(
                    engine,
                    principal=principal,
                    collection_id=collection_id,
                    objects=objects,
                    through_hub=False,
                )
                received += sum(1 for s in report.successes if s.message != "already present")
                if page.date_added_last:
                    cursor = page.date_added_last
                    with write_transaction(engine) as conn:
                        save_pull_cursor(conn, peer_id=peer.id, key=collection_id, cursor=cursor)
        except FetchError as exc:
            raise SyncError(str(exc)) from None
    with write_transaction(engine) as conn:
        record_pull(conn, peer_id=peer.id)
    return received
