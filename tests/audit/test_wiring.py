"""The node's own services write the audit log: writes, tokens, memberships and retrieval batches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import httpx
import orjson
import pytest
from sqlalchemy import Engine, select, update

from gotong.audit import verify
from gotong.audit.models import audit_log
from gotong.db.engine import make_engine, read_connection, write_transaction
from gotong.node import init_node
from gotong.orgs.service import create_token, revoke_token
from gotong.sharing.service import add_group, set_members
from tests.conftest import start_server
from tests.helpers import REGIONAL_ID, indicator

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def node(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    init_node(eng, preset="asean")
    yield eng
    eng.dispose()


def _actions(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.subject).order_by(audit_log.c.seq))
        return [(r.action, r.subject) for r in rows]


def test_every_kind_of_change_is_chained_and_verifies(node: Engine) -> None:
    actions = _actions(node)
    assert ("org.create", "ThaiCERT") in actions
    assert ("collection.create", REGIONAL_ID) in actions
    with write_transaction(node) as conn:
        token = create_token(conn, org="ThaiCERT", actor="cli")
        add_group(conn, name="th-my", members=["ThaiCERT"], owner="ThaiCERT", actor="cli")
        set_members(conn, name="th-my", add=["MyCERT"], actor="cli")
        revoke_token(conn, token=token, actor="cli")

    srv, thread, running = start_server(node)
    try:
        headers = {"Authorization": f"Bearer {_token(node, 'MyCERT')}", "Accept": TAXII}
        url = f"{running.url}/{running.settings.api_root}/collections/{REGIONAL_ID}/objects/"
        posted = indicator(tlp="clear")
        response = httpx.post(
            url, content=orjson.dumps({"objects": [posted]}), headers={**headers, "Content-Type": TAXII}
        )
        assert response.status_code == 202
        reader = {"Authorization": f"Bearer {_token(node, 'LaoCERT')}", "Accept": TAXII}
        assert httpx.get(url, headers=reader).status_code == 200
        running_receipts = cast(Any, srv.config.app).state.receipts
        running_receipts.flush()
    finally:
        srv.should_exit = True
        thread.join(timeout=10)

    names = [a for a, _ in _actions(node)]
    for expected in (
        "token.create",
        "group.create",
        "group.members",
        "token.revoke",
        "objects.add",
        "objects.read",
    ):
        assert expected in names, expected
    with node.connect() as conn:
        add = (
            conn.execute(select(audit_log.c.details).where(audit_log.c.action == "objects.add"))
            .scalars()
            .all()
        )
    assert any(posted["id"] in json.loads(d).get("ids", []) for d in add)
    with read_connection(node) as conn:
        assert verify(conn).ok

    with write_transaction(node) as conn:
        conn.execute(update(audit_log).where(audit_log.c.action == "objects.add").values(subject="forged"))
    with read_connection(node) as conn:
        result = verify(conn)
    assert not result.ok and result.reason is not None and "altered" in result.reason


def _token(engine: Engine, org: str) -> str:
    with write_transaction(engine) as conn:
        return create_token(conn, org=org)
