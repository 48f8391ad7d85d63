"""Where a stored version came from: who submitted it, and the peer it arrived from, if any — with
anonymous submissions kept secret.

It lives with federation because it names peers; the STIX store (``gotong.intel``) knows nothing of
federation.

An object submitted "through the hub" names the hub as its creator. The real submitter is shown
only to those :func:`gotong.sharing.policy.may_learn_submitter` allows (the submitting organisation
and the hub's admins); everyone else who may see the object learns only that it came through the hub.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from gotong.core.auth import Principal
from gotong.core.permissions import require_member
from gotong.errors import NotFound
from gotong.federation.models import peers
from gotong.intel.collections import require_read, view_for
from gotong.intel.models import stix_objects
from gotong.intel.query import ObjectFilter, read_page, render_timestamp
from gotong.orgs.models import organisations
from gotong.sharing.policy import Reader, may_learn_submitter
from gotong.sharing.service import load_reader

THROUGH_HUB = "(submitted through the hub)"


@dataclass(frozen=True)
class Provenance:
    stix_id: str
    version: str
    date_added: str
    submitter: str
    anonymous: bool
    via_peer: str | None = None  # the federation peer it arrived from; None: submitted on this node


def provenance(conn: Connection, *, reader: Reader, collection_id: str, stix_id: str) -> list[Provenance]:
    """The submitter of every version of ``stix_id`` the reader may see."""
    page = read_page(
        conn,
        reader=reader,
        collection_id=collection_id,
        filters=ObjectFilter(ids=(stix_id,), versions=("all",)),
        limit=10_000,
    )
    if not page.items:
        raise NotFound(f"no object {stix_id} in this collection is visible to you")
    rows = conn.execute(
        select(stix_objects.c.seq, stix_objects.c.anonymous, organisations.c.short_name, peers.c.name)
        .join(organisations, organisations.c.id == stix_objects.c.submitter_org_id)
        .outerjoin(peers, peers.c.id == stix_objects.c.via_peer_id)
        .where(stix_objects.c.seq.in_([i.seq for i in page.items]))
    ).all()
    facts = {r.seq: r for r in rows}
    result = []
    for item in page.items:
        fact = facts[item.seq]
        may_know = may_learn_submitter(
            reader, submitter_org_id=item.submitter_org_id, anonymous=bool(fact.anonymous)
        )
        result.append(
            Provenance(
                stix_id=item.stix_id,
                version=render_timestamp(item.version),
                date_added=item.date_added_text,
                submitter=fact.short_name if may_know else THROUGH_HUB,
                anonymous=bool(fact.anonymous),
                via_peer=fact.name if may_know else None,
            )
        )
    return result


def object_provenance(
    conn: Connection, *, actor: Principal, collection: str, object_id: str
) -> list[Provenance]:
    """Who submitted each version of an object that ``actor`` may see.

    The real submitter of an anonymous submission shows only where the sharing policy's disclosure
    rule allows (:func:`gotong.sharing.policy.may_learn_submitter`).
    """
    require_member(actor)
    view = view_for(conn, actor, collection)
    require_read(view)
    return provenance(
        conn, reader=load_reader(conn, actor), collection_id=view.collection.id, stix_id=object_id
    )
