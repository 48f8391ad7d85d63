"""Federation's jobs: a peer that stops answering is logged once, and once when it answers again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, update

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.federation.jobs import PushJob
from gotong.federation.models import peers
from gotong.federation.service import add_peer, peer_statuses
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from tests.conftest import start_server, token_for
from tests.federation.test_sync import Node, link, nodes
from tests.helpers import REGIONAL_ID, indicator

__all__ = ["nodes"]  # the fixture, shared with test_sync


def _federation_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "gotong.federation"]


def test_a_stopped_hub_is_logged_once_per_state_change_not_per_retry(
    nodes: Callable[[str], Node], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gotong.federation")
    thai, hub = nodes("thai"), nodes("hub")
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    hub.stop()
    published = indicator(tlp="green")
    thai.submit("ThaiCERT", [published])
    job = PushJob(thai.engine, "hub", max_backoff=0.01)
    stopping = threading.Event()
    try:
        delays = [job.run(stopping) for _ in range(4)]
        assert all(d is not None for d in delays), "each failed round asks for a back-off"
        with read_connection(thai.engine) as conn:
            [status] = peer_statuses(conn)
        assert status.backlog == 1 and status.last_error and "ConnectError" in status.last_error
        failing = _federation_log(caplog)
        assert len(failing) == 1, failing
        assert failing[0].startswith("peer hub (push) failing: POST ") and "ConnectError" in failing[0]

        hub.restart()
        with write_transaction(thai.engine) as conn:
            conn.execute(update(peers).where(peers.c.name == "hub").values(url=hub.api_root))
        assert job.run(stopping) is None
        assert job.run(stopping) is None
        assert published["id"] in hub.ids("ThaiCERT")
    finally:
        job.close()
    assert _federation_log(caplog)[1:] == ["peer hub (push) recovered after 4 failed attempt(s)"]


def test_a_commit_wakes_the_push_at_once(
    nodes: Callable[[str], Node], other_node: Callable[[str], Engine]
) -> None:
    """The push's interval is an hour here: only the wake after the commit can send the object."""
    hub, thai = nodes("hub"), other_node("thai")
    with write_transaction(thai) as conn:
        add_peer(
            conn,
            name="hub",
            url=hub.api_root,
            token=token_for(hub.engine, "ThaiCERT"),
            org="ASEAN-CERT",
            push=True,
            pull=False,
        )
    srv, thread, _running = start_server(thai, federation_poll_seconds=3600)
    with read_connection(thai) as conn:
        principal = Principal(org_id=get_org(conn, short_name="ThaiCERT").id, org_short="ThaiCERT")

    def publish_and_wait() -> str:
        published = indicator(tlp="green")
        report = add_objects(thai, principal=principal, collection_id=REGIONAL_ID, objects=[published])
        assert not report.failures
        deadline = time.monotonic() + 60
        while published["id"] not in hub.ids("ThaiCERT") and time.monotonic() < deadline:
            time.sleep(0.05)
        return str(published["id"])

    try:
        # The first may go out with the push job's first round; once it has arrived, the job is
        # waiting for a wake (or the hour), so the second can only travel by the wake.
        first = publish_and_wait()
        assert first in hub.ids("ThaiCERT")
        second = publish_and_wait()
        assert second in hub.ids("ThaiCERT")
    finally:
        srv.should_exit = True
        thread.join(timeout=60)
