"""Helpers for the assistance tests: a REST client per organisation against the real server, and the
bodies of valid requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gotong.core.auth import Role
from tests.conftest import RunningServer, token_for

ASSISTANCE = "/api/v1/assistance"
PRESERVATION_FIELDS = {
    "requesting_authority": "Royal Thai Police, Technology Crime Suppression Division",
    "offence": "Extortion by ransomware of a Bangkok hospital on 2026-11-28",
    "data_to_preserve": "Subscriber and connection logs of 198.51.100.23, 2026-11-27 to 2026-11-29: the "
    "address received the ransom negotiation traffic",
    "custodian": "A hosting provider in Kuala Lumpur (AS64500)",
    "necessity": "The provider keeps connection logs for 14 days only",
    "mutual_assistance_intent": "A request under art. 31 will follow through the central authority",
}


class Api:
    """One organisation's REST client on the running node."""

    def __init__(self, server: RunningServer, org: str, role: Role = Role.ANALYST) -> None:
        self.org = org
        self.token = token_for(server.engine, org, role=role)
        self.http = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        )

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

    def request(self, **fields: Any) -> dict[str, Any]:
        body = {
            "addressee": "MyCERT",
            "kind": "information",
            "title": "Who runs this C2 address?",
            "fields": {"question": "Who operates 198.51.100.23?"},
            **fields,
        }
        found: dict[str, Any] = self.ok("POST", ASSISTANCE, 201, json=body)
        return found

    def preservation(self, **fields: Any) -> dict[str, Any]:
        return self.request(
            kind="preservation", title="Preserve the hosting logs", fields=PRESERVATION_FIELDS, **fields
        )


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
