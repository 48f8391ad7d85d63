"""Regional norms proposed through Gotong: a member proposes a new regional norm, or a new version of
one (its text and implementation items), for the taskforce to adopt by motion.

A proposal is a ``gotong-norms-proposal`` object in the norms collection, written by the proposing
member and marked TLP:AMBER to the taskforce's group, so the taskforce and the proposer see it and
nobody else does while it is proposed. A motion to adopt a norm names the proposal by its id; when
the motion passes, ``gotong.norms.adoption`` records the adoption with the proposal's text (public,
like the catalogue), and the earlier versions of the norm stay in its history.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.intel.records import latest
from gotong.norms import objects, policy, storage
from gotong.norms.catalogue import Norm, NormItem, catalogue
from gotong.norms.schemas import NormItemPublic, ProposalCreate, ProposalPublic
from gotong.orgs.service import get_org, hub, list_orgs, taskforce
from gotong.sharing.definitions import parties_group
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros

__all__ = ["PROPOSAL_TYPE", "get_proposal", "list_proposals", "norm_of", "propose_norm"]

PROPOSAL_TYPE = "gotong-norms-proposal"
_ID = re.compile(r"r[0-9]{1,3}")


def propose_norm(
    engine: Engine,
    *,
    actor: Principal,
    proposal: ProposalCreate,
    versions: dict[str, int],
    now: int | None = None,
) -> ProposalPublic:
    """Propose a regional norm (``versions``: the latest version of each regional norm known here,
    adopted or proposed): a new id is version 1, an existing one its next version."""
    policy.may_change(actor)
    norm_id = proposal.norm.strip().lower()
    if not _ID.fullmatch(norm_id):
        raise Invalid(f"norm: a regional norm's id is r and a number, e.g. r2; not {proposal.norm!r}")
    items = [(i.id.strip().lower(), i.text.strip()) for i in proposal.items]
    ids = [i for i, _ in items]
    if len(set(ids)) != len(ids):
        raise Invalid("items: each implementation item has its own id")
    for n, item_id in enumerate(ids):
        if not item_id.startswith(f"{norm_id}-"):
            raise Invalid(f"items.{n}.id: an item of ({norm_id}) is named {norm_id}-<n>, not {item_id!r}")
    if catalogue().item_ids() & set(ids):
        raise Invalid("items: an item reuses an id of the catalogue")
    version = versions.get(norm_id, 0) + 1
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        if actor.org_id is None:
            raise Invalid("only an authenticated organisation proposes a norm")
        member = get_org(conn, org_id=actor.org_id)
        tf = taskforce(conn)
        if tf is None:
            raise NotFound("this network has no taskforce organisation to propose a norm to")
        try:
            publisher = hub(conn).identity_id
        except NotFound:
            publisher = member.identity_id
    group = parties_group(
        engine,
        name=f"taskforce {tf.short_name}",
        members=[tf.short_name],
        owner=tf.short_name,
        what="proposal",
    )
    stamp = format_micros(at, digits=3)
    obj: dict[str, Any] = {
        "type": PROPOSAL_TYPE,
        "spec_version": "2.1",
        "id": objects.new_id(PROPOSAL_TYPE),
        "created": stamp,
        "modified": stamp,
        "created_by_ref": member.identity_id,
        "object_marking_refs": [TLP.AMBER.marking_id, group.marking_id],
        "extensions": {objects.EXTENSION_ID: {"extension_type": "new-sdo"}},
        "name": f"Proposed regional norm ({norm_id}) version {version}: {proposal.title.strip()}",
        "norm": norm_id,
        "version": version,
        "title": proposal.title.strip(),
        "summary": proposal.summary.strip(),
        "items": [{"id": i, "text": t} for i, t in items],
    }
    storage.write(engine, actor, storage.collection(engine), [objects.extension_definition(publisher), obj])
    return get_proposal(engine, actor=actor, proposal_id=obj["id"])


def list_proposals(engine: Engine, *, actor: Principal) -> list[ProposalPublic]:
    """The proposals the actor may see (the taskforce, and each proposer its own), newest first."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection = storage.existing_collection(conn)
        if collection is None:
            return []
        names = {o.identity_id: o.short_name for o in list_orgs(conn)}
        reader = load_reader(conn, actor)
        found = [_public(o, names) for o in latest(conn, reader, collection, types=(PROPOSAL_TYPE,))]
    return sorted(found, key=lambda p: (p.created, p.id), reverse=True)


def get_proposal(engine: Engine, *, actor: Principal, proposal_id: str) -> ProposalPublic:
    policy.may_read(actor)
    if not proposal_id.startswith(f"{PROPOSAL_TYPE}--"):
        raise NotFound(f"{proposal_id!r} is not a proposal id ({PROPOSAL_TYPE}--<UUID>)")
    with read_connection(engine) as conn:
        collection = storage.existing_collection(conn)
        names = {o.identity_id: o.short_name for o in list_orgs(conn)}
        found = None
        if collection is not None:
            reader = load_reader(conn, actor)
            found = next(
                iter(latest(conn, reader, collection, types=(PROPOSAL_TYPE,), ids=(proposal_id,))), None
            )
    if found is None:
        raise NotFound(f"no proposal {proposal_id} is visible to you")
    return _public(found, names)


def norm_of(p: ProposalPublic | dict[str, Any]) -> Norm:
    """The norm a proposal (or an adoption carrying its text) proposes."""
    data = p.model_dump() if isinstance(p, ProposalPublic) else p
    return Norm(
        id=str(data["norm"]),
        origin="regional",
        version=int(data["version"]),
        adopted=str(data.get("adopted", "")),
        decision=str(data.get("decision_ref", data.get("decision", ""))),
        title=str(data["title"]),
        summary=str(data["summary"]),
        items=tuple(NormItem(id=str(i["id"]), text=str(i["text"])) for i in data["items"]),
    )


def _public(o: dict[str, Any], names: dict[str, str]) -> ProposalPublic:
    return ProposalPublic(
        id=o["id"],
        norm=o["norm"],
        version=int(o["version"]),
        title=o["title"],
        summary=o["summary"],
        items=[NormItemPublic(id=i["id"], text=i["text"]) for i in o["items"]],
        proposed_by=names.get(o["created_by_ref"], o["created_by_ref"]),
        tlp=objects.tlp_of(o),
        created=o["created"],
    )
