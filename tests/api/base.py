"""A test base every REST resource inherits its access tests from, netbox-style.

A resource declares its ``method``, its ``url`` (``{placeholders}`` filled from the node), who may
call it (``role``: any member when None, else the lowest role that may) and whether it changes
state (``writes``), plus a ``body`` factory where it takes one. It then inherits:

* 401 without a token and with a wrong one;
* 403 for a readonly token when it changes state, and for the role just below the one it needs;
* success for the role it needs (and for readonly, when it only reads);
* 400 naming an unknown query parameter, and an unknown body field where it takes a body;
* where visibility applies (``hidden_url``), 404 or 403 for what the caller may not see or touch,
  beside the positive control of the same call on what it may.

``tests/api/test_contract.py`` checks that every ``/api/v1`` operation of the OpenAPI document has
a resource declared here, so a new endpoint cannot go without these tests.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import httpx
import pytest

from gotong.core.auth import Role
from tests.api.conftest import ApiNode

RANKED = [Role.READONLY, Role.ANALYST, Role.COORDINATOR, Role.ADMIN]
CALLER = "ThaiCERT"
"""The organisation whose tokens call every resource."""


class ResourceTests:
    """Inherit and declare; pytest collects the subclasses named ``Test...``."""

    method: ClassVar[str] = "GET"
    url: ClassVar[str]
    role: ClassVar[Role | None] = None  # None: any member of the network
    writes: ClassVar[bool] = False
    success: ClassVar[int] = 200
    streams: ClassVar[bool] = False  # Server-Sent Events: check the status, then close
    hidden_url: ClassVar[str | None] = None  # the same call on something the caller may not see
    hidden_status: ClassVar[int] = 404
    caller: ClassVar[str] = CALLER  # whose tokens make the calls (the hub, for what only it may do)
    user: ClassVar[str | None] = None  # the user they belong to, where the call needs a person (a seat)

    def body(self, node: ApiNode) -> dict[str, Any] | None:
        """The request body of a successful call (fresh names each time, so calls may repeat)."""
        return None

    # --- how a call is made -------------------------------------------------------------------

    def call(
        self,
        node: ApiNode,
        client: httpx.Client,
        *,
        url: str | None = None,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        target = (url or self.url).format(**vars(node))
        content = body if body is not None else self.body(node)
        request = client.build_request(self.method, target, params=params, json=content)
        response = client.send(request, stream=True)
        if not self.streams or response.status_code != 200:
            response.read()
        response.close()
        return response

    def client_of(self, node: ApiNode, role: Role) -> httpx.Client:
        return node.client(self.caller, role, user=self.user)

    def allowed(self) -> Role:
        """The lowest role that may make the call."""
        if self.role is not None:
            return self.role
        return Role.ANALYST if self.writes else Role.READONLY

    # --- the inherited tests ------------------------------------------------------------------

    def test_without_a_token_is_401(self, api_node: ApiNode) -> None:
        with api_node.client() as client:
            response = self.call(api_node, client)
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Basic")

    def test_with_a_wrong_token_is_401(self, api_node: ApiNode) -> None:
        with api_node.client(token=f"gtg_{uuid.uuid4().hex}") as client:
            response = self.call(api_node, client)
        assert response.status_code == 401, response.text
        assert "unknown or revoked" in response.json()["description"]

    def test_the_role_it_needs_succeeds(self, api_node: ApiNode) -> None:
        with self.client_of(api_node, self.allowed()) as client:
            response = self.call(api_node, client)
        assert response.status_code == self.success, response.text

    def test_readonly_tokens_may_only_read(self, api_node: ApiNode) -> None:
        with self.client_of(api_node, Role.READONLY) as client:
            response = self.call(api_node, client)
        if self.writes or self.role is not None:
            assert response.status_code == 403, response.text
            assert response.json()["title"] == "Forbidden"
        else:
            assert response.status_code == self.success, response.text

    def test_a_lower_role_is_403(self, api_node: ApiNode) -> None:
        needed = self.allowed()
        if needed not in RANKED or RANKED.index(needed) <= RANKED.index(Role.ANALYST):
            pytest.skip("the role below is readonly, checked by test_readonly_tokens_may_only_read")
        below = RANKED[RANKED.index(needed) - 1]
        with self.client_of(api_node, below) as client:
            response = self.call(api_node, client)
        assert response.status_code == 403, response.text
        assert needed.value in response.json()["description"]

    def test_an_unknown_query_parameter_is_400_naming_it(self, api_node: ApiNode) -> None:
        with self.client_of(api_node, self.allowed()) as client:
            response = self.call(api_node, client, params={"bogus_param": "1"})
        assert response.status_code == 400, response.text
        assert response.json()["description"] == "unknown query parameter 'bogus_param'"

    def test_an_unknown_body_field_is_400_naming_it(self, api_node: ApiNode) -> None:
        body = self.body(api_node)
        if body is None:
            pytest.skip("this call takes no body")
        with self.client_of(api_node, self.allowed()) as client:
            response = self.call(api_node, client, body={**body, "bogus_field": 1})
        assert response.status_code == 400, response.text
        assert "bogus_field" in response.json()["description"]

    def test_what_the_caller_may_not_see_is_refused(self, api_node: ApiNode) -> None:
        if self.hidden_url is None:
            pytest.skip("nothing this call reaches is anybody's in particular")
        with self.client_of(api_node, self.allowed()) as client:
            hidden = self.call(api_node, client, url=self.hidden_url)
            shown = self.call(api_node, client)  # the positive control: the same call, on what it may
        assert hidden.status_code == self.hidden_status, hidden.text
        assert shown.status_code == self.success, shown.text
