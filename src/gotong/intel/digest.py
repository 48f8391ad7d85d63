"""What an audit checkpoint commits to besides the log: the stored object versions, as one digest.

The digest of the store up to a moment is the sum, modulo 2**256, of the SHA-256 of every stored
version added up to then (a multiset hash). A sum can be taken apart: when the owner deletes a
version through the write path, the audit record of the deletion carries that version's digest, so
a later check adds it back and still finds the checkpoint's digest. A version edited, inserted or
removed by hand in the database (outside the audited write path) changes the sum and is caught.

A version's digest is the SHA-256 of the UTF-8 JSON array, written without whitespace::

    ["gotong-object/1", collection_id, stix_id, version, date_added, submitter_org_id, tlp,
     group_id, anonymous, body]

``body`` is the stored text exactly as stored. The peer a version came from (``via_peer_id``) is
not covered: federation records it after the version is stored, and it says nothing about what the
version is or who may see it.

Versions are taken in ``date_added`` order (unique and strictly increasing in commit order), so
"up to a moment" is "with ``date_added`` at most the checkpoint's ``objects_until``".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from gotong.intel.models import stix_objects

__all__ = ["DIGEST_FORMAT", "StoreDigest", "combine", "store_digest", "version_digest"]

DIGEST_FORMAT = "gotong-object/1"
_MODULUS = 1 << 256
_CHUNK = 1000


@dataclass(frozen=True)
class StoreDigest:
    """The stored versions added up to ``until`` (a ``date_added``): how many, and their digest."""

    until: int
    count: int
    digest: str


def version_digest(row: Any) -> str:
    """The SHA-256 (hex) of one stored version row (any object with the stix_objects columns)."""
    fields = [
        DIGEST_FORMAT,
        row.collection_id,
        row.stix_id,
        int(row.version),
        int(row.date_added),
        int(row.submitter_org_id),
        int(row.tlp),
        None if row.group_id is None else int(row.group_id),
        bool(row.anonymous),
        row.body,
    ]
    return hashlib.sha256(orjson.dumps(fields)).hexdigest()


def combine(digest: str, *others: str, subtract: bool = False) -> str:
    """Add (or take away) version digests to (from) a store digest."""
    total = int(digest, 16)
    for other in others:
        total = (total - int(other, 16)) if subtract else (total + int(other, 16))
    return f"{total % _MODULUS:064x}"


_COLUMNS = (
    stix_objects.c.collection_id,
    stix_objects.c.stix_id,
    stix_objects.c.version,
    stix_objects.c.date_added,
    stix_objects.c.submitter_org_id,
    stix_objects.c.tlp,
    stix_objects.c.group_id,
    stix_objects.c.anonymous,
    stix_objects.c.body,
)


def store_digest(conn: Connection, *, until: int | None = None) -> StoreDigest:
    """The digest of the versions stored with ``date_added`` at most ``until`` (default: all now)."""
    o = stix_objects
    if until is None:
        newest = conn.execute(select(o.c.date_added).order_by(o.c.date_added.desc()).limit(1)).scalar()
        until = int(newest or 0)
    query = select(*_COLUMNS).where(o.c.date_added <= until).order_by(o.c.date_added)
    query = query.execution_options(yield_per=_CHUNK)
    total, count = 0, 0
    with conn.execute(query) as rows:
        for row in rows:
            total += int(version_digest(row), 16)
            count += 1
    return StoreDigest(until=until, count=count, digest=f"{total % _MODULUS:064x}")
