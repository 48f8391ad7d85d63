"""Witnesses: every node keeps the newest signed audit checkpoint of each peer it federates with.

A node's own kept checkpoint (``gotong.checkpoints``) protects its log against someone who holds
its database; a copy held by another CERT protects it against someone who also holds the node's
files and key. So each node, on the checkpoint interval, asks every configured peer for its newest
checkpoint (``GET /api/v1/audit/checkpoint``) and keeps it in ``witnessed-checkpoints.json``
beside its own key, after checking:

* the signature, against the key the peer signed with the first time (pinned then);
* that the peer's log has not gone backwards: a checkpoint covering fewer records than the one
  held, or the same record with another hash, is refused and recorded as what it shows
  (truncation or rewritten history), and the held one is kept.

The peer later asks its witnesses what they hold of it (``GET /api/v1/audit/witnessed``) and
checks each against its own log: ``gotong audit verify --witnesses``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from gotong.audit import VerifyResult, check_signed
from gotong.checkpoints import kept_checkpoint
from gotong.core.auth import Principal, Role
from gotong.core.files import read_json_object, write_json
from gotong.core.jobs import JobRunner
from gotong.core.permissions import require_member
from gotong.db.engine import read_connection
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.federation.service import Peer, list_peers
from gotong.federation.transport import SyncError, get_json, register_rounds
from gotong.settings import Settings
from gotong.sharing.policy import may_read_checkpoints
from gotong.stix.timestamps import format_micros, now_micros

__all__ = [
    "JOB",
    "WITNESS_FILE",
    "WitnessCheck",
    "WitnessStatus",
    "Witnessed",
    "ask_witnesses",
    "checkpoint_for",
    "held",
    "held_for",
    "refusals",
    "register",
    "verify_witnessed",
    "witness_peers",
    "witness_status_for",
]

JOB = "audit-witness"
_AGENT = "gotong-witness"
WITNESS_FILE = "witnessed-checkpoints.json"
_KEPT_REFUSALS = 20
_lock = threading.Lock()
_log = logging.getLogger("gotong.federation")


@dataclass(frozen=True)
class Witnessed:
    """What one round of witnessing did for one peer."""

    peer: str
    kept: bool
    detail: str  # "record N of <at>", or why nothing was kept


def checkpoint_url(peer: Peer) -> str:
    return f"{peer.origin}/api/v1/audit/checkpoint"


def witnessed_url(peer: Peer) -> str:
    return f"{peer.origin}/api/v1/audit/witnessed"


def witness_peers(engine: Engine, folder: Path, client: httpx.Client) -> list[Witnessed]:
    """Fetch, check and keep the newest checkpoint of every configured peer; one result per peer."""
    with read_connection(engine) as conn:
        configured = list_peers(conn)
    results: list[Witnessed] = []
    for peer in configured:
        try:
            statement = _fetch(client, checkpoint_url(peer), peer)
        except SyncError as exc:
            results.append(Witnessed(peer.name, False, str(exc)))
            continue
        if statement is None:
            results.append(Witnessed(peer.name, False, "the peer has kept no checkpoint yet"))
            continue
        results.append(_keep(folder, peer, statement))
    return results


def checkpoint_for(engine: Engine, settings: Settings, *, actor: Principal) -> dict[str, Any]:
    """The node's newest signed checkpoint, for the peers that witness it (and the node's admins)."""
    _require_witness(engine, actor)
    kept = kept_checkpoint(settings)
    if kept is None:
        raise NotFound("this node has kept no audit checkpoint yet")
    return kept


def held_for(engine: Engine, folder: Path, *, actor: Principal) -> list[dict[str, Any]]:
    """The checkpoints this node holds as witness of the caller's own node (none of anyone else's)."""
    configured = _require_witness(engine, actor)
    names = {p.name for p in configured if p.org_id == actor.org_id}
    held = _read(folder)
    return [dict(entry["checkpoint"]) for name, entry in sorted(held.items()) if name in names]


def _require_witness(engine: Engine, actor: Principal) -> list[Peer]:
    """Refuse a caller the sharing policy does not let read checkpoints
    (:func:`gotong.sharing.policy.may_read_checkpoints`). Returns the configured peers, read once."""
    require_member(actor)
    with read_connection(engine) as conn:
        configured = list_peers(conn)
    federated = {p.org_id for p in configured}
    if not may_read_checkpoints(
        org_id=actor.org_id, admin=actor.role == Role.ADMIN, federated_org_ids=federated
    ):
        raise Forbidden(
            "only the organisations this node federates with (and its admins) read its checkpoints"
        )
    return configured


def ask_witnesses(engine: Engine, client: httpx.Client) -> Iterator[tuple[str, list[dict[str, Any]] | str]]:
    """Each configured peer's answer to "which of my checkpoints do you hold?": a list, or why none came."""
    with read_connection(engine) as conn:
        configured = list_peers(conn)
    for peer in configured:
        try:
            body = get_json(client, witnessed_url(peer), peer, agent=_AGENT)
        except SyncError as exc:
            yield peer.name, str(exc)
            continue
        if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
            yield peer.name, "the answer is not a list of checkpoints"
            continue
        yield peer.name, body


