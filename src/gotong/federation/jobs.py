"""Federation's background work, as jobs of :mod:`gotong.core.jobs`: a push and a pull per peer.

:func:`register` adds one supervising job that reads the configured peers every few seconds and
registers, per peer, a push job and a pull job as the peer wants them (and unregisters them
when it no longer does), so a slow or dead peer only delays itself.

* The push job runs when this process commits versions or deletions (the trigger
  :data:`PUSH_WAKE`, woken after each such commit by ``gotong.wiring``), or every ``poll``
  seconds for changes made by other processes.
* The pull job follows the peer's live change feed, falling back to polling its TAXII
  collections every ``pull_every`` seconds if it has none.

After a failure a job waits 0.5 s, 1 s, 2 s … (at most ``max_backoff``) before trying again; the
backlog stays in the database and goes out, in order, once the peer answers. The error is kept on
the peer's status every time and logged once when the peer starts failing and once when it
recovers. :func:`sync_peer_once` is the same round on demand (``gotong peer sync``).
"""

from __future__ import annotations

import logging
import threading

import httpx
from sqlalchemy import Engine

from gotong.core.jobs import HealthLog, JobRunner
from gotong.core.outbound import outbound_client
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import NotFound
from gotong.federation.follow import NoChangeFeed, follow_changes
from gotong.federation.pull import pull_once
from gotong.federation.push import push_pending
from gotong.federation.service import Peer, get_peer, list_peers, record_peer_error
from gotong.federation.transport import SyncError

PUSH_WAKE = "federation.push"  # woken after every commit of versions or deletions in this process
SUPERVISOR = "peers"
WATCH_EVERY = 5.0
_FIRST_BACKOFF = 0.5
_log = logging.getLogger("gotong.federation")


def sync_peer_once(engine: Engine, name: str, client: httpx.Client) -> int:
    """One round for one peer: push until nothing is pending, then one pull. Errors are recorded."""
    with read_connection(engine) as conn:
        peer = get_peer(conn, name)
    moved = 0
    try:
        if peer.push:
            moved += push_pending(engine, name, client)
        if peer.pull:
            moved += pull_once(engine, peer, client)
    except SyncError as exc:
        _record_error(engine, peer.id, str(exc))
        raise
    return moved


def register(
    runner: JobRunner,
    engine: Engine,
    *,
    poll: float = 1.0,
    pull_every: float = 1.0,
    max_backoff: float = 30.0,
) -> None:
    """Register the supervisor of the peer jobs on ``runner``."""
    supervisor = _Supervisor(runner, engine, poll=poll, pull_every=pull_every, max_backoff=max_backoff)
    runner.register(SUPERVISOR, supervisor.run, every=WATCH_EVERY, run_at_start=True)


def _job_name(direction: str, peer: str) -> str:
    return f"peer-{direction}-{peer}"


class _Supervisor:
    def __init__(
        self, runner: JobRunner, engine: Engine, *, poll: float, pull_every: float, max_backoff: float
    ) -> None:
        self._runner = runner
        self._engine = engine
        self._poll = poll
        self._pull_every = pull_every
        self._max_backoff = max_backoff

    def run(self, _stopping: threading.Event) -> None:
        """Match the registered peer jobs to the configured peers (peers added later are picked up)."""
        with read_connection(self._engine) as conn:
            configured = list_peers(conn)
        wanted: set[str] = set()
        for peer in configured:
            if peer.push:
                wanted.add(name := _job_name("push", peer.name))
                if name not in self._runner.names():
                    job = PushJob(self._engine, peer.name, max_backoff=self._max_backoff)
                    self._runner.register(
                        name,
                        job.run,
                        every=self._poll,
                        wake_on=PUSH_WAKE,
                        run_at_start=True,
                        on_stop=job.close,
                    )
            if peer.pull:
                wanted.add(name := _job_name("pull", peer.name))
                if name not in self._runner.names():
                    pull = PullJob(
                        self._engine, peer.name, pull_every=self._pull_every, max_backoff=self._max_backoff
                    )
                    # A live feed is cut at shutdown without waiting: its cursor moves only at
                    # checkpoints, so a cut stream replays at most one batch.
                    self._runner.register(
                        name,
                        pull.run,
                        every=self._pull_every,
                        run_at_start=True,
                        on_stop=pull.close,
                        wait_on_stop=False,
                    )
        for name in self._runner.names():
            if name.startswith(("peer-push-", "peer-pull-")) and name not in wanted:
                self._runner.unregister(name)


class _PeerJob:
    direction = ""

    def __init__(self, engine: Engine, name: str, *, max_backoff: float) -> None:
        self._engine = engine
        self._name = name
        self._max_backoff = max_backoff
        self._backoff = _FIRST_BACKOFF
        self._health = HealthLog(_log)
        self._client = outbound_client(timeout=httpx.Timeout(30.0, connect=5.0))

    @property
    def subject(self) -> str:
        return f"peer {self._name} ({self.direction})"

    def close(self) -> None:
        self._client.close()

    def _peer(self) -> Peer | None:
        try:
            with read_connection(self._engine) as conn:
                return get_peer(conn, self._name)
        except NotFound:
            return None

    def _succeeded(self) -> None:
        self._backoff = _FIRST_BACKOFF
        self._health.succeeded(self.subject)

    def _failed(self, peer: Peer, exc: Exception) -> float:
        """Record and log (once per state change) a failure; the seconds to wait before retrying."""
        expected = isinstance(exc, SyncError)
        message = str(exc) if expected else f"{type(exc).__name__}: {exc}"
        self._health.failed(self.subject, message, exc_info=None if expected else exc)
        try:
            _record_error(self._engine, peer.id, message if expected else repr(exc))
        except Exception:
            _log.exception("recording the error of peer %s failed", self._name)
        delay = self._backoff
        self._backoff = min(self._backoff * 2, self._max_backoff)
        return delay


class PushJob(_PeerJob):
    direction = "push"

    def run(self, stopping: threading.Event) -> float | None:
        peer = self._peer()
        if peer is None or not peer.push:
            return None  # the supervisor unregisters it
        try:
            push_pending(self._engine, self._name, self._client, stopping)
        except Exception as exc:  # the status says what broke; the backlog waits in the database
            return self._failed(peer, exc)
        self._succeeded()
        return None


class PullJob(_PeerJob):
    direction = "pull"

    def __init__(self, engine: Engine, name: str, *, pull_every: float, max_backoff: float) -> None:
        super().__init__(engine, name, max_backoff=max_backoff)
        self._pull_every = pull_every
        self._live = True

    def run(self, stopping: threading.Event) -> float | None:
        peer = self._peer()
        if peer is None or not peer.pull:
            return None
        try:
            if self._live:
                follow_changes(self._engine, peer, self._client, stopping, connected=self._succeeded)
                return 0.0  # the feed ended (the peer restarted, a proxy cut it): follow it again
            pull_once(self._engine, peer, self._client)
        except NoChangeFeed:
            self._live = False
            return 0.0
        except Exception as exc:
            return self._failed(peer, exc)
        self._succeeded()
        return self._pull_every


def _record_error(engine: Engine, peer_id: int, message: str) -> None:
    with write_transaction(engine) as conn:
        record_peer_error(conn, peer_id=peer_id, message=message)
