"""Tables of federation: the peers a node talks to, their sync state, and the deletions to propagate.

A *peer* is another Gotong (or TAXII 2.1) node. Its row says where it is, the token this node
presents there, which local organisation it stands for (whose view of the data decides what may be
sent to it), what to push and pull, and the durable cursors of both directions. A *tombstone*
records a deleted object version, so deletions reach peers the way additions do.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Integer, SmallInteger, String, Table, Text

from gotong.core.secrets import SealedText
from gotong.db.meta import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

peers = Table(
    "peers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("url", Text, nullable=False),  # the peer's TAXII API root, ending in "/"
    Column("token", SealedText, nullable=False),  # what this node presents to the peer; sealed at rest
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("push", Boolean, nullable=False),
    Column("pull", Boolean, nullable=False),
    Column("collections", Text, nullable=False),  # JSON list of collection ids (same id on both nodes)
    Column("max_tlp", SmallInteger, nullable=False),
    Column("groups", Text, nullable=False),  # JSON list of sharing-group ids; [] = no restriction
    Column("created_at", BigInteger, nullable=False),
    # Durable cursors.
    Column("push_cursor", BigInteger, nullable=False, default=0),  # date_added of the last version handled
    Column("tombstone_cursor", BigInteger, nullable=False, default=0),  # seq of the last deletion handled
    Column("pull_cursors", Text, nullable=False, default="{}"),  # {collection id: added_after}
    # Status.
    Column("last_push_at", BigInteger, nullable=True),
    Column("last_pull_at", BigInteger, nullable=True),
    Column("last_success_at", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_error_at", BigInteger, nullable=True),
    Column("sent", BigInteger, nullable=False, default=0),
    Column("withheld", BigInteger, nullable=False, default=0),
    Column("received", BigInteger, nullable=False, default=0),
    Column("deletions_sent", BigInteger, nullable=False, default=0),
)

tombstones = Table(
    "tombstones",
    metadata,
    Column("seq", _ID, primary_key=True, autoincrement=True),
    Column("collection_id", String(36), nullable=False),
    Column("stix_id", String(300), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("tlp", SmallInteger, nullable=False),
    Column("group_id", Integer, nullable=True),
    Column("submitter_org_id", Integer, nullable=False),
    Column("via_peer_id", Integer, nullable=True),
    Column("deleted_at", BigInteger, nullable=False),
)
