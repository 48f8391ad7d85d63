"""A hub and three national nodes, each a separate ``gotong serve`` process with its own database.

Topology: ThaiCERT, MyCERT and SingCERT nodes push to the hub and the hub pushes to each of them;
the Thai and Malaysian nodes also peer directly, and the Singapore node also follows the hub's live
change feed (so versions reach Malaysia and Singapore by two routes each).
Everything moves by the nodes' own sync threads; the test only publishes over TAXII, waits until
no node has a backlog, and then checks where each object is stored.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from taxii2client.v21 import Collection

from gotong.db.engine import read_connection, write_transaction
from gotong.federation.service import add_peer, peer_statuses
from gotong.intel.models import stix_objects
from gotong.sharing.models import GroupKind
from gotong.sharing.service import add_group, get_group
from tests.conftest import token_for
from tests.helpers import REGIONAL_ID, indicator

pytestmark = pytest.mark.slow

NATIONAL = {"th": "ThaiCERT", "my": "MyCERT", "sg": "SingCERT"}
ORG = {"hub": "ASEAN-CERT", **NATIONAL}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NodeProcess:
    def __init__(self, name: str, engine: Engine, tmp: Path) -> None:
        self.name, self.engine, self.port = name, engine, _free_port()
        self.env = {
            **os.environ,
            "GOTONG_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "GOTONG_PORT": str(self.port),
            "GOTONG_NODE_ORG": ORG[name],
            "GOTONG_NODE_KEY_FILE": str(tmp / f"{name}.key"),
            "GOTONG_FEDERATION_POLL_SECONDS": "0.2",
            "GOTONG_FEDERATION_MAX_BACKOFF_SECONDS": "0.5",
            "GOTONG_FEED_SCHEDULER": "false",
        }
        self.log = tmp / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_root(self) -> str:
        return f"http://127.0.0.1:{self.port}/api1/"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gotong", "serve"], env=self.env, stdout=log, stderr=log
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()[-2000:]
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/taxii2/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"node {self.name} did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def stored(self, ids: set[str]) -> dict[str, int]:
        """How many versions of each of ``ids`` this node's database holds."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                select(stix_objects.c.stix_id, func.count())
                .where(stix_objects.c.stix_id.in_(ids))
                .group_by(stix_objects.c.stix_id)
            ).all()
        return {row[0]: int(row[1]) for row in rows}

    def backlog(self) -> int:
        with read_connection(self.engine) as conn:
            return sum(s.backlog for s in peer_statuses(conn))


@pytest.fixture
def network(other_node: Callable[[str], Engine], tmp_path: Path) -> Iterator[dict[str, NodeProcess]]:
    nodes = {name: NodeProcess(name, other_node(name), tmp_path) for name in ORG}
    for node in nodes.values():
        with write_transaction(node.engine) as conn:
            add_group(
                conn,
                name="th-my",
                owner="ThaiCERT",
                members=["ThaiCERT", "MyCERT"],
                kind=GroupKind.NAMED_RECIPIENTS,
            )
            add_group(conn, name="th-sg", owner="ThaiCERT", members=["ThaiCERT", "SingCERT", "ASEAN-CERT"])

    def link(sender: str, receiver: str, *, pull: bool = False) -> None:
        token = token_for(nodes[receiver].engine, ORG[sender])
        with write_transaction(nodes[sender].engine) as conn:
            add_peer(
                conn,
                name=f"to-{receiver}",
                url=nodes[receiver].api_root,
                token=token,
                org=ORG[receiver],
                push=True,
                pull=pull,
                groups=["th-my", "th-sg"],  # every node defines both groups alike
            )

    for national in NATIONAL:
        # Singapore's node also follows the hub's live change feed: two routes, one effect.
        link(national, "hub", pull=national == "sg")
        link("hub", national)
    link("th", "my")
    link("my", "th")
    for node in nodes.values():
        node.start()
    try:
        for node in nodes.values():
            node.wait_ready()
        yield nodes
    finally:
        for node in nodes.values():
            node.stop()


