"""Single-request denial of service, and input that once gave 500: every dimension of a request is
bounded before work begins, and what is refused is refused with a 4xx that says why.

Against a real node on loopback, with the real TAXII routes, on the engine under test.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from sqlalchemy import func, select, update

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import NotFound
from gotong.intel.limits import MAX_ENVELOPE_OBJECTS, MAX_FILTER_VALUES, MAX_RECORDED_FAILURES
from gotong.intel.models import statuses, stix_objects
from gotong.intel.status import forget_expired, get_status
from gotong.orgs.service import get_org
from gotong.stix.patterns import MAX_PARSED_LENGTH, MAX_PATTERN_LENGTH, pattern_budget, pattern_problem
from gotong.stix.validate import validate_object
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator

TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    token = token_for(server.engine, "ThaiCERT")
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII, "Content-Type": TAXII}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
        yield http


def _objects(server: RunningServer) -> str:
    return f"/{server.settings.api_root}/collections/{REGIONAL_ID}/objects/"


def _refused(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    description = response.json()["description"].lower()
    for word in words:
        assert word.lower() in description, description


def _post(client: httpx.Client, server: RunningServer, objects: list[Any]) -> httpx.Response:
    return client.post(_objects(server), content=orjson.dumps({"objects": objects}))


def _stored(server: RunningServer) -> int:
    with server.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(stix_objects)).scalar_one())


# --- filters ---------------------------------------------------------------------------------------


def test_a_delete_with_a_huge_version_list_is_refused_before_the_write_lock(
    server: RunningServer, client: httpx.Client
) -> None:
    obj = indicator()
    assert _post(client, server, [obj]).status_code == 202
    versions = ",".join(f"2026-01-01T00:00:{i % 60:02d}.{i:06d}Z" for i in range(1000))
    response = client.delete(f"{_objects(server)}{obj['id']}/", params={"match[version]": versions})
    _refused(response, 400, "match[version]", f"at most {MAX_FILTER_VALUES}")
    assert _stored(server) >= 1
    # Positive control: a short list reaches the delete, which removes the version.
    ok = client.delete(f"{_objects(server)}{obj['id']}/", params={"match[version]": obj["modified"]})
    assert ok.status_code == 200, ok.text
    assert client.get(f"{_objects(server)}{obj['id']}/").status_code == 404


@pytest.mark.parametrize("name", ["match[id]", "match[type]", "match[version]"])
def test_a_long_filter_list_is_400_not_500(server: RunningServer, client: httpx.Client, name: str) -> None:
    values = {
        "match[id]": [f"indicator--{uuid.uuid4()}" for _ in range(1000)],
        "match[type]": [f"x-type-{i}" for i in range(1000)],
        "match[version]": [f"2026-01-01T00:00:00.{i:06d}Z" for i in range(1000)],
    }[name]
    _refused(client.get(_objects(server), params={name: ",".join(values)}), 400, name)
    # Positive control: the same filter with a hundred values is answered.
    assert (
        client.get(_objects(server), params={name: ",".join(values[:MAX_FILTER_VALUES])}).status_code == 200
    )


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "²"},
        {"limit": "99999999999999999999999"},
        {"next": "ZzE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"},  # 'g1:' and an integer above 2**63
        {"next": "ZzE6wrI"},  # 'g1:²'
        {"match[id]": "indicator--\x00"},
        {"match[type]": "indi\x00cator"},
        {"added_after": "2026-01-01T00:00:00Z\x00"},
    ],
)
def test_odd_paging_and_filter_values_are_400(
    server: RunningServer, client: httpx.Client, params: dict[str, str]
) -> None:
    response = client.get(_objects(server), params=params)
    assert response.status_code == 400, response.text
    assert response.json()["description"]


def test_a_nul_in_an_object_id_or_a_search_is_400(server: RunningServer, client: httpx.Client) -> None:
    assert client.get(f"{_objects(server)}indicator--a%00b/").status_code == 400
    assert client.get("/api/v1/search", params={"q": "a\x00b"}).status_code == 400
    assert client.get(f"{_objects(server)}indicator--{uuid.uuid4()}/").status_code == 404  # control


def test_acknowledging_an_alert_id_beyond_64_bits_is_404(server: RunningServer, client: httpx.Client) -> None:
    for alert in (2**63, 2**64 + 5, 10**30):
        response = client.post(f"/api/v1/alerts/{alert}/ack")
        assert response.status_code == 404, response.text
    assert client.post("/api/v1/alerts/12345/ack").status_code == 404  # control: an ordinary unknown id


def test_a_405_says_which_methods_are_allowed(server: RunningServer, client: httpx.Client) -> None:
    response = client.put(_objects(server), content=b"{}")
    assert response.status_code == 405
    assert "GET" in {m.strip() for m in response.headers["allow"].split(",")}


def test_the_connection_is_kept_alive_after_an_error(server: RunningServer) -> None:
    token = token_for(server.engine, "ThaiCERT")
    split = urlsplit(server.url)
    conn = http.client.HTTPConnection(split.hostname or "127.0.0.1", split.port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Accept": TAXII}
    try:
        for query in ("?limit=%C2%B2", "?match[id]=a%00b", "?limit=5"):
            conn.request("GET", _objects(server) + query, headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.getheader("connection", "").lower() != "close"
        assert response.status == 200
        assert conn.sock is not None  # the same socket carried all three
    finally:
        conn.close()


# --- envelopes, objects and patterns ---------------------------------------------------------------


def test_an_envelope_with_too_many_objects_is_413_and_stores_nothing(
    server: RunningServer, client: httpx.Client
) -> None:
    def counts() -> tuple[int, int]:
        with server.engine.connect() as conn:
            return _stored(server), int(conn.execute(select(func.count()).select_from(statuses)).scalar_one())

    before = counts()
    response = _post(client, server, [{}] * (MAX_ENVELOPE_OBJECTS + 1))
    _refused(response, 413, f"at most {MAX_ENVELOPE_OBJECTS}")
    assert counts() == before
    assert _post(client, server, [{}] * 10).status_code == 202  # control: a small one is taken
    assert counts()[1] == before[1] + 1


def test_a_status_lists_a_bounded_number_of_failures_and_counts_them_all(
    server: RunningServer, client: httpx.Client
) -> None:
    objects: list[Any] = [{"type": "indicator", "note": "x" * 2000}] * (MAX_RECORDED_FAILURES + 500)
    objects.append(indicator())
    response = _post(client, server, objects)
    assert response.status_code == 202
    status_id = response.json()["id"]
    status = client.get(f"/{server.settings.api_root}/status/{status_id}/").json()
    assert status["failure_count"] == MAX_RECORDED_FAILURES + 500 and status["success_count"] == 1
    assert len(status["failures"]) == MAX_RECORDED_FAILURES
    with server.engine.connect() as conn:
        details = conn.execute(select(statuses.c.details).where(statuses.c.id == status_id)).scalar_one()
    assert len(details) < len(orjson.dumps({"objects": objects}))  # smaller than the request itself


def test_statuses_expire(server: RunningServer, client: httpx.Client) -> None:
    first = _post(client, server, [indicator()]).json()["id"]
    with write_transaction(server.engine) as conn:
        conn.execute(update(statuses).where(statuses.c.id == first).values(request_timestamp=1))
    second = _post(client, server, [indicator()]).json()["id"]  # its write forgets the expired one
    root = f"/{server.settings.api_root}/status/"
    assert client.get(f"{root}{first}/").status_code == 404
    assert client.get(f"{root}{second}/").status_code == 200
    with server.engine.connect() as conn:
        kept = {r.id for r in conn.execute(select(statuses.c.id))}
        assert second in kept and first not in kept
        assert forget_expired(conn, ttl_seconds=0, now=2**62) == len(kept)
        who = get_org(conn, short_name="ThaiCERT")
        with pytest.raises(NotFound):
            get_status(conn, principal=Principal(org_id=who.id), status_id="\x00")
        conn.rollback()


def test_a_deeply_nested_custom_property_is_a_failure_not_a_500(
    server: RunningServer, client: httpx.Client
) -> None:
    nested: Any = "bottom"
    for _ in range(300):
        nested = {"x": nested}
    body = json.dumps({"objects": [indicator(x_deep=nested), indicator()]})  # orjson writes only 255 levels
    response = client.post(_objects(server), content=body)
    assert response.status_code == 202, response.text
    report = response.json()
    assert report["success_count"] == 1 and report["failure_count"] == 1
    assert "deeper than" in report["failures"][0]["message"]
    assert validate_object(indicator(x_shallow={"a": {"b": ["c"]}})) == []  # control


def test_a_pattern_the_parser_would_take_seconds_over_is_refused_at_once(
    server: RunningServer, client: httpx.Client
) -> None:
    slow = "[ipv4-addr:value = '" + "a b\\'" * 1500  # stix2-patterns alone: about 20 s
    long = "[x-a:b IN ('" + "a" * MAX_PARSED_LENGTH + "')]"  # not a simple comparison: parser needed
    response = _post(client, server, [indicator(pattern=slow), indicator(pattern=long), indicator()])
    assert response.status_code == 202
    messages = [f["message"] for f in response.json()["failures"]]
    assert any("never ends" in m for m in messages) and any("longer than" in m for m in messages)
    assert response.json()["success_count"] == 1


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("[x-a:b = '" + "\\'" * 800, "never ends"),
        ("[x-a:b = 'bad \\escape']", "bad escape"),
        ("(" * 40 + "[x-a:b = 1]" + ")" * 40, "deeper than"),
    ],
)
def test_the_prescan_names_what_is_wrong(pattern: str, words: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None and words in problem


def test_a_long_simple_comparison_is_accepted_and_anything_longer_than_the_cap_is_not() -> None:
    payload = "QUJD" * 100_000  # 400 KB, like a MISP malware sample's payload_bin
    assert pattern_problem(f"[artifact:payload_bin = '{payload}']") is None
    huge = pattern_problem("[artifact:payload_bin = '" + "A" * MAX_PATTERN_LENGTH + "']")
    assert huge is not None and "longer than" in huge


def test_valid_patterns_outside_the_fast_path_still_parse() -> None:
    assert pattern_problem("[file:name = 'it\\'s'] WITHIN 300 SECONDS") is None
    assert pattern_problem("([x-a:b = 1] OR [x-a:c = 'q']) FOLLOWEDBY [x-a:d = 'r']") is None


def test_a_request_has_a_budget_of_parser_time() -> None:
    needs_parser = "[x-a:b IN ('a', 'b')] REPEATS 5 TIMES"
    assert pattern_problem(needs_parser) is None
    with pattern_budget(0.0):
        refused = pattern_problem(needs_parser + " ")
        assert refused is not None and "pattern-parsing time" in refused
        assert pattern_problem("[ipv4-addr:value = '198.51.100.1']") is None  # the fast path needs none
    assert pattern_problem(needs_parser + " ") is None  # the refusal was not remembered


def test_the_request_bounds_hold_on_the_service_too(server: RunningServer) -> None:
    """The CLI and feeds reach the same bounds: they are in the domain, not in the route."""
    from gotong.errors import Invalid, TooLarge
    from gotong.intel.query import ObjectFilter
    from gotong.intel.store import add_objects

    with pytest.raises(Invalid):
        ObjectFilter(ids=tuple(f"indicator--{i}" for i in range(MAX_FILTER_VALUES + 1)))
    with read_connection(server.engine) as conn:
        who = get_org(conn, short_name="ThaiCERT")
    with pytest.raises(TooLarge):
        add_objects(
            server.engine,
            principal=Principal(org_id=who.id, org_short="ThaiCERT"),
            collection_id=REGIONAL_ID,
            objects=iter([{}] * (MAX_ENVELOPE_OBJECTS + 1)),
        )
