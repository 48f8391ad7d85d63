"""Helpers for the incidents tests: a REST client per organisation against the real server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gotong.core.auth import Role
from tests.conftest import RunningServer, token_for

CASES = "/api/v1/cases"


class Api:
    """One organisation's REST client on the running node."""

    def __init__(self, server: RunningServer, org: str, role: Role = Role.ANALYST) -> None:
        self.org = org
        self.token = token_for(server.engine, org, role=role)
        self.http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {self.token}"})

    def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    def refused(self, method: str, path: str, status: int, **kwargs: Any) -> str:
        """A request that must fail with ``status`` and a body naming the problem."""
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        description: str = response.json()["description"]
        assert description
        return description

    def open_case(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "Ransomware at a port operator", "collection": "asean-regional", **fields}
        found: dict[str, Any] = self.ok("POST", CASES, 201, json=body)
        return found


@pytest.fixture
def api(server: RunningServer) -> Iterator[Any]:
    """``api("ThaiCERT")`` (or ``api("ThaiCERT", Role.READONLY)``): a client acting for that organisation."""
    made: list[Api] = []

    def make(org: str, role: Role = Role.ANALYST) -> Api:
        made.append(Api(server, org, role))
        return made[-1]

    yield make
    for client in made:
        client.http.close()
