"""Peers' contact directories: every node keeps the newest signed directory bundle of each peer.

On the witness interval a node asks every configured peer for its directory as any member
organisation sees it (``GET /api/v1/contacts/bundle?view=members``: public and members fields,
never a hub-only field, whoever asks) and keeps it in ``peer-directories.json`` beside its own key,
after checking:

* the signature, against the key this node pinned for that peer when it first witnessed its audit
  checkpoint (:mod:`gotong.federation.witness`; the bundle and the checkpoints are signed with the
  same node key). A peer not yet witnessed has no known key: its bundle is not kept;
* that it is a members view, and not older than the one held.

A bundle that fails is refused and the one held is kept. The kept directories are shown to the
node's signed-in members on ``/contacts``: what they hold is what any member may read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from gotong.contacts import verify_bundle
from gotong.core.auth import Principal
from gotong.core.files import read_json_object, write_json
from gotong.core.jobs import JobRunner
from gotong.core.permissions import require_member
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.federation import witness
from gotong.federation.service import Peer, list_peers
from gotong.federation.transport import SyncError, get_json, register_rounds
from gotong.stix.timestamps import format_micros, micros_of, now_micros

__all__ = [
    "DIRECTORIES_FILE",
    "JOB",
    "Fetched",
    "PeerContact",
    "PeerDirectory",
    "fetch_directories",
    "kept_directories",
    "register",
]

JOB = "peer-directories"
DIRECTORIES_FILE = "peer-directories.json"
_lock = threading.Lock()
_log = logging.getLogger("gotong.federation")


@dataclass(frozen=True)
class Fetched:
    """What one round did for one peer."""

    peer: str
    kept: bool
    detail: str  # "N contacts signed at <at>", or why nothing was kept


@dataclass(frozen=True)
class PeerContact:
    name: str
    roles: list[str]
    description: str
    contact_information: str | None


@dataclass(frozen=True)
class PeerDirectory:
    peer: str
    org: str  # the organisation the peer stands for here
    signed_at: str
    kept_at: str
    contacts: list[PeerContact]


def bundle_url(peer: Peer) -> str:
    return f"{peer.origin}/api/v1/contacts/bundle?view=members"


def fetch_directories(engine: Engine, folder: Path, client: httpx.Client) -> list[Fetched]:
    """Fetch, check and keep the directory bundle of every configured peer; one result per peer."""
    with read_connection(engine) as conn:
        configured = list_peers(conn)
    pinned = witness.held(folder)
    results: list[Fetched] = []
    for peer in configured:
        key = pinned.get(peer.name, {}).get("public_key")
        if key is None:
            detail = "no key of this peer is known yet: its audit checkpoint has not been witnessed"
            results.append(Fetched(peer.name, False, detail))
            continue
        try:
            bundle = get_json(client, bundle_url(peer), peer, agent="gotong-directories")
        except SyncError as exc:
            results.append(Fetched(peer.name, False, str(exc)))
            continue
        results.append(_keep(folder, peer, bundle, key))
    return results


def kept_directories(folder: Path, *, actor: Principal) -> list[PeerDirectory]:
    """The directories kept of the peers, for a signed-in member (each holds members fields only)."""
    require_member(actor)
    shown: list[PeerDirectory] = []
    for name, entry in sorted(_read(folder).items()):
        objects = entry["bundle"]["bundle"].get("objects", [])
        people = [
            PeerContact(
                name=str(o.get("name", "")),
                roles=[str(r) for r in o.get("roles", [])],
                description=str(o.get("description", "")),
                contact_information=o.get("contact_information"),
            )
            for o in objects
            if isinstance(o, dict) and o.get("type") == "identity"
        ]
        shown.append(
            PeerDirectory(name, entry["org"], entry["bundle"]["signed_at"], entry["kept_at"], people)
        )
    return shown


def _keep(folder: Path, peer: Peer, bundle: Any, key: str) -> Fetched:
    try:
        checked = verify_bundle(bundle, public_key=key)
    except Invalid as exc:
        return Fetched(peer.name, False, f"refused: {exc}")
    if bundle.get("view") != "members":
        return Fetched(peer.name, False, "refused: the bundle is not the members view of the directory")
    with _lock:
        held = _read(folder)
        before = held.get(peer.name)
        if before is not None and micros_of(before["bundle"]["signed_at"]) > micros_of(checked.signed_at):
            return Fetched(peer.name, False, "refused: older than the directory held")
        held[peer.name] = {"org": peer.org, "kept_at": format_micros(now_micros()), "bundle": bundle}
        _write(folder, held)
    return Fetched(peer.name, True, f"{checked.contacts} contacts signed at {checked.signed_at}")


def register(
    runner: JobRunner,
    engine: Engine,
    *,
    folder: Path,
    every: float,
    client_factory: Callable[[], httpx.Client] | None = None,
) -> None:
    """Fetch the peers' directories on ``runner`` every ``every`` seconds (and once at start)."""
    register_rounds(
        runner,
        job=JOB,
        every=every,
        log=_log,
        what="directory",
        one_round=lambda client: fetch_directories(engine, folder, client),
        client_factory=client_factory,
    )


def _read(folder: Path) -> dict[str, Any]:
    return read_json_object(folder / DIRECTORIES_FILE, "peer directories")


def _write(folder: Path, held: dict[str, Any]) -> None:
    write_json(folder / DIRECTORIES_FILE, held)