def publish(node: NodeProcess, objects: list[dict[str, Any]]) -> None:
    """POST over TAXII with the OASIS client, as the node's own organisation."""
    token = token_for(node.engine, ORG[node.name])
    collection = Collection(f"{node.api_root}collections/{REGIONAL_ID}/", user=ORG[node.name], password=token)
    status = collection.add_objects({"objects": objects})
    assert status.success_count == len(objects), status.failures


def settle(nodes: dict[str, NodeProcess], until: Callable[[], bool], timeout: float = 240) -> None:
    """Wait until ``until()`` holds and no node has anything left to send."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until() and all(n.backlog() == 0 for n in nodes.values()):
            return
        time.sleep(0.2)
    raise AssertionError(
        "the network did not settle: " + "; ".join(f"{n.name} backlog {n.backlog()}" for n in nodes.values())
    )


def where(nodes: dict[str, NodeProcess], stix_id: str) -> set[str]:
    return {name for name, node in nodes.items() if node.stored({stix_id})}


def test_objects_reach_exactly_the_nodes_whose_organisations_may_see_them(
    network: dict[str, NodeProcess],
) -> None:
    nodes = network
    with read_connection(nodes["th"].engine) as conn:
        th_my, th_sg = (get_group(conn, name=g).marking_id for g in ("th-my", "th-sg"))
    cases = {
        "clear": (indicator(tlp="clear"), {"th", "hub", "my", "sg"}),
        "green": (indicator(tlp="green"), {"th", "hub", "my", "sg"}),
        "amber+strict": (indicator(tlp="amber+strict"), {"th", "hub", "my"}),  # never forwarded onward
        "red to th-my": (indicator(tlp="red", markings=[th_my]), {"th", "my"}),
        "green to th-sg": (indicator(tlp="green", markings=[th_sg]), {"th", "hub", "sg"}),
        "red, no recipients": (indicator(tlp="red"), {"th"}),
    }
    publish(nodes["th"], [obj for obj, _ in cases.values()])
    settle(nodes, lambda: all(where(nodes, obj["id"]) >= expected for obj, expected in cases.values()))
    for label, (obj, expected) in cases.items():
        assert where(nodes, obj["id"]) == expected, label
        for name in expected:
            assert nodes[name].stored({obj["id"]}) == {obj["id"]: 1}, f"{label} stored once at {name}"

    # A revocation travels like any new version; a deletion follows the version everywhere it went.
    green, _ = cases["green"]
    clear, _ = cases["clear"]
    publish(nodes["th"], [{**green, "modified": "2026-03-01T00:00:00.000Z", "revoked": True}])
    token = token_for(nodes["th"].engine, "ThaiCERT")
    deleted = httpx.delete(
        f"{nodes['th'].api_root}collections/{REGIONAL_ID}/objects/{clear['id']}/",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1"},
    )
    assert deleted.status_code == 200
    settle(
        nodes,
        lambda: (
            all(n.stored({green["id"]}) == {green["id"]: 2} for n in nodes.values())
            and not any(n.stored({clear["id"]}) for n in nodes.values())
        ),
    )


def test_a_node_killed_mid_sync_catches_up_with_nothing_lost_or_doubled(
    network: dict[str, NodeProcess],
) -> None:
    nodes = network
    batch = [indicator(tlp="green") for _ in range(300)]
    ids = {o["id"] for o in batch}
    publish(nodes["th"], batch[:150])
    nodes["hub"].kill()  # while the first half is on its way
    publish(nodes["th"], batch[150:])
    nodes["sg"].kill()  # a partition: the hub will not reach Singapore for a while
    nodes["hub"].start()
    nodes["hub"].wait_ready()
    time.sleep(1.0)
    nodes["sg"].start()
    nodes["sg"].wait_ready()
    settle(nodes, lambda: all(len(n.stored(ids)) == len(ids) for n in nodes.values()), timeout=300)
    for node in nodes.values():
        assert node.stored(ids) == dict.fromkeys(ids, 1), f"each version exactly once at {node.name}"
    with read_connection(nodes["th"].engine) as conn:
        to_hub = next(s for s in peer_statuses(conn) if s.name == "to-hub")
    assert to_hub.backlog == 0 and to_hub.last_success is not None
