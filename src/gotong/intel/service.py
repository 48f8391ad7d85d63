"""The read and delete verbs of the STIX store, as every adapter (TAXII, REST, HTML, CLI) calls them.

Each verb takes the principal that asks (``actor``): it finds the collection as that principal may
see it, builds the sharing rules' :class:`~gotong.sharing.policy.Reader` itself, reads only what the
reader may see, and notes the access receipts of what it hands out. Adapters build no reader, check
no rights and note no receipts. The write path is :func:`gotong.intel.store.add_objects`.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection

from gotong.core.auth import Principal
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Forbidden, NotFound, Unauthorized
from gotong.intel.collections import CollectionView, require_read, view_for, views_for
from gotong.intel.query import ObjectFilter, Page, delete_versions, read_page
from gotong.sharing.service import load_reader

__all__ = [
    "ReceiptBook",
    "collection_for",
    "collections_for",
    "delete_object",
    "read_manifest",
    "read_object",
    "read_objects",
    "read_versions",
    "writable_collections_for",
]


class ReceiptBook(Protocol):
    """Where read verbs note what they handed out (``gotong.sharing.receipts.ReceiptRecorder``)."""

    def note(
        self, *, reader_org_id: int | None, collection_id: str | None, channel: str, seqs: list[int]
    ) -> None: ...


def collections_for(conn: Connection, *, actor: Principal) -> list[CollectionView]:
    """Every collection ``actor`` may read or write, with its rights."""
    return views_for(conn, actor)


def writable_collections_for(conn: Connection, *, actor: Principal) -> list[CollectionView]:
    """The collections ``actor`` may add objects to; a readonly token or session may add to none (403)."""
    require_member(actor)
    require_writer(actor)
    return [v for v in views_for(conn, actor) if v.can_write]


def collection_for(conn: Connection, *, actor: Principal, collection: str) -> CollectionView:
    """One collection (by id or alias) as ``actor`` sees it.

    One it has no right to does not exist for it (404); to a caller without a token, that is a 401,
    since a token might open it.
    """
    try:
        return view_for(conn, actor, collection)
    except NotFound:
        if not actor.authenticated:
            raise Unauthorized("this collection needs an API token") from None
        raise


def read_objects(
    conn: Connection,
    *,
    actor: Principal,
    collection: str,
    filters: ObjectFilter,
    limit: int,
    cursor: str | None = None,
    receipts: ReceiptBook,
    channel: str = "taxii",
) -> Page:
    """One page of the objects of ``collection`` that ``actor`` may see; notes their receipts."""
    view, page = _read(conn, actor, collection, filters, limit, cursor)
    receipts.note(
        reader_org_id=actor.org_id,
        collection_id=view.collection.id,
        channel=channel,
        seqs=page.retrieved_by(actor.org_id),
    )
    return page


def read_object(
    conn: Connection,
    *,
    actor: Principal,
    collection: str,
    object_id: str,
    filters: ObjectFilter,
    limit: int,
    cursor: str | None = None,
    receipts: ReceiptBook,
    channel: str = "taxii",
) -> Page:
    """One page of the versions of one object that ``actor`` may see (404 if none); notes receipts."""
    page = read_objects(
        conn,
        actor=actor,
        collection=collection,
        filters=_one(filters, object_id),
        limit=limit,
        cursor=cursor,
        receipts=receipts,
        channel=channel,
    )
    if not page.items and not cursor:
        raise NotFound(f"no object {object_id} in this collection is visible to you")
    return page


def read_versions(
    conn: Connection,
    *,
    actor: Principal,
    collection: str,
    object_id: str,
    filters: ObjectFilter,
    limit: int,
    cursor: str | None = None,
) -> Page:
    """The versions of one object that ``actor`` may see (404 if none); the bodies are not handed out."""
    page = _read(conn, actor, collection, _one(filters, object_id), limit, cursor)[1]
    if not page.items and not cursor:
        raise NotFound(f"no object {object_id} in this collection is visible to you")
    return page


def read_manifest(
    conn: Connection,
    *,
    actor: Principal,
    collection: str,
    filters: ObjectFilter,
    limit: int,
    cursor: str | None = None,
) -> Page:
    """One page of the manifest of ``collection`` as ``actor`` may see it (no bodies, no receipts)."""
    return _read(conn, actor, collection, filters, limit, cursor)[1]


def delete_object(
    conn: Connection, *, actor: Principal, collection: str, object_id: str, filters: ObjectFilter
) -> int:
    """Delete the matching versions of one object; only its submitter may, with a token that writes.

    Returns how many versions went. Call it inside a write transaction.
    """
    if not actor.authenticated:
        raise Unauthorized("deleting objects needs an API token")
    view = _readable(conn, actor, collection)
    if not view.can_write:
        raise Forbidden(f"you may not delete from collection {view.collection.id}")
    return delete_versions(
        conn,
        reader=load_reader(conn, actor),
        collection_id=view.collection.id,
        stix_id=object_id,
        filters=filters,
        actor=actor.org_short or "unknown",
    )


def _readable(conn: Connection, actor: Principal, collection: str) -> CollectionView:
    view = collection_for(conn, actor=actor, collection=collection)
    require_read(view)
    return view


def _read(
    conn: Connection,
    actor: Principal,
    collection: str,
    filters: ObjectFilter,
    limit: int,
    cursor: str | None,
) -> tuple[CollectionView, Page]:
    view = _readable(conn, actor, collection)
    page = read_page(
        conn,
        reader=load_reader(conn, actor),
        collection_id=view.collection.id,
        filters=filters,
        limit=limit,
        cursor=cursor,
    )
    return view, page


def _one(filters: ObjectFilter, object_id: str) -> ObjectFilter:
    """``filters`` narrowed to one object (the object's own endpoints)."""
    return ObjectFilter(
        added_after=filters.added_after,
        ids=(object_id,),
        types=filters.types,
        versions=filters.versions,
        spec_versions=filters.spec_versions,
        active_at=filters.active_at,
    )
