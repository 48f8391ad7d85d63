"""The sender's rules against the sharing oracle, on random worlds (the sharing property generators).

For each generated world, peers standing for some of its organisations (with a random TLP ceiling
and a random subset of the world's groups) are pushed to over real HTTP. What a receiving endpoint
gets must be exactly the versions the oracle lets that organisation see, under the ceiling, minus
those addressed to a group the peer is not configured with: nothing leaks and nothing is held
back that may go.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from gotong.db.engine import write_transaction
from gotong.federation.jobs import sync_peer_once
from gotong.federation.models import peers
from gotong.federation.service import add_peer
from tests.sharing.oracle import LEVELS
from tests.sharing.test_visibility_properties import EXAMPLES
from tests.sharing.worlds import WorldDraw, world_in, worlds


class Receiver:
    """A TAXII-shaped endpoint that accepts every envelope and remembers it, by peer token."""

    def __init__(self) -> None:
        self.received: dict[str, list[tuple[str, bytes]]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                token = self.headers["Authorization"].removeprefix("Bearer ")
                collection = self.path.split("/collections/")[1].split("/")[0]
                objects = orjson.loads(body)["objects"]
                receiver.received.setdefault(token, []).extend((collection, orjson.dumps(o)) for o in objects)
                status = {
                    "id": str(uuid.uuid4()),
                    "status": "complete",
                    "total_count": len(objects),
                    "success_count": len(objects),
                    "failure_count": 0,
                    "pending_count": 0,
                }
                answer = orjson.dumps(status)
                self.send_response(202)
                self.send_header("Content-Type", "application/taxii+json;version=2.1")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api1/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@settings(
    max_examples=max(5, EXAMPLES // 2),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(draw=worlds(), data=st.data())
def test_a_peer_receives_exactly_what_its_organisation_may_see(
    engine: Engine, receiver: Receiver, draw: WorldDraw, data: st.DataObject
) -> None:
    with world_in(engine, draw) as world:
        chosen = data.draw(st.lists(st.sampled_from(world.orgs), min_size=1, max_size=3, unique=True))
        made: list[tuple[str, str, str, frozenset[str]]] = []  # (peer name, token, org, groups)
        try:
            for org in chosen:
                ceiling = data.draw(st.sampled_from(LEVELS), label="max_tlp")
                groups = frozenset(
                    data.draw(
                        st.lists(st.sampled_from(sorted(world.rules.groups)), unique=True), label="groups"
                    )
                    if world.rules.groups
                    else []
                )
                name, token = f"p-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
                with write_transaction(engine) as conn:
                    add_peer(
                        conn,
                        name=name,
                        url=receiver.url,
                        token=token,
                        org=org,
                        push=True,
                        pull=False,
                        collections=world.collection_ids,
                        max_tlp=ceiling,
                        groups=sorted(groups),
                    )
                made.append((name, token, org, groups))
                with httpx.Client(timeout=30) as client:
                    sync_peer_once(engine, name, client)
                expected = {
                    (row.collection_id, orjson.dumps(orjson.loads(row.body)))
                    for row in world.rows
                    if world.rules.sees(org, row.posted)
                    and LEVELS.index(world.rules.marking(row.posted)) <= LEVELS.index(ceiling)
                    and _group_allowed(world.rules.cited_group(row.posted), groups)
                }
                got = set(receiver.received.pop(token, []))
                assert got == expected, f"peer for {org} (max {ceiling}, groups {sorted(groups)})"
        finally:
            with write_transaction(engine) as conn:
                conn.execute(delete(peers).where(peers.c.name.in_([m[0] for m in made])))


def _group_allowed(group: Any, configured: frozenset[str]) -> bool:
    return group is None or group.name in configured