@dataclass(frozen=True)
class WitnessCheck:
    """One checkpoint a witness holds of this node, checked against the log as it is now."""

    witness: str
    ok: bool | None  # None: nothing was checked (the witness did not answer, or holds none yet)
    detail: str


def verify_witnessed(
    engine: Engine, client: httpx.Client, check: Callable[[dict[str, Any]], VerifyResult]
) -> list[WitnessCheck]:
    """Ask every peer what it holds of this node and ``check`` each checkpoint (the node's own key,
    log and store: ``gotong.checkpoints.verify_own``)."""
    checks: list[WitnessCheck] = []
    for peer, answer in ask_witnesses(engine, client):
        if isinstance(answer, str):
            checks.append(WitnessCheck(peer, None, f"not checked: {answer}"))
            continue
        if not answer:
            checks.append(WitnessCheck(peer, None, "holds no checkpoint of this node yet"))
        for statement in answer:
            held = f"the checkpoint of {statement.get('at')} (record {statement.get('seq')})"
            try:
                result = check(statement)
            except Invalid as exc:
                checks.append(WitnessCheck(peer, False, f"holds a malformed checkpoint: {exc}"))
                continue
            if result.ok:
                checks.append(WitnessCheck(peer, True, f"{held} matches the log"))
            else:
                at = f" at record {result.first_bad_seq}" if result.first_bad_seq is not None else ""
                checks.append(WitnessCheck(peer, False, f"{held} does not match{at}: {result.reason}"))
    return checks


def register(
    runner: JobRunner,
    engine: Engine,
    *,
    folder: Path,
    every: float,
    client_factory: Callable[[], httpx.Client] | None = None,
) -> None:
    """Witness the peers on ``runner`` every ``every`` seconds (and once at start)."""
    register_rounds(
        runner,
        job=JOB,
        every=every,
        log=_log,
        what="witness",
        one_round=lambda client: witness_peers(engine, folder, client),
        client_factory=client_factory,
    )


def _fetch(client: httpx.Client, url: str, peer: Peer) -> dict[str, Any] | None:
    body = get_json(client, url, peer, agent=_AGENT, missing=None)
    if body is not None and not isinstance(body, dict):
        raise SyncError(f"GET {url}: the answer is not a JSON object")
    return body


