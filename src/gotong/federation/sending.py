"""What may leave this node for a peer, and what is waiting to leave.

The sender decides. Before a version leaves this node, :func:`sendable` asks the sharing policy
whether the peer's organisation may see it here, then applies the peer's limits:

* a version goes only to a peer whose organisation may see it (``may_see``: TLP, sharing groups,
  TLP:RED only to members of a named-recipients group on the object);
* nothing above the peer's ``max_tlp``; an object addressed to a sharing group goes only to a
  peer configured with that group (so TLP:RED goes only where a named-recipients group is shared);
* an exercise-marked version (:func:`gotong.stix.exercise.is_exercise`) goes only to a peer whose
  organisation takes part in that exercise or controls it (the hub), as the exercise record on this
  node names them (:func:`may_leave`); to any other peer, and on a node that does not know the
  exercise, it stays home;
* nothing goes back to the peer it came from (no echo), and a TLP:AMBER+STRICT version that
  arrived from a peer is never forwarded onward.

The push (:mod:`gotong.federation.push`) and the change feed (:mod:`gotong.federation.changes`)
both read :func:`pending` and apply these rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from gotong import exercises
from gotong.federation.models import tombstones
from gotong.federation.service import Peer
from gotong.intel.models import stix_objects
from gotong.orgs.service import identity_id_for
from gotong.sharing.policy import Marked, Reader, may_see
from gotong.sharing.tlp import TLP
from gotong.stix.exercise import exercise_of_body, is_exercise_body

BATCH = 500


@dataclass(frozen=True)
class Facts:
    """What the sending rules look at for one stored version or deletion."""

    collection_id: str
    tlp: int
    group_id: int | None
    submitter_org_id: int
    via_peer_id: int | None


def sendable(reader: Reader, peer: Peer, item: Facts) -> bool:
    """Whether ``item`` may leave this node for ``peer`` (whose organisation ``reader`` describes)."""
    if item.via_peer_id == peer.id:
        return False  # it came from there
    tlp = TLP(item.tlp)
    if item.via_peer_id is not None and tlp == TLP.AMBER_STRICT:
        return False  # a recipient never forwards AMBER+STRICT
    if tlp > peer.max_tlp:
        return False
    # A group is a name each node defines for itself: an object addressed to one goes only to a
    # peer configured with that group (its operator vouches that the peer has it, with the same
    # members). A node without the group would read the object as addressed to no group at all.
    if item.group_id is not None and item.group_id not in peer.groups:
        return False
    return may_see(reader, Marked(item.collection_id, tlp, item.group_id, item.submitter_org_id))


def is_real(body: str | bytes) -> bool:
    """Whether a stored version is real intelligence, not one of a drill's objects."""
    return not is_exercise_body(body)


Parties = dict[str, frozenset[str]]  # exercise id -> identities of its participants and controller


def parties_of(conn: Connection, rows: Sequence[Any]) -> Parties:
    """For the exercise-marked rows of a batch, who takes part in each exercise they belong to."""
    found: Parties = {}
    for row in rows:
        exercise = exercise_of_body(row.body)
        if exercise is not None and exercise not in found:
            found[exercise] = exercises.exercise_parties(conn, exercise)
    return found


def may_leave(body: str | bytes, peer: Peer, parties: Parties) -> bool:
    """Whether a stored version may leave for ``peer`` at all: a real one may; a drill's only for
    a peer whose organisation takes part in the drill or controls it."""
    exercise = exercise_of_body(body)
    return exercise is None or identity_id_for(peer.org) in parties.get(exercise, frozenset())


def pending(
    conn: Connection,
    collections: Sequence[str],
    *,
    after_added: int,
    after_tombstone: int,
    limit: int = BATCH,
) -> tuple[Sequence[Any], Sequence[Any]]:
    """The next stored versions (by ``date_added``) and deletions (by tombstone seq) of ``collections``.

    What the push and the change feed go through, before the sending rules pick what may leave.
    """
    o = stix_objects
    rows = conn.execute(
        select(
            o.c.seq,
            o.c.collection_id,
            o.c.tlp,
            o.c.group_id,
            o.c.submitter_org_id,
            o.c.via_peer_id,
            o.c.date_added,
            o.c.body,
        )
        .where(o.c.collection_id.in_(collections), o.c.date_added > after_added)
        .order_by(o.c.date_added)
        .limit(limit)
    ).all()
    graves = conn.execute(
        select(tombstones)
        .where(tombstones.c.collection_id.in_(collections), tombstones.c.seq > after_tombstone)
        .order_by(tombstones.c.seq)
        .limit(limit)
    ).all()
    return rows, graves
