"""Regional norms adopted by the taskforce: a proposed regional norm (``data/norms/regional.toml``)
becomes part of the catalogue when the taskforce passes a motion to adopt it.

The taskforce publishes :class:`~gotong.core.events.MotionDecided` when it decides a motion and knows
nothing of this module; ``gotong.wiring`` subscribes :func:`on_motion_decided` to it. An adoption is a
``gotong-norms-adoption`` object in the norms collection (TLP:CLEAR: the catalogue is public), written
by the taskforce organisation, naming the norm, its version, the day and the signed decision. One norm
version is adopted once: the same decision again changes nothing. A rejected motion adopts nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.core.events import MotionDecided
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.intel.records import latest as records_latest
from gotong.norms import objects, storage
from gotong.norms.catalogue import Norm, proposed
from gotong.norms.proposals import PROPOSAL_TYPE, get_proposal, norm_of
from gotong.orgs.service import hub, taskforce
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP

__all__ = ["ADOPTION_TYPE", "Adoption", "adopt_norm", "adoption_history", "adoptions", "on_motion_decided"]

ADOPTION_TYPE = "gotong-norms-adoption"
ADOPT_NORM = "adopt-norm"  # the taskforce's decision kind (data/taskforce/rules.toml)
_NAMESPACE = uuid.UUID("9b4e2c71-3a5d-4f08-8c1e-6d2a7b9f0e34")
_log = logging.getLogger("gotong.norms")


@dataclass(frozen=True)
class Adoption:
    norm: str
    version: int
    adopted: str  # the day (YYYY-MM-DD)
    decision: str  # the taskforce's signed decision
    text: Norm | None = None  # the adopted text, when it came from a proposal made through Gotong


def adopt_norm(engine: Engine, *, norm_id: str, decision_id: str, decided_at: str) -> Adoption:
    """Record that the taskforce adopted the proposed regional norm ``norm_id`` (a norm of the data's
    proposals, or the id of a proposal made through Gotong) by ``decision_id``."""
    text: dict[str, Any] = {}
    if norm_id.startswith(f"{PROPOSAL_TYPE}--"):
        with read_connection(engine) as conn:
            tf = taskforce(conn)
        if tf is None:
            raise NotFound("this network has no taskforce organisation to adopt a norm")
        proposal = get_proposal(
            engine, actor=Principal(org_id=tf.id, org_short=tf.short_name), proposal_id=norm_id
        )
        draft = norm_of(proposal)
        text = {
            "title": draft.title,
            "summary": draft.summary,
            "items": [{"id": i.id, "text": i.text} for i in draft.items],
            "proposal_ref": proposal.id,
        }
    else:
        draft = _proposal(norm_id)
    stix_id = f"{ADOPTION_TYPE}--{uuid.uuid5(_NAMESPACE, f'{draft.id}|{draft.version}')}"
    with read_connection(engine) as conn:
        tf = taskforce(conn)
        if tf is None:
            raise NotFound("this network has no taskforce organisation to adopt a norm")
        actor = Principal(org_id=tf.id, org_short=tf.short_name)
        collection = storage.existing_collection(conn)
        try:
            publisher = hub(conn).identity_id  # the definition's one body (as the reports store it)
        except NotFound:
            publisher = tf.identity_id
        # The id is this norm version's (uuid5): read that one record, not every adoption.
        known = None
        if collection is not None:
            reader = load_reader(conn, actor)
            found = records_latest(conn, reader, collection, types=(ADOPTION_TYPE,), ids=(stix_id,))
            known = next(found, None)
    if known is not None:
        return _adoption(known)  # this version adopted once: the decision again changes nothing
    obj = {
        "type": ADOPTION_TYPE,
        "spec_version": "2.1",
        "id": stix_id,
        "created": decided_at,
        "modified": decided_at,
        "created_by_ref": tf.identity_id,
        "object_marking_refs": [TLP.CLEAR.marking_id],
        "extensions": {objects.EXTENSION_ID: {"extension_type": "new-sdo"}},
        "name": f"Adoption of the regional norm ({draft.id}) {draft.title}",
        "norm": draft.id,
        "version": draft.version,
        "adopted": decided_at[:10],
        "decision_ref": decision_id,
        **text,
    }
    if collection is None:
        collection = storage.collection(engine)  # made on first use, as a report makes it
    storage.write(engine, actor, collection, [objects.extension_definition(publisher), obj])
    return _adoption(obj)


def adoptions(engine: Engine, *, actor: Principal | None = None) -> dict[str, Adoption]:
    """norm id -> its latest adoption, of the proposed regional norms the taskforce adopted (public
    records: any reader sees them; ``actor`` reads as that reader, by default as the taskforce)."""
    return {a.norm: a for a in adoption_history(engine, actor=actor)}


def adoption_history(engine: Engine, *, actor: Principal | None = None) -> list[Adoption]:
    """Every adoption, each norm's versions oldest first."""
    with read_connection(engine) as conn:
        collection = storage.existing_collection(conn)
        if collection is None:
            return []
        if actor is None:
            tf = taskforce(conn)
            if tf is None:
                return []
            actor = Principal(org_id=tf.id, org_short=tf.short_name)
        found = list(records_latest(conn, load_reader(conn, actor), collection, types=(ADOPTION_TYPE,)))
    return [_adoption(o) for o in sorted(found, key=lambda o: (o["norm"], int(o["version"])))]


def on_motion_decided(engine: Callable[[], Engine]) -> Callable[[MotionDecided], None]:
    """The after-commit subscriber to :class:`MotionDecided` of the node whose engine is given: an
    adopted motion to adopt a proposed regional norm adopts it (after the commit: the record is
    written through the store, which takes the node's write lock itself)."""

    def decided(event: MotionDecided) -> None:
        if event.kind != ADOPT_NORM or not event.adopted or event.norm is None:
            return
        try:
            adopt_norm(
                engine(), norm_id=event.norm, decision_id=event.decision_id, decided_at=event.decided_at
            )
        except (Invalid, NotFound) as exc:
            _log.warning("decision %s adopts no norm: %s", event.decision_id, exc)

    return decided


def _adoption(o: dict[str, Any]) -> Adoption:
    text = norm_of({**o, "decision": o["decision_ref"]}) if "items" in o else None
    return Adoption(
        norm=o["norm"], version=int(o["version"]), adopted=o["adopted"], decision=o["decision_ref"], text=text
    )


def _proposal(norm_id: str) -> Norm:
    for n in proposed():
        if n.id == norm_id:
            return n
    raise Invalid(f"norm: {norm_id!r} is not a proposed regional norm")
