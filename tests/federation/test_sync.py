"""Push and pull between real nodes (uvicorn on loopback ports, each with its own database): what
crosses, what the sender keeps back, deletions, revocations, echoes and partitions."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.federation.jobs import sync_peer_once
from gotong.federation.models import peers
from gotong.federation.service import add_peer, peer_statuses
from gotong.federation.transport import SyncError
from gotong.intel.bulk import export_bundle
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.models import GroupKind
from gotong.sharing.receipts import list_receipts
from gotong.sharing.service import add_group
from tests.conftest import RunningServer, start_server, token_for
from tests.helpers import REGIONAL, REGIONAL_ID, indicator


class Node:
    """A node under test: its database, its running server, and a restart switch."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._start()

    def _start(self) -> None:
        self._srv, self._thread, self.running = start_server(self.engine, federation=False)

    @property
    def api_root(self) -> str:
        return self.running.api_root

    def restart(self) -> None:
        """Serve the node again after :meth:`stop` (on a new port: peers must be told the new URL)."""
        self._start()

    def stop(self) -> None:
        self._srv.should_exit = True
        self._thread.join(timeout=60)

    def submit(self, org: str, objects: list[dict[str, Any]]) -> None:
        with read_connection(self.engine) as conn:
            principal = Principal(org_id=get_org(conn, short_name=org).id, org_short=org)
        report = add_objects(self.engine, principal=principal, collection_id=REGIONAL_ID, objects=objects)
        assert not report.failures, report.failures

    def ids(self, org: str = "ASEAN-CERT") -> set[str]:
        """Ids of the indicators ``org`` may read here (the hub reads what the community may)."""
        out = io.StringIO()
        export_bundle(
            self.engine, out=out, org=org, collection_id=REGIONAL, include_expired=True, all_versions=True
        )
        return {o["id"] for o in json.loads(out.getvalue())["objects"] if o["type"] == "indicator"}

    def versions(self, org: str = "ASEAN-CERT") -> list[tuple[str, str]]:
        out = io.StringIO()
        export_bundle(
            self.engine, out=out, org=org, collection_id=REGIONAL, include_expired=True, all_versions=True
        )
        return sorted(
            (o["id"], o["modified"])
            for o in json.loads(out.getvalue())["objects"]
            if o["type"] == "indicator"
        )


@pytest.fixture
def nodes(other_node: Callable[[str], Engine]) -> Iterator[Callable[[str], Node]]:
    made: list[Node] = []

    def make(name: str) -> Node:
        node = Node(other_node(name))
        made.append(node)
        return node

    yield make
    for node in made:
        node.stop()


def link(sender: Node, receiver: Node, *, name: str, org: str, **options: Any) -> None:
    """Configure ``sender`` to push to ``receiver``, which knows it as organisation ``as_org``."""
    as_org = options.pop("as_org")
    token = token_for(receiver.engine, as_org)
    with write_transaction(sender.engine) as conn:
        add_peer(
            conn, name=name, url=receiver.api_root, token=token, org=org, push=True, pull=False, **options
        )


def sync(node: Node, peer: str) -> int:
    with httpx.Client(timeout=30) as client:
        return sync_peer_once(node.engine, peer, client)


def test_the_sender_sends_exactly_what_the_peer_organisation_may_see(nodes: Callable[[str], Node]) -> None:
    thai, malaysia = nodes("thai"), nodes("malaysia")
    with write_transaction(thai.engine) as conn:
        named = add_group(
            conn,
            name="th-my-red",
            owner="ThaiCERT",
            members=["ThaiCERT", "MyCERT"],
            kind=GroupKind.NAMED_RECIPIENTS,
        )
        other = add_group(
            conn,
            name="th-sg-red",
            owner="ThaiCERT",
            members=["ThaiCERT", "SingCERT"],
            kind=GroupKind.NAMED_RECIPIENTS,
        )
    # Both groups are shared with the peer: the policy alone decides between them.
    link(thai, malaysia, name="my-node", org="MyCERT", as_org="ThaiCERT", groups=["th-my-red", "th-sg-red"])
    green, amber, clear = indicator(tlp="green"), indicator(tlp="amber"), indicator(tlp="clear")
    red_named = indicator(tlp="red", markings=[named.marking_id])
    red_other = indicator(tlp="red", markings=[other.marking_id])
    red_bare = indicator(tlp="red")
    thai.submit("ThaiCERT", [green, amber, clear, red_named, red_other, red_bare])
    assert sync(thai, "my-node") == 6
    sent = {green["id"], amber["id"], clear["id"], red_named["id"]}
    # Malaysia's node stores what arrived as ThaiCERT's submission; ThaiCERT may read all of it.
    assert malaysia.ids("ThaiCERT") == sent
    with read_connection(thai.engine) as conn:
        [status] = peer_statuses(conn)
    assert (status.sent, status.withheld, status.backlog) == (4, 2, 0)
    assert sync(thai, "my-node") == 0, "nothing is sent twice"
    with read_connection(thai.engine) as conn:
        thai_org = get_org(conn, short_name="ThaiCERT").id
        receipts = list_receipts(conn, org_id=thai_org, collection_id=REGIONAL_ID)
    handed = {(r.stix_id, r.reader) for r in receipts}
    assert handed == {(i, "MyCERT") for i in sent}, "ThaiCERT sees what its peer was handed"


