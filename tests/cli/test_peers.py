"""``gotong peer status`` counts between two real nodes: a resend counts nothing twice, and a
deletion does not make RECEIVED go down."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.cli.test_cli import ok
from tests.conftest import RunningServer, start_server, token_for
from tests.helpers import REGIONAL, REGIONAL_ID, indicator


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def hub(other_node: Callable[[str], Engine]) -> Iterator[RunningServer]:
    server, thread, running = start_server(other_node("hub"), federation=False, feed_scheduler=False)
    yield running
    server.should_exit = True
    thread.join(timeout=60)


def status(engine: Engine, peer: str) -> dict[str, Any]:
    statuses: list[dict[str, Any]] = json.loads(ok(url(engine), "peer", "status", "--json"))
    [found] = [s for s in statuses if s["name"] == peer]
    return found


def test_peer_counts_stay_true_through_resend_and_deletion(
    hub: RunningServer, other_node: Callable[[str], Engine], tmp_path: Path
) -> None:
    thai = other_node("thai")
    # The hub knows the Thai node as a peer standing for ThaiCERT (what it pushes arrives "via" it).
    ok(
        url(hub.engine),
        "peer",
        "add",
        "th",
        "--url",
        "http://127.0.0.1:9/api1/",
        "--token",
        "t",
        "--org",
        "ThaiCERT",
        "--pull",
    )
    token = token_for(hub.engine, "ThaiCERT")
    ok(
        url(thai),
        "peer",
        "add",
        "hub",
        "--url",
        hub.api_root,
        "--token",
        token,
        "--org",
        "ASEAN-CERT",
        "--push",
    )
    kept, dropped, red = indicator(tlp="green"), indicator(tlp="green"), indicator(tlp="red")
    path = tmp_path / "objects.json"
    path.write_text(json.dumps([kept, dropped, red]))
    ok(url(thai), "import", str(path), "--org", "ThaiCERT", "--collection", REGIONAL)

    ok(url(thai), "peer", "sync", "hub")
    first = status(thai, "hub")
    assert (first["sent"], first["withheld"], first["backlog"]) == (2, 1, 0), "TLP:RED without a group stays"
    assert "everything will be sent again" in ok(url(thai), "peer", "resend", "hub")
    ok(url(thai), "peer", "sync", "hub")
    again = status(thai, "hub")
    assert (again["sent"], again["withheld"], again["backlog"]) == (2, 1, 0), "a resend counts nothing twice"

    assert status(hub.engine, "th")["received"] == 2
    deleted = httpx.delete(
        f"{hub.api_root}collections/{REGIONAL_ID}/objects/{dropped['id']}/",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1"},
    )
    assert deleted.status_code == 200
    stored = json.loads(ok(url(hub.engine), "export", "--org", "ThaiCERT", "--collection", REGIONAL))[
        "objects"
    ]
    assert [o["id"] for o in stored if o["type"] == "indicator"] == [kept["id"]], "the deletion happened"
    assert status(hub.engine, "th")["received"] == 2, "what was received stays received"
