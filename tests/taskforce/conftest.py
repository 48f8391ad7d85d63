"""The taskforce on a real node: the ten seats held by users of the taskforce, and a REST client per
seat (its holder's token) or per CERT."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from gotong import taskforce
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import add_user, create_token, get_org
from tests.conftest import RunningServer

TF = "/api/v1/taskforce"
STATES = ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]


def holder(state: str) -> str:
    return f"seat.{state.lower()}@taskforce.example"


def alternate(state: str) -> str:
    return f"alternate.{state.lower()}@taskforce.example"


def operator(engine: Engine, org: str = "ASEAN-TF") -> Principal:
    with read_connection(engine) as conn:
        found = get_org(conn, short_name=org)
    return Principal(org_id=found.id, org_short=found.short_name)


def seat_roster(engine: Engine) -> None:
    """Every state's seat, held by a taskforce user with an alternate (as the node's operator)."""
    with write_transaction(engine) as conn:
        for state in STATES:
            add_user(conn, email=holder(state), org="ASEAN-TF", role=Role.TASKFORCE)
            add_user(conn, email=alternate(state), org="ASEAN-TF", role=Role.TASKFORCE)
    for state in STATES:
        body = taskforce.SeatAssign(state=state, holder=holder(state), alternate=alternate(state))
        taskforce.assign_seat(engine, actor=operator(engine), seat=body)


def seat_principal(engine: Engine, state: str) -> Principal:
    """The principal a seat holder's token gives (for calling the verbs with a clock of the test's)."""
    from gotong.orgs.service import authenticate

    token = seat_token(engine, state)
    with read_connection(engine) as conn:
        return authenticate(conn, token=token)


def seat_token(engine: Engine, state: str, role: Role = Role.TASKFORCE) -> str:
    with write_transaction(engine) as conn:
        return create_token(conn, org="ASEAN-TF", user_email=holder(state), role=role)


class Client:
    def __init__(self, server: RunningServer, token: str) -> None:
        self.http = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    def refused(self, method: str, path: str, status: int, **kwargs: Any) -> str:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        description: str = response.json()["description"]
        return description


@pytest.fixture
def seated(server: RunningServer) -> RunningServer:
    seat_roster(server.engine)
    return server


@pytest.fixture
def client(seated: RunningServer) -> Iterator[Any]:
    """``client("VN")`` for Viet Nam's seat holder, ``client(org="ThaiCERT")`` for a CERT analyst."""
    made: list[Client] = []

    def make(state: str | None = None, *, org: str | None = None, role: Role = Role.ANALYST) -> Client:
        if state is not None:
            token = seat_token(seated.engine, state)
        else:
            with write_transaction(seated.engine) as conn:
                token = create_token(conn, org=org or "ThaiCERT", role=role)
        made.append(Client(seated, token))
        return made[-1]

    yield make
    for c in made:
        c.http.close()