def test_max_tlp_and_groups_limit_what_a_peer_gets(nodes: Callable[[str], Node]) -> None:
    """A group not configured for the peer keeps its objects home, even from members' nodes."""
    thai, malaysia = nodes("thai"), nodes("malaysia")
    with write_transaction(thai.engine) as conn:
        add_group(conn, name="banks", owner="ThaiCERT", members=["ThaiCERT", "MyCERT"])
        energy = add_group(conn, name="energy", owner="ThaiCERT", members=["ThaiCERT", "MyCERT"])
    link(thai, malaysia, name="my-node", org="MyCERT", as_org="ThaiCERT", max_tlp="green", groups=["banks"])
    green, amber = indicator(tlp="green"), indicator(tlp="amber")
    energy_green = indicator(tlp="green", markings=[energy.marking_id])
    thai.submit("ThaiCERT", [green, amber, energy_green])
    sync(thai, "my-node")
    assert malaysia.ids("ThaiCERT") == {green["id"]}


def test_nothing_echoes_and_amber_strict_is_not_forwarded(nodes: Callable[[str], Node]) -> None:
    thai, hub, malaysia = nodes("thai"), nodes("hub"), nodes("malaysia")
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    link(hub, thai, name="th-node", org="ThaiCERT", as_org="ASEAN-CERT")
    link(hub, malaysia, name="my-node", org="MyCERT", as_org="ASEAN-CERT")
    green, strict = indicator(tlp="green"), indicator(tlp="amber+strict")
    thai.submit("ThaiCERT", [green, strict])
    sync(thai, "hub")
    assert hub.ids("ThaiCERT") == {green["id"], strict["id"]}
    sync(hub, "th-node")
    sync(hub, "my-node")
    assert malaysia.ids("ASEAN-CERT") == {green["id"]}, "AMBER+STRICT stops at its first recipient"
    with read_connection(hub.engine) as conn:
        by_name = {s.name: s for s in peer_statuses(conn)}
    assert by_name["th-node"].sent == 0, "nothing goes back to the node it came from"
    assert sync(thai, "hub") == 0
    token = token_for(hub.engine, "ThaiCERT")
    origin = httpx.get(
        f"{hub.running.url}/api/v1/collections/{REGIONAL_ID}/objects/{green['id']}/provenance",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert [(p["submitter"], p["via_peer"]) for p in origin] == [("ThaiCERT", "th-node")]


def test_revocations_and_deletions_reach_the_peer(nodes: Callable[[str], Node]) -> None:
    thai, hub = nodes("thai"), nodes("hub")
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    kept, dropped = indicator(tlp="green"), indicator(tlp="green")
    thai.submit("ThaiCERT", [kept, dropped])
    sync(thai, "hub")
    revoked = {**kept, "modified": "2026-02-01T00:00:00.000Z", "revoked": True}
    thai.submit("ThaiCERT", [revoked])
    token = token_for(thai.engine, "ThaiCERT")
    deleted = httpx.delete(
        f"{thai.api_root}collections/{REGIONAL_ID}/objects/{dropped['id']}/",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1"},
    )
    assert deleted.status_code == 200
    sync(thai, "hub")
    assert hub.versions("ThaiCERT") == [
        (kept["id"], "2026-01-01T00:00:00.000Z"),
        (kept["id"], "2026-02-01T00:00:00.000Z"),
    ]
    with read_connection(thai.engine) as conn:
        [status] = peer_statuses(conn)
    assert status.deletions_sent == 1 and status.backlog == 0


def test_a_partitioned_peer_gets_its_backlog_once_it_is_back(nodes: Callable[[str], Node]) -> None:
    thai, hub = nodes("thai"), nodes("hub")
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    first = [indicator(tlp="green") for _ in range(3)]
    thai.submit("ThaiCERT", first)
    sync(thai, "hub")
    hub.stop()
    later = [indicator(tlp="green") for _ in range(4)]
    thai.submit("ThaiCERT", later)
    with pytest.raises(SyncError):
        sync(thai, "hub")
    with read_connection(thai.engine) as conn:
        [status] = peer_statuses(conn)
        cursor = conn.execute(select(peers.c.push_cursor)).scalar_one()
    assert status.backlog == 4 and status.last_error and "ConnectError" in status.last_error
    assert cursor > 0
    hub._start()
    with write_transaction(thai.engine) as conn:
        conn.execute(peers.update().values(url=hub.api_root))  # the restarted node listens on a new port
    assert sync(thai, "hub") == 4
    assert hub.ids("ThaiCERT") == {o["id"] for o in first + later}
    with read_connection(thai.engine) as conn:
        [status] = peer_statuses(conn)
    assert status.backlog == 0 and status.sent == 7


def test_pull_fetches_what_the_peer_lets_this_organisation_see(nodes: Callable[[str], Node]) -> None:
    hub, laos = nodes("hub"), nodes("laos")
    green, red = indicator(tlp="green"), indicator(tlp="red")
    hub.submit("SingCERT", [green, red])
    token = token_for(hub.engine, "LaoCERT")
    with write_transaction(laos.engine) as conn:
        add_peer(conn, name="hub", url=hub.api_root, token=token, org="ASEAN-CERT", push=False, pull=True)
    assert sync(laos, "hub") == 1
    assert laos.ids("ASEAN-CERT") == {green["id"]}
    hub.submit("SingCERT", [newer := indicator(tlp="green")])
    assert sync(laos, "hub") == 1, "the next pull starts at the cursor"
    assert laos.ids("ASEAN-CERT") == {green["id"], newer["id"]}


def test_peer_configuration_errors_are_refused(nodes: Callable[[str], Node]) -> None:
    from gotong.errors import GotongError

    thai = nodes("thai")
    with pytest.raises(GotongError, match="--push, --pull or both"), write_transaction(thai.engine) as conn:
        add_peer(
            conn, name="x", url="http://127.0.0.1:9/api1/", token="t", org="MyCERT", push=False, pull=False
        )
    with pytest.raises(GotongError, match="must start with http"), write_transaction(thai.engine) as conn:
        add_peer(conn, name="x", url="ftp://x/", token="t", org="MyCERT", push=True, pull=False)
    with pytest.raises(GotongError, match="no collection"), write_transaction(thai.engine) as conn:
        add_peer(
            conn,
            name="x",
            url="http://x/",
            token="t",
            org="MyCERT",
            push=True,
            pull=False,
            collections=["nope"],
        )
    with read_connection(thai.engine) as conn:
        assert conn.execute(select(peers)).all() == []


del RunningServer


def _events(lines: Iterator[str], count: int) -> list[dict[str, str]]:
    """Read ``count`` events (comments and retry lines skipped) from an open SSE response's lines."""
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in lines:
        if line.startswith(":") or line.startswith("retry:"):
            continue
        if line:
            name, _, value = line.partition(": ")
            current[name] = value
            continue
        if current:
            events.append(current)
            current = {}
        if len(events) >= count:
            break
    return events


def test_the_change_feed_streams_visible_changes_live_and_resumes(nodes: Callable[[str], Node]) -> None:
    hub = nodes("hub")
    token = token_for(hub.engine, "LaoCERT")
    green, red = indicator(tlp="green"), indicator(tlp="red")
    hub.submit("SingCERT", [green, red])
    url = f"{hub.running.url}/api/v1/changes"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30) as client:
        with client.stream("GET", url, params={"collection": REGIONAL}, headers=headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.iter_lines()
            first, checkpoint = _events(lines, 2)
            assert first["event"] == "object" and json.loads(first["data"])["object"]["id"] == green["id"]
            assert checkpoint["event"] == "checkpoint", "the RED object is not streamed to LaoCERT"
            later = indicator(tlp="clear")
            hub.submit("SingCERT", [later])  # while the stream is open
            live, _ = _events(lines, 2)
            assert json.loads(live["data"])["object"]["id"] == later["id"]
            resume_at = checkpoint["id"]
        sg_token = token_for(hub.engine, "SingCERT")
        deleted = httpx.delete(
            f"{hub.api_root}collections/{REGIONAL_ID}/objects/{green['id']}/",
            headers={"Authorization": f"Bearer {sg_token}", "Accept": "application/taxii+json;version=2.1"},
        )
        assert deleted.status_code == 200
        with client.stream(
            "GET", url, params={"collection": REGIONAL}, headers={**headers, "Last-Event-ID": resume_at}
        ) as response:
            resumed = _events(response.iter_lines(), 3)
    assert [e["event"] for e in resumed] == ["object", "delete", "checkpoint"]
    assert json.loads(resumed[0]["data"])["object"]["id"] == later["id"], "nothing before the cursor again"
    assert json.loads(resumed[1]["data"])["id"] == green["id"]


def test_the_change_feed_refuses_bad_requests(nodes: Callable[[str], Node]) -> None:
    hub = nodes("hub")
    url = f"{hub.running.url}/api/v1/changes"
    token = {"Authorization": f"Bearer {token_for(hub.engine, 'LaoCERT')}"}
    assert httpx.get(url, params={"collection": REGIONAL}).status_code == 401
    bad = httpx.get(url, params={"collection": REGIONAL, "after": "yesterday"}, headers=token)
    assert bad.status_code == 400 and "cursor" in bad.json()["description"]
    assert httpx.get(url, params={"collection": "nope"}, headers=token).status_code == 404
    assert httpx.get(url, headers=token).status_code == 400


def test_a_pulling_node_follows_the_change_feed_including_deletions(nodes: Callable[[str], Node]) -> None:
    import threading

    from gotong.federation.follow import follow_changes
    from gotong.federation.service import get_peer

    hub, laos = nodes("hub"), nodes("laos")
    keep, drop, red = indicator(tlp="green"), indicator(tlp="green"), indicator(tlp="red")
    hub.submit("SingCERT", [keep, drop, red])
    token = token_for(hub.engine, "LaoCERT")
    with write_transaction(laos.engine) as conn:
        add_peer(conn, name="hub", url=hub.api_root, token=token, org="ASEAN-CERT", push=False, pull=True)
    stop = threading.Event()

    def follow() -> None:
        with read_connection(laos.engine) as conn:
            peer = get_peer(conn, "hub")
        with httpx.Client() as client:
            follow_changes(laos.engine, peer, client, stop)

    def wait_for(expected: set[str]) -> None:
        deadline = time.monotonic() + 30
        while laos.ids() != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert laos.ids() == expected

    worker = threading.Thread(target=follow, daemon=True)
    worker.start()
    try:
        wait_for({keep["id"], drop["id"]})
        sg_token = token_for(hub.engine, "SingCERT")
        httpx.delete(
            f"{hub.api_root}collections/{REGIONAL_ID}/objects/{drop['id']}/",
            headers={"Authorization": f"Bearer {sg_token}", "Accept": "application/taxii+json;version=2.1"},
        ).raise_for_status()
        wait_for({keep["id"]})
    finally:
        stop.set()
        hub.submit("SingCERT", [indicator(tlp="green")])  # an event, so the reader sees the stop
        worker.join(timeout=30)
    with read_connection(laos.engine) as conn:
        cursor = json.loads(conn.execute(select(peers.c.pull_cursors)).scalar_one())
        pulled = conn.execute(select(peers.c.last_pull_at, peers.c.last_success_at)).one()
    assert "changes" in cursor, "the cursor is durable"
    assert pulled.last_pull_at is not None and pulled.last_success_at is not None, "the status shows the pull"


def test_a_ring_of_nodes_settles_with_one_copy_everywhere(nodes: Callable[[str], Node]) -> None:
    thai, malaysia, singapore = nodes("thai"), nodes("malaysia"), nodes("singapore")
    link(thai, malaysia, name="next", org="MyCERT", as_org="ThaiCERT")
    link(malaysia, singapore, name="next", org="SingCERT", as_org="MyCERT")
    link(singapore, thai, name="next", org="ThaiCERT", as_org="SingCERT")
    published = indicator(tlp="green")
    thai.submit("ThaiCERT", [published])
    rounds = 0
    while rounds < 10:
        moved = sum(sync(node, "next") for node in (thai, malaysia, singapore))
        rounds += 1
        if moved == 0:
            break
    assert rounds <= 4, "the ring stops forwarding once every node has the version"
    for node in (thai, malaysia, singapore):
        assert node.versions("ThaiCERT") == [(published["id"], published["modified"])]


def test_objects_for_a_group_the_peer_is_not_configured_with_stay_home(nodes: Callable[[str], Node]) -> None:
    thai, hub = nodes("thai"), nodes("hub")
    with write_transaction(thai.engine) as conn:
        local_only = add_group(conn, name="thai-banks", owner="ThaiCERT", members=["ThaiCERT", "ASEAN-CERT"])
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    addressed = indicator(tlp="green", markings=[local_only.marking_id])
    thai.submit("ThaiCERT", [addressed, plain := indicator(tlp="green")])
    sync(thai, "hub")
    # The hub has no group of that name: it would read the object as addressed to everyone.
    assert hub.ids("ThaiCERT") == {plain["id"]}


def test_an_anonymous_submission_stays_anonymous_on_the_next_node(nodes: Callable[[str], Node]) -> None:
    thai, hub = nodes("thai"), nodes("hub")
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    link(hub, thai, name="th-node", org="ThaiCERT", as_org="ASEAN-CERT")
    secret = indicator(tlp="green")
    anonymous = token_for(thai.engine, "ThaiCERT", through_hub=True)
    posted = httpx.post(
        f"{thai.api_root}collections/{REGIONAL_ID}/objects/",
        json={"objects": [secret]},
        headers={
            "Authorization": f"Bearer {anonymous}",
            "Accept": "application/taxii+json;version=2.1",
            "Content-Type": "application/taxii+json;version=2.1",
        },
    )
    assert posted.status_code == 202
    sync(thai, "hub")
    reader = token_for(hub.engine, "MyCERT")
    origin = httpx.get(
        f"{hub.running.url}/api/v1/collections/{REGIONAL_ID}/objects/{secret['id']}/provenance",
        headers={"Authorization": f"Bearer {reader}"},
    ).json()
    assert [(p["submitter"], p["anonymous"], p["via_peer"]) for p in origin] == [
        ("(submitted through the hub)", True, None)
    ], "neither the submitter nor the node it came from is told"


def test_a_collection_the_peer_lacks_is_reported_and_does_not_block_the_rest(
    nodes: Callable[[str], Node],
) -> None:
    from gotong.intel.collections import add_collection

    thai, hub = nodes("thai"), nodes("hub")
    with write_transaction(thai.engine) as conn:
        local = add_collection(conn, title="Thai only")
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    with read_connection(thai.engine) as conn:
        principal = Principal(org_id=get_org(conn, short_name="ThaiCERT").id, org_short="ThaiCERT")
    add_objects(thai.engine, principal=principal, collection_id=local.id, objects=[indicator(tlp="green")])
    thai.submit("ThaiCERT", [shared := indicator(tlp="green")])
    assert sync(thai, "hub") == 2
    assert hub.ids("ThaiCERT") == {shared["id"]}
    with read_connection(thai.engine) as conn:
        [status] = peer_statuses(conn)
    assert status.last_error and f"collection {local.id} is not open to this node there" in status.last_error
    assert status.backlog == 0 and status.sent == 1


def test_a_slow_peer_does_not_delay_the_others(nodes: Callable[[str], Node]) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from gotong.core.jobs import ThreadRunner
    from gotong.federation import jobs

    release = threading.Event()

    class Stalling(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(60)  # answers nothing until the test is over
            self.send_error(503)

        def log_message(self, format: str, *args: object) -> None:
            pass

    stalled = ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=stalled.serve_forever, daemon=True).start()
    thai, hub = nodes("thai"), nodes("hub")
    with write_transaction(thai.engine) as conn:
        add_peer(
            conn,
            name="a-slow",  # sorted before "hub": a serial loop would stall on it first
            url=f"http://127.0.0.1:{stalled.server_address[1]}/api1/",
            token="t",
            org="SingCERT",
            push=True,
            pull=False,
        )
    link(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    runner = ThreadRunner()
    jobs.register(runner, thai.engine, poll=0.2)
    runner.start()
    try:
        published = indicator(tlp="green")
        thai.submit("ThaiCERT", [published])
        deadline = time.monotonic() + 30
        while published["id"] not in hub.ids("ThaiCERT") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert published["id"] in hub.ids("ThaiCERT"), "the hub got it while the slow peer stalled"
        with read_connection(thai.engine) as conn:
            by_name = {s.name: s for s in peer_statuses(conn)}
        assert by_name["a-slow"].backlog == 1 and by_name["a-slow"].sent == 0
    finally:
        release.set()
        runner.stop()
        stalled.shutdown()
        stalled.server_close()
