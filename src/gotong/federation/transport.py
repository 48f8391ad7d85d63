"""Talking TAXII to a peer: the headers this node presents and the one error every fault becomes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import httpx

from gotong.core.jobs import HealthLog, JobRunner
from gotong.core.media import TAXII_MEDIA_TYPE
from gotong.core.outbound import outbound_client
from gotong.federation.service import Peer

TAXII = TAXII_MEDIA_TYPE


class SyncError(Exception):
    """A peer could not be reached or refused a request; the cursor did not move."""


def headers(peer: Peer) -> dict[str, str]:
    return {"Authorization": f"Bearer {peer.token}", "Accept": TAXII, "User-Agent": "gotong-federation"}


def failure(action: str, exc: Exception | None = None, response: httpx.Response | None = None) -> SyncError:
    """A :class:`SyncError` naming the request and what went wrong (status and body, or the exception)."""
    if response is not None:
        detail = response.text[:300].strip()
        return SyncError(f"{action}: HTTP {response.status_code} {detail}")
    return SyncError(f"{action}: {type(exc).__name__}: {exc}")


def get_json(client: httpx.Client, url: str, peer: Peer, *, agent: str, missing: Any = ...) -> Any:
    """The JSON body of a GET of the peer's REST API with its token (``agent``: the User-Agent);
    ``missing`` stands for a 404 when given. Any other failure is a :class:`SyncError` naming the
    request."""
    request = {"Authorization": f"Bearer {peer.token}", "Accept": "application/json", "User-Agent": agent}
    try:
        response = client.get(url, headers=request)
    except httpx.HTTPError as exc:
        raise failure(f"GET {url}", exc) from None
    if response.status_code == 404 and missing is not ...:
        return missing
    if response.status_code != 200:
        raise failure(f"GET {url}", response=response)
    try:
        return response.json()
    except ValueError:
        raise SyncError(f"GET {url}: the answer is not JSON") from None


class RoundResult(Protocol):
    """What one round did for one peer (a checkpoint witnessed, a directory fetched)."""

    @property
    def peer(self) -> str: ...
    @property
    def kept(self) -> bool: ...
    @property
    def detail(self) -> str: ...


def register_rounds(
    runner: JobRunner,
    *,
    job: str,
    every: float,
    log: logging.Logger,
    what: str,
    one_round: Callable[[httpx.Client], Iterable[RoundResult]],
    client_factory: Callable[[], httpx.Client] | None = None,
) -> None:
    """Run ``one_round`` over the peers on ``runner`` every ``every`` seconds (and once at start),
    with a client through the outbound policy; a peer whose result was not kept is logged as
    ``<what> of peer <name>: <why>``, and a failure of the whole round goes to the job's health."""
    health = HealthLog(log)
    make_client = client_factory or (lambda: outbound_client(timeout=httpx.Timeout(30.0, connect=5.0)))

    def run(_stopping: threading.Event) -> None:
        try:
            with make_client() as client:
                for result in one_round(client):
                    if not result.kept:
                        log.info("%s of peer %s: %s", what, result.peer, result.detail)
        except Exception as exc:  # a job keeps running; the log says what failed
            health.failed(job, str(exc), exc_info=exc)
        else:
            health.succeeded(job)

    runner.register(job, run, every=every, run_at_start=True)
