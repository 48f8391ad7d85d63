"""Search: filters, paging, and no side channel through organisation or country filters."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gotong.core.auth import Principal
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.service import get_org
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator


def _post(
    server: RunningServer, org: str, objects: list[dict[str, object]], through_hub: bool = False
) -> StatusReport:
    with server.engine.connect() as conn:
        who = get_org(conn, short_name=org)
    return add_objects(
        server.engine,
        principal=Principal(org_id=who.id, org_short=org),
        collection_id=REGIONAL_ID,
        objects=objects,
        through_hub=through_hub,
    )


@pytest.fixture
def lao(server: RunningServer) -> Iterator[httpx.Client]:
    token = token_for(server.engine, "LaoCERT")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_filters_and_paging(server: RunningServer, lao: httpx.Client) -> None:
    thai = [indicator(value=f"bank-{i}.phish.example", tlp="green") for i in range(5)]
    malaysia = [indicator(value="ministry.phish.example", tlp="clear")]
    _post(server, "ThaiCERT", thai)
    _post(server, "MyCERT", malaysia)
    hits = lao.get("/api/v1/search", params={"q": "phish.example"}).json()["results"]
    assert {h["id"] for h in hits} == {o["id"] for o in thai + malaysia}
    by_country = lao.get("/api/v1/search", params={"q": "phish.example", "country": "my"}).json()["results"]
    assert [h["id"] for h in by_country] == [malaysia[0]["id"]]
    clear = lao.get("/api/v1/search", params={"tlp": "clear", "type": "indicator"}).json()["results"]
    assert [h["id"] for h in clear] == [malaysia[0]["id"]]
    seen: list[str] = []
    params: dict[str, str] = {"q": "phish.example", "limit": "2"}
    while True:
        page = lao.get("/api/v1/search", params=params).json()
        seen += [h["id"] for h in page["results"]]
        if not page["more"]:
            break
        params["next"] = page["next"]
    assert sorted(seen) == sorted(o["id"] for o in thai + malaysia)


def test_invisible_objects_are_not_found(server: RunningServer, lao: httpx.Client) -> None:
    red = indicator(value="secret.red.example", tlp="red")
    report = _post(server, "ThaiCERT", [red])
    assert [s.id for s in report.successes] == [red["id"]] and not report.failures, report.taxii()
    hidden = lao.get("/api/v1/search", params={"q": "secret.red.example"})
    assert hidden.status_code == 200 and hidden.json() == {"results": [], "more": False, "next": None}
    # The positive control: the same search finds it for its submitter, and finds Lao's own object.
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT')}"}
    ) as thai:
        assert [
            r["id"] for r in thai.get("/api/v1/search", params={"q": "secret.red.example"}).json()["results"]
        ] == [red["id"]]
    own = indicator(value="secret.red.example", tlp="red")
    assert _post(server, "LaoCERT", [own]).successes
    assert [
        r["id"] for r in lao.get("/api/v1/search", params={"q": "secret.red.example"}).json()["results"]
    ] == [own["id"]]


def test_an_unknown_query_parameter_is_400_naming_it(lao: httpx.Client) -> None:
    """``value`` is lookup's parameter, not search's: it used to be ignored and everything returned."""
    response = lao.get("/api/v1/search", params={"value": "x"})
    assert response.status_code == 400
    assert response.json()["description"] == "unknown query parameter 'value'"
    assert lao.get("/api/v1/search", params={"q": "x"}).status_code == 200


def test_org_filter_does_not_unmask_anonymous_submissions(server: RunningServer, lao: httpx.Client) -> None:
    anonymous = indicator(value="anon.example", tlp="green")
    _post(server, "ThaiCERT", [anonymous], through_hub=True)
    assert lao.get("/api/v1/search", params={"q": "anon.example", "org": "ThaiCERT"}).json()["results"] == []
    found = lao.get("/api/v1/search", params={"q": "anon.example"}).json()["results"]
    assert [(h["id"], h["reported_by"], h["country"]) for h in found] == [
        (anonymous["id"], "(through the hub)", None)
    ]


@pytest.mark.parametrize(
    "params", [{"since": "last week"}, {"tlp": "purple"}, {"limit": "0"}, {"next": "garbage"}]
)
def test_bad_search_parameters_are_400(lao: httpx.Client, params: dict[str, str]) -> None:
    response = lao.get("/api/v1/search", params=params)
    assert response.status_code == 400 and response.json()["description"]
