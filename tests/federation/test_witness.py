"""Witnesses: peers keep each other's newest audit checkpoint, and catch what the node alone cannot.

Real nodes on loopback (one database and data folder each), real HTTP between them through the
outbound policy: ThaiCERT's node and the hub's node are peers of each other; the hub witnesses
ThaiCERT's log, and ThaiCERT asks the hub what it holds.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, delete, func, select

from gotong.audit import VerifyResult
from gotong.audit.models import audit_log
from gotong.checkpoints import HISTORY_FILE, KEPT_FILE, keep_checkpoint, verify_node, verify_own
from gotong.core.auth import Principal, Role
from gotong.core.outbound import outbound_client
from gotong.db.engine import read_connection, write_transaction
from gotong.federation import witness
from gotong.federation.service import add_peer
from gotong.intel.store import add_objects
from gotong.orgs.passwords import set_password
from gotong.orgs.service import add_user, get_org
from gotong.settings import Settings
from tests.cli.test_cli import command
from tests.conftest import start_server, token_for
from tests.helpers import REGIONAL_ID, indicator


@dataclass
class Served:
    name: str
    engine: Engine
    settings: Settings
    url: str

    @property
    def folder(self) -> Path:
        return Path(self.settings.node_key_file).parent

    def submit(self, org: str, count: int = 1) -> None:
        with read_connection(self.engine) as conn:
            principal = Principal(org_id=get_org(conn, short_name=org).id, org_short=org)
        objects = [indicator(tlp="green") for _ in range(count)]
        assert not add_objects(
            self.engine, principal=principal, collection_id=REGIONAL_ID, objects=objects
        ).failures

    def keep(self) -> dict[str, Any]:
        return keep_checkpoint(self.engine, settings=self.settings)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "GOTONG_DATABASE_URL": str(self.engine.url),
            "GOTONG_DATA_DIR": self.settings.data_dir,
        }
        return command(env, *args)

    def check(self, statement: dict[str, Any]) -> VerifyResult:
        with read_connection(self.engine, snapshot=True) as conn:
            return verify_own(conn, statement, settings=self.settings)


@pytest.fixture
def serve(
    other_node: Callable[[str], Engine], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Served]]:
    stops: list[Callable[[], None]] = []

    def make(name: str, **settings: object) -> Served:
        engine = other_node(name)
        settings.setdefault("federation", False)
        srv, thread, running = start_server(engine, data_dir=str(tmp_path / name), **settings)

        def stop() -> None:
            srv.should_exit = True
            thread.join(timeout=60)

        stops.append(stop)
        return Served(name, engine, running.settings, running.url)

    yield make
    for stop in stops:
        stop()


def peer_of(node: Served, other: Served, *, name: str, org: str, as_org: str) -> None:
    """``node`` federates with ``other`` (organisation ``org`` here), which knows it as ``as_org``."""
    with write_transaction(node.engine) as conn:
        add_peer(
            conn,
            name=name,
            url=f"{other.url}/{other.settings.api_root}/",
            token=token_for(other.engine, as_org),
            org=org,
            push=True,
            pull=False,
        )


@pytest.fixture
def pair(serve: Callable[..., Served]) -> tuple[Served, Served]:
    thai, hub = serve("thai"), serve("hub")
    peer_of(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    peer_of(hub, thai, name="thai", org="ThaiCERT", as_org="ASEAN-CERT")
    return thai, hub


def witness_round(hub: Served) -> list[witness.Witnessed]:
    with outbound_client() as client:
        return witness.witness_peers(hub.engine, hub.folder, client)


def verify_at_witnesses(thai: Served) -> list[witness.WitnessCheck]:
    with outbound_client() as client:
        return witness.verify_witnessed(thai.engine, client, thai.check)


def test_a_witness_catches_a_cut_log_after_the_node_s_own_checkpoint_files_are_gone(
    pair: tuple[Served, Served],
) -> None:
    thai, hub = pair
    thai.submit("ThaiCERT", count=3)
    signed = thai.keep()
    [kept] = witness_round(hub)
    assert kept.kept and kept.detail == f"record {signed['seq']} of {signed['at']}"
    # Positive control: what the hub holds matches ThaiCERT's log as it is.
    [fine] = verify_at_witnesses(thai)
    assert fine.ok is True and fine.witness == "hub" and "matches the log" in fine.detail
    before = thai.cli("audit", "verify", "--witnesses")
    assert before.returncode == 0, before.stderr
    assert f"witness hub: the checkpoint of {signed['at']} (record {signed['seq']}) matches" in before.stdout

    # Someone holding ThaiCERT's database and files cuts the log's tail and the kept checkpoints.
    with write_transaction(thai.engine) as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq > signed["seq"] - 2))
    for name in (KEPT_FILE, HISTORY_FILE):
        (thai.folder / name).unlink()
    with read_connection(thai.engine, snapshot=True) as conn:
        alone, checkpoint = verify_node(conn, settings=thai.settings)
    assert alone.ok and checkpoint is None, (
        "the node alone cannot tell: its chain is whole and it kept nothing"
    )

    [caught] = verify_at_witnesses(thai)
    assert caught.ok is False
    assert "log truncated" in caught.detail and f"covers record {signed['seq']}" in caught.detail
    after = thai.cli("audit", "verify", "--witnesses")
    assert after.returncode == 1 and "Traceback" not in after.stderr
    assert after.stderr.strip() == "Error: 1 checkpoint(s) held by witnesses do not match this node's log"
    assert "witness hub: the checkpoint of" in after.stdout and "log truncated" in after.stdout

    # A checkpoint signed now (with the node's key) covers fewer records: the witness keeps the old one.
    thai.keep()
    [refused] = witness_round(hub)
    assert not refused.kept and refused.detail.startswith("log went backwards")
    assert witness.held(hub.folder)["thai"]["checkpoint"]["seq"] == signed["seq"]
    assert [r["reason"] for r in witness.refusals(hub.folder)["thai"]] == [refused.detail]


def test_a_witness_pins_the_key_a_peer_signed_with_first(pair: tuple[Served, Served]) -> None:
    thai, hub = pair
    first = thai.keep()
    assert witness_round(hub)[0].kept
    thai.submit("ThaiCERT")
    newer = thai.keep()
    [moved_on] = witness_round(hub)
    assert moved_on.kept and newer["seq"] > first["seq"], "a longer log signed with the same key is kept"

    Path(thai.settings.node_key_file).unlink()  # a new key: what someone who rewrote history would use
    thai.keep()
    [refused] = witness_round(hub)
    assert not refused.kept and "another key than the one this node witnessed first" in refused.detail
    assert witness.held(hub.folder)["thai"]["checkpoint"] == newer


def _dashboard(node: Served, email: str) -> str:
    with write_transaction(node.engine) as conn:
        role = Role.ADMIN if email.startswith("admin") else Role.ANALYST
        add_user(conn, email=email, org="ASEAN-CERT", role=role)
        set_password(conn, email=email, password="witness-test-password")
    with httpx.Client(base_url=node.url) as client:
        found = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert found is not None
        form = {"csrf": found.group(1), "email": email, "password": "witness-test-password", "next": "/"}
        assert client.post("/login", data=form).status_code == 303
        page = client.get("/")
        assert page.status_code == 200, page.text
        return page.text


def test_a_refused_checkpoint_is_on_the_admins_dashboard_and_nobody_else_s(
    pair: tuple[Served, Served],
) -> None:
    thai, hub = pair
    thai.keep()
    assert witness_round(hub)[0].kept
    Path(thai.settings.node_key_file).unlink()
    thai.keep()
    assert not witness_round(hub)[0].kept

    with read_connection(hub.engine) as conn:
        admin = Principal(
            org_id=get_org(conn, short_name="ASEAN-CERT").id, org_short="ASEAN-CERT", role=Role.ADMIN
        )
    [status] = witness.witness_status_for(hub.engine, hub.folder, actor=admin)
    assert (status.peer, status.refused) == ("thai", 1)
    assert status.record is not None and "another key" in (status.last_refusal or "")
    analyst = Principal(org_id=admin.org_id, org_short="ASEAN-CERT", role=Role.ANALYST)
    assert witness.witness_status_for(hub.engine, hub.folder, actor=analyst) == []

    shown = _dashboard(hub, "admin@witness.example")
    assert (
        "Audit checkpoints witnessed" in shown
        and "another key than the one this node witnessed first" in shown
    )
    hidden = _dashboard(hub, "analyst@witness.example")
    assert "Audit checkpoints witnessed" not in hidden and "another key" not in hidden
    assert "Dashboard" in hidden, "the positive control: the analyst's dashboard itself is served"


def test_only_peers_and_admins_read_a_node_s_checkpoint_and_each_peer_gets_back_only_its_own(
    pair: tuple[Served, Served], serve: Callable[..., Served]
) -> None:
    thai, hub = pair
    malaysia = serve("malaysia")
    peer_of(malaysia, hub, name="hub", org="ASEAN-CERT", as_org="MyCERT")
    peer_of(hub, malaysia, name="malaysia", org="MyCERT", as_org="ASEAN-CERT")
    url = f"{thai.url}/api/v1/audit/checkpoint"
    peer_token = token_for(thai.engine, "ASEAN-CERT")
    with httpx.Client(timeout=30) as client:
        none_yet = client.get(url, headers={"Authorization": f"Bearer {peer_token}"})
        assert none_yet.status_code == 404 and "no audit checkpoint yet" in none_yet.text
        signed = thai.keep()
        assert client.get(url, headers={"Authorization": f"Bearer {peer_token}"}).json() == signed
        member = client.get(url, headers={"Authorization": f"Bearer {token_for(thai.engine, 'MyCERT')}"})
        assert member.status_code == 403 and "federates with" in member.text
        admin = token_for(thai.engine, "MyCERT", role="admin")
        assert client.get(url, headers={"Authorization": f"Bearer {admin}"}).status_code == 200
        assert client.get(url).status_code == 401

        their = malaysia.keep()
        assert all(w.kept for w in witness_round(hub))
        held = f"{hub.url}/api/v1/audit/witnessed"
        as_thai = client.get(held, headers={"Authorization": f"Bearer {token_for(hub.engine, 'ThaiCERT')}"})
        as_my = client.get(held, headers={"Authorization": f"Bearer {token_for(hub.engine, 'MyCERT')}"})
    assert as_thai.json() == [signed]
    assert as_my.json() == [their] and their != signed


def test_a_serving_node_witnesses_its_peers_on_its_own(
    serve: Callable[..., Served],
) -> None:
    thai = serve("thai")
    hub = serve("hub", federation=True, audit_checkpoints=True, audit_checkpoint_seconds=0.2)
    peer_of(hub, thai, name="thai", org="ThaiCERT", as_org="ASEAN-CERT")
    peer_of(thai, hub, name="hub", org="ASEAN-CERT", as_org="ThaiCERT")
    signed = thai.keep()
    deadline = time.monotonic() + 60
    while "thai" not in witness.held(hub.folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert witness.held(hub.folder)["thai"]["checkpoint"] == signed
    with read_connection(thai.engine) as conn:
        records = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    assert signed["seq"] == records
