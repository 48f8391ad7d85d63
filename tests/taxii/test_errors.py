"""Bad input over TAXII: the spec's status code and an error resource that says what is wrong.

Never a 500, never a traceback, never a half-stored envelope.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from gotong.intel.models import stix_objects
from tests.conftest import RunningServer, start_server, token_for
from tests.helpers import REGIONAL_ID, indicator

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    token = token_for(server.engine, "ThaiCERT")
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
        yield http


def _objects_url(server: RunningServer) -> str:
    return f"/{server.settings.api_root}/collections/{REGIONAL_ID}/objects/"


def _stored(server: RunningServer) -> int:
    with server.engine.connect() as conn:
        query = (
            select(func.count()).select_from(stix_objects).where(stix_objects.c.collection_id == REGIONAL_ID)
        )
        return int(conn.execute(query).scalar_one())


def _assert_error(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/taxii+json")
    body: dict[str, Any] = response.json()
    assert body["http_status"] == str(status)
    assert body["title"]
    for word in words:
        assert word.lower() in body["description"].lower(), body
    assert "Traceback" not in response.text
    return body


def test_malformed_json_is_400_and_stores_nothing(server: RunningServer, client: httpx.Client) -> None:
    before = _stored(server)
    response = client.post(_objects_url(server), content=b'{"objects": [', headers={"Content-Type": TAXII})
    _assert_error(response, 400, "not valid JSON")
    assert _stored(server) == before


@pytest.mark.parametrize("body", [b"[]", b'{"objects": {}}', b'{"objects": [], "colour": "red"}', b'"x"'])
def test_a_body_that_is_not_an_envelope_is_400(
    server: RunningServer, client: httpx.Client, body: bytes
) -> None:
    _assert_error(client.post(_objects_url(server), content=body, headers={"Content-Type": TAXII}), 400)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/taxii+json;version=2.0", "text/plain"]
)
def test_wrong_content_type_is_415(server: RunningServer, client: httpx.Client, content_type: str) -> None:
    body = orjson.dumps({"objects": [indicator()]})
    response = client.post(_objects_url(server), content=body, headers={"Content-Type": content_type})
    _assert_error(response, 415, "application/taxii+json")


@pytest.mark.parametrize("accept", ["application/xml", "application/taxii+json;version=2.0", "text/html"])
def test_unacceptable_accept_header_is_406(server: RunningServer, client: httpx.Client, accept: str) -> None:
    response = client.get(_objects_url(server), headers={"Accept": accept})
    assert response.status_code == 406
    assert "Accept" in response.json()["description"]


@pytest.mark.parametrize("accept", ["application/taxii+json", "*/*", f"text/html, {TAXII};q=0.9"])
def test_acceptable_accept_headers(server: RunningServer, client: httpx.Client, accept: str) -> None:
    assert client.get(_objects_url(server), headers={"Accept": accept}).status_code == 200


def test_oversize_body_is_413_and_stores_nothing(engine: Any) -> None:
    srv, thread, running = start_server(engine, max_content_length=2048)
    try:
        token = token_for(engine, "ThaiCERT")
        body = orjson.dumps({"objects": [indicator() for _ in range(20)]})
        assert len(body) > 2048
        response = httpx.post(
            f"{running.url}{_objects_url(running)}",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Accept": TAXII, "Content-Type": TAXII},
        )
        _assert_error(response, 413, "2048")
        assert _stored(running) == 0
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def test_invalid_objects_fail_alone_and_valid_ones_are_kept(
    server: RunningServer, client: httpx.Client
) -> None:
    good = indicator()
    bad_time = indicator(modified="2026-13-01T00:00:00.000Z")
    bad_pattern = indicator(pattern="[domain-name:value = 'x' AND ]")
    not_an_object = "indicator"
    envelope = {"objects": [good, bad_time, bad_pattern, not_an_object]}
    response = client.post(
        _objects_url(server), content=orjson.dumps(envelope), headers={"Content-Type": TAXII}
    )
    assert response.status_code == 202
    status = response.json()
    assert status["success_count"] == 1 and status["successes"][0]["id"] == good["id"]
    failures = {f["id"]: f["message"] for f in status["failures"]}
    assert "modified" in failures[bad_time["id"]]
    assert "pattern" in failures[bad_pattern["id"]]
    assert status["failure_count"] == 3
    assert _stored(server) == 1


def test_reposting_the_same_version_is_idempotent(server: RunningServer, client: httpx.Client) -> None:
    obj = indicator()
    url = _objects_url(server)
    for _ in range(2):
        response = client.post(url, content=orjson.dumps({"objects": [obj]}), headers={"Content-Type": TAXII})
        assert response.json()["success_count"] == 1
    assert _stored(server) == 1
    changed = dict(obj, name="same id and modified, different content")
    response = client.post(url, content=orjson.dumps({"objects": [changed]}), headers={"Content-Type": TAXII})
    assert response.json()["failures"][0]["message"].startswith("a different object")


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"added_after": "yesterday"}, "added_after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"next": "not-a-token"}, "next"),
        ({"match[version]": "latest"}, "match[version]"),
        ({"match[spec_version]": "3.0"}, "spec_version"),
        ({"match[colour]": "red"}, "match[colour]"),
    ],
)
def test_bad_filters_are_400(
    server: RunningServer, client: httpx.Client, params: dict[str, str], word: str
) -> None:
    _assert_error(client.get(_objects_url(server), params=params), 400, word)


def test_unknown_collection_api_root_and_status_are_404(server: RunningServer, client: httpx.Client) -> None:
    root = server.settings.api_root
    _assert_error(client.get(f"/{root}/collections/no-such-collection/objects/"), 404, "no-such-collection")
    _assert_error(client.get("/no-such-root/collections/"), 404, "API root")
    _assert_error(client.get(f"/{root}/status/0b7c3e5e-0000-4000-8000-000000000000/"), 404, "status")
    _assert_error(
        client.get(
            f"/{root}/collections/{REGIONAL_ID}/objects/indicator--{'0' * 8}-0000-4000-8000-{'0' * 12}/"
        ),
        404,
    )


def test_authentication_errors_are_401(server: RunningServer) -> None:
    url = f"{server.url}{_objects_url(server)}"
    headers = {"Accept": TAXII}
    _assert_error(httpx.get(url, headers=headers), 401)
    _assert_error(httpx.get(url, headers={**headers, "Authorization": "Bearer gtg_wrong"}), 401, "unknown")
    _assert_error(httpx.get(url, headers={**headers, "Authorization": "Basic !!!"}), 401, "base64")
    token = token_for(server.engine, "MyCERT")
    _assert_error(httpx.get(url, headers=headers, auth=("ThaiCERT", token)), 401, "owner")
    assert httpx.get(url, headers=headers, auth=("MyCERT", token)).status_code == 200


def test_collection_rights_are_enforced(server: RunningServer) -> None:
    from gotong.db.engine import write_transaction
    from gotong.intel.collections import add_collection

    with write_transaction(server.engine) as conn:
        private = add_collection(conn, title="Thai only", readers=["ThaiCERT"], writers=["ThaiCERT"]).id
        read_only = add_collection(conn, title="read only", readers="all", writers=["ThaiCERT"]).id
    root = server.settings.api_root
    thai = {"Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT')}", "Accept": TAXII}
    lao = {"Authorization": f"Bearer {token_for(server.engine, 'LaoCERT')}", "Accept": TAXII}
    assert httpx.get(f"{server.url}/{root}/collections/{private}/objects/", headers=thai).status_code == 200
    _assert_error(httpx.get(f"{server.url}/{root}/collections/{private}/objects/", headers=lao), 404)
    body = orjson.dumps({"objects": [indicator()]})
    response = httpx.post(
        f"{server.url}/{root}/collections/{read_only}/objects/",
        content=body,
        headers={**lao, "Content-Type": TAXII},
    )
    _assert_error(response, 403, "may not write")


def test_deleting_another_organisations_object_is_403(server: RunningServer, client: httpx.Client) -> None:
    obj = indicator(tlp="clear")
    client.post(
        _objects_url(server), content=orjson.dumps({"objects": [obj]}), headers={"Content-Type": TAXII}
    )
    lao = {"Authorization": f"Bearer {token_for(server.engine, 'LaoCERT')}", "Accept": TAXII}
    response = httpx.delete(f"{server.url}{_objects_url(server)}{obj['id']}/", headers=lao)
    _assert_error(response, 403, "submitted")
    assert _stored(server) == 1


def test_a_readonly_token_cannot_write_or_delete(server: RunningServer, client: httpx.Client) -> None:
    from gotong.core.auth import Role

    obj = indicator(tlp="clear")
    client.post(
        _objects_url(server), content=orjson.dumps({"objects": [obj]}), headers={"Content-Type": TAXII}
    )
    readonly = {
        "Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT', role=Role.READONLY)}",
        "Accept": TAXII,
    }
    collection = httpx.get(
        f"{server.url}/{server.settings.api_root}/collections/{REGIONAL_ID}/", headers=readonly
    )
    assert collection.json()["can_read"] is True and collection.json()["can_write"] is False
    posted = httpx.post(
        f"{server.url}{_objects_url(server)}",
        content=orjson.dumps({"objects": [indicator()]}),
        headers={**readonly, "Content-Type": TAXII},
    )
    _assert_error(posted, 403, "may not write")
    _assert_error(httpx.delete(f"{server.url}{_objects_url(server)}{obj['id']}/", headers=readonly), 403)
    assert _stored(server) == 1