def _keep(folder: Path, peer: Peer, statement: dict[str, Any]) -> Witnessed:
    with _lock:
        held = _read(folder)
        entry = held.get(peer.name)
        if entry is not None and statement.get("public_key") != entry["public_key"]:
            reason = "the checkpoint is signed with another key than the one this node witnessed first"
            return _refuse(folder, held, peer, reason)
        try:
            fields = check_signed(statement)
        except Invalid as exc:
            return _refuse(folder, held, peer, str(exc))
        if entry is not None:
            before = entry["checkpoint"]
            if fields["seq"] < before["seq"]:
                return _refuse(
                    folder,
                    held,
                    peer,
                    f"log went backwards: the checkpoint covers record {fields['seq']}, "
                    f"the one held (of {before['at']}) record {before['seq']}",
                )
            if fields["seq"] == before["seq"] and fields["hash"] != before["hash"]:
                return _refuse(
                    folder,
                    held,
                    peer,
                    f"history rewritten: record {fields['seq']} has another hash than held",
                )
        held[peer.name] = {
            "peer": peer.name,
            "org": peer.org,
            "public_key": fields["public_key"],
            "checkpoint": fields,
            "kept_at": format_micros(now_micros()),
            "refused": entry.get("refused", []) if entry else [],
        }
        _write(folder, held)
        return Witnessed(peer.name, True, f"record {fields['seq']} of {fields['at']}")


def _refuse(folder: Path, held: dict[str, Any], peer: Peer, reason: str) -> Witnessed:
    _log.warning("witness of peer %s refused its checkpoint: %s", peer.name, reason)
    entry = held.get(peer.name)
    if entry is not None:
        entry["refused"] = [*entry.get("refused", []), {"at": format_micros(now_micros()), "reason": reason}][
            -_KEPT_REFUSALS:
        ]
        _write(folder, held)
    return Witnessed(peer.name, False, reason)


@dataclass(frozen=True)
class WitnessStatus:
    """What this node holds as witness of one peer, for the node's admins (the dashboard)."""

    peer: str
    record: int | None  # the newest record of the peer's log held; None: no checkpoint kept yet
    checkpoint_at: str | None
    kept_at: str | None
    refused: int  # checkpoints refused, of the last ones kept
    last_refusal: str | None  # "<when>: <why>"


def witness_status_for(engine: Engine, folder: Path, *, actor: Principal) -> list[WitnessStatus]:
    """Per configured peer, the checkpoint held and the refusals, for the node's admins only.

    A refusal says a peer's log went backwards or was rewritten, which an admin must see where they
    look every day; to anybody else the list is empty, as the peers' own status is
    (:func:`gotong.federation.service.peer_statuses_for`).
    """
    if not (actor.authenticated and actor.role == Role.ADMIN):
        return []
    with read_connection(engine) as conn:
        configured = list_peers(conn)
    kept = _read(folder)
    out = []
    for peer in configured:
        entry = kept.get(peer.name) or {}
        checkpoint = entry.get("checkpoint") or {}
        refused = list(entry.get("refused", []))
        out.append(
            WitnessStatus(
                peer=peer.name,
                record=checkpoint.get("seq"),
                checkpoint_at=checkpoint.get("at"),
                kept_at=entry.get("kept_at"),
                refused=len(refused),
                last_refusal=f"{refused[-1]['at']}: {refused[-1]['reason']}" if refused else None,
            )
        )
    return out


def held(folder: Path) -> dict[str, dict[str, Any]]:
    """Per peer: the checkpoint held, when it was kept and the key pinned."""
    return {
        name: {k: entry[k] for k in ("org", "public_key", "kept_at", "checkpoint")}
        for name, entry in sorted(_read(folder).items())
    }


def refusals(folder: Path) -> dict[str, list[dict[str, str]]]:
    """The checkpoints refused per peer (newest last), for the operator."""
    return {name: list(entry.get("refused", [])) for name, entry in _read(folder).items()}


def _read(folder: Path) -> dict[str, Any]:
    return read_json_object(folder / WITNESS_FILE, "witnessed checkpoints")


def _write(folder: Path, held: dict[str, Any]) -> None:
    write_json(folder / WITNESS_FILE, held)
