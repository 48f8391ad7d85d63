"""Correlation read paths checked against the oracle on random worlds: no leak, no over-restriction.

The worlds of ``tests/sharing/worlds.py`` give indicators and address SCOs observables from a small
pool of the world's own IP addresses and domains, posted by organisations of different countries
(constituents may have a country of their own), some through the hub, with sightings of the
indicators. For every organisation of the world, each correlation read path must answer exactly what
``tests/sharing/correlation_oracle.py`` derives from the sharing rules:

* lookups (``lookup``, ``GET /api/v1/lookup``, ``gotong lookup``): the objects, reporters, countries,
  first and last seen and sighting counts of visible versions only; an observable carried only by
  versions the reader may not see answers exactly as one never seen;
* search (``search``, ``GET /api/v1/search``): the results, paged, and ``more``/``next`` from the
  visible results alone;
* sighting aggregates (``summarise``, ``GET /api/v1/indicators/{id}/sightings``): counts, false
  positives, countries and dates of visible sightings only;
* regional alerts (``alerts_for``, ``GET /api/v1/alerts``): an alert only for those who may know of
  it, with the versions, countries and dates they may see.

In-process checks call the service functions the routes call; a second property runs the lookups,
alerts, search and aggregates through a real server and ``gotong lookup`` as a subprocess.
``GOTONG_SHARING_EXAMPLES`` sets the number of examples as for the other sharing properties (a fifth
of it, at least 5, over HTTP).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal, Role
from gotong.correlation.alerts import alerts_for
from gotong.correlation.lookup import lookup
from gotong.correlation.search import SearchFilter, SearchPage, search
from gotong.correlation.sightings import summarise
from gotong.db.engine import read_connection
from gotong.federation.provenance import provenance
from gotong.intel.query import render_timestamp
from gotong.orgs.service import hub
from gotong.sharing.policy import Reader
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import micros_of
from tests.cli.test_cli import command
from tests.conftest import RunningServer, token_for
from tests.sharing import correlation_oracle as expected
from tests.sharing.correlation_oracle import SearchQuery
from tests.sharing.worlds import COUNTRIES, Observable, World, WorldDraw, world_in, worlds

EXAMPLES = int(os.environ.get("GOTONG_SHARING_EXAMPLES", "25"))
HTTP_EXAMPLES = max(5, EXAMPLES // 5)


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- answers, made comparable -----------------------------------------------------------------------


def _lookup_answer(found: dict[str, Any]) -> dict[str, Any]:
    """A lookup as the oracle states it: objects in a fixed order, without scores and observables.

    A score is computed from the sightings counted here and the clock; the observables are the
    parsed query, not something anybody shared.
    """
    objects = [{k: v for k, v in o.items() if k != "score"} for o in found["objects"]]
    kept = {k: v for k, v in found.items() if k != "observables"}
    return kept | {"objects": sorted(objects, key=lambda o: (o["collection_id"], o["id"]))}


def _summary_answer(summary: dict[str, Any]) -> dict[str, Any]:
    times = {k: micros_of(summary[k]) if summary[k] else None for k in ("first_seen", "last_seen")}
    return summary | times


def _alerts_answer(views: list[dict[str, Any]], world: World) -> dict[str, dict[str, Any]]:
    """The alerts of this world (other tests' and examples' alerts are not ours), by value."""
    ours = {value for _, value in world.observables}
    found: dict[str, dict[str, Any]] = {}
    for view in views:
        if view["value"] not in ours:
            continue
        assert view["value"] not in found, f"two alerts for {view['value']}"
        assert (view["acknowledged_by"], view["acknowledged_at"]) == (None, None)
        found[view["value"]] = {
            k: v for k, v in view.items() if k not in {"id", "acknowledged_by", "acknowledged_at"}
        }
    return found


def _unseen_answer(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k not in {"value", "observables"}}


# --- in process -------------------------------------------------------------------------------------


def _check_lookups(conn: Connection, world: World, reader: str, policy_reader: Reader) -> None:
    admin = policy_reader.hub_admin
    never = asdict(lookup(conn, reader=policy_reader, value=world.unseen[1]))
    assert never["objects"] == [] and never["first_seen"] is None, "the unseen value is carried by nothing"
    for observable in world.observables:
        found = asdict(lookup(conn, reader=policy_reader, value=observable[1]))
        want = expected.lookup(world, reader, observable, hub_admin=admin)
        assert _lookup_answer(found) == want, f"lookup of {observable} by {reader}"
        assert found["observables"] == [{"kind": observable[0], "value": observable[1]}]
        if not want["objects"]:
            if expected.carriers(world, observable):
                event("lookup: a value carried only by versions the reader may not see")
            assert _unseen_answer(found) == _unseen_answer(never), (
                f"{reader} can tell {observable} was shared with others from a value never seen"
            )
        elif len(want["countries"]) >= 2:
            event("lookup: a value seen from two countries")


def _check_sightings(conn: Connection, world: World, reader: str, policy_reader: Reader) -> None:
    admin = policy_reader.hub_admin
    ids = sorted({r.stix_id for r in world.rows if r.posted.body["type"] == "indicator"})
    found = summarise(conn, reader=policy_reader, indicator_ids=ids)
    for indicator_id in ids:
        want = expected.sightings(world, reader, indicator_id, hub_admin=admin)
        assert _summary_answer(asdict(found[indicator_id])) == want, (
            f"sightings of {indicator_id} by {reader}"
        )


def _check_alerts(conn: Connection, world: World, reader: str, policy_reader: Reader) -> None:
    admin = policy_reader.hub_admin
    views = [asdict(a) for a in alerts_for(conn, reader=policy_reader)]
    found = _alerts_answer(views, world)
    want = expected.alerts(world, reader, hub_admin=admin)
    assert found == want, f"alerts for {reader}"
    # Listed in the order the reader came to see them, not the node's (which tells of other reports).
    raised = [micros_of(a["raised_at"]) for a in views if a["value"] in found]
    assert raised == sorted(raised), f"alerts for {reader} out of order"
    for alert in want.values():
        event("alert: seen from two countries" if len(alert["countries"]) >= 2 else "alert: own report only")


def _search_queries(world: World) -> st.SearchStrategy[SearchQuery]:
    suffix = world.unseen[1].split(".")[1]  # every domain of the world shares it
    texts = [value for _, value in world.observables] + [suffix, world.rows[0].stix_id]
    return st.builds(
        SearchQuery,
        text=st.none() | st.sampled_from(texts),
        types=st.lists(st.sampled_from(["indicator", "malware", "ipv4-addr", "sighting"]), max_size=2).map(
            tuple
        ),
        tlps=st.lists(st.sampled_from(["clear", "green", "amber", "amber+strict", "red"]), max_size=2).map(
            tuple
        ),
        orgs=st.lists(st.sampled_from(world.orgs), max_size=2).map(tuple),
        countries=st.lists(st.sampled_from(sorted(COUNTRIES)), max_size=2).map(tuple),
    )


def _search_filter(world: World, query: SearchQuery) -> SearchFilter:
    since = render_timestamp(world.rows[0].date_added)  # leaves out the node's own objects
    return SearchFilter.parse(
        q=query.text,
        type=",".join(query.types) or None,
        tlp=",".join(query.tlps) or None,
        org=",".join(query.orgs) or None,
        country=",".join(query.countries) or None,
        since=since,
    )


def _page_through(fetch: Callable[[str | None], SearchPage], limit: int) -> list[dict[str, Any]]:
    """Every page, checking that ``more`` and ``next`` follow from the visible results alone."""
    results: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        results.extend(page.results)
        if not page.more:
            assert page.next is None
            assert page.results or cursor is None, "an empty last page: more=true was a leak"
            return results
        assert len(page.results) == limit, "a page with more=true must be full"
        assert page.next is not None
        cursor = page.next


def _check_search(
    conn: Connection, world: World, reader: str, policy_reader: Reader, data: st.DataObject
) -> None:
    queries = data.draw(
        st.lists(_search_queries(world), min_size=1, max_size=3), label=f"searches by {reader}"
    )
    limit = data.draw(st.integers(1, 3), label="search page size")
    for query in queries:
        filters = _search_filter(world, query)

        def fetch(cursor: str | None, filters: SearchFilter = filters) -> SearchPage:
            return search(conn, reader=policy_reader, filters=filters, limit=limit, cursor=cursor)

        want = expected.search(world, reader, query, hub_admin=policy_reader.hub_admin)
        assert _page_through(fetch, limit) == want, f"search {query} by {reader}"
        event("search: some results" if want else "search: none")


def _check_provenance(conn: Connection, world: World, reader: str, policy_reader: Reader) -> None:
    """Provenance names the submitter of each visible version exactly where the oracle lets it."""
    visible = world.visible(reader)
    for collection_id, stix_id in sorted({(r.collection_id, r.stix_id) for r in visible}):
        found = provenance(conn, reader=policy_reader, collection_id=collection_id, stix_id=stix_id)
        rows = [r for r in visible if (r.collection_id, r.stix_id) == (collection_id, stix_id)]
        want = sorted(
            (
                render_timestamp(r.date_added),
                r.posted.submitter
                if expected.may_learn(reader, r, hub_admin=policy_reader.hub_admin)
                else "(submitted through the hub)",
            )
            for r in rows
        )
        assert sorted((p.date_added, p.submitter) for p in found) == want, (
            f"provenance of {stix_id} by {reader}"
        )
        if any(r.posted.through_hub for r in rows):
            event("provenance: an anonymous version")


def _readers(conn: Connection, world: World) -> Iterator[tuple[str, Reader]]:
    """Every organisation of the world as an analyst, and the hub as an admin (who may learn submitters)."""
    for org in world.orgs:
        yield org, load_reader(conn, world.principal(org))
    hub_org = hub(conn)
    admin = Principal(org_id=hub_org.id, org_short=hub_org.short_name, role=Role.ADMIN)
    yield hub_org.short_name, load_reader(conn, admin)


@_settings(EXAMPLES)
@given(draw=worlds(max_sightings=4, through_hub=True), data=st.data())
def test_correlation_agrees_with_the_rules(engine: Engine, draw: WorldDraw, data: st.DataObject) -> None:
    """Lookups, sighting aggregates, alerts, search and provenance for every organisation of the world,
    and for the hub's admin: submitters of anonymous versions show only as ``docs/sharing.md`` says."""
    with world_in(engine, draw) as world, read_connection(engine) as conn:
        for reader, policy_reader in _readers(conn, world):
            _check_lookups(conn, world, reader, policy_reader)
            _check_sightings(conn, world, reader, policy_reader)
            _check_alerts(conn, world, reader, policy_reader)
            _check_search(conn, world, reader, policy_reader, data)
            _check_provenance(conn, world, reader, policy_reader)


# --- over HTTP and the command line -----------------------------------------------------------------


class _Clients:
    """One HTTP client per organisation of the world, with a token of its own."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self._clients: dict[str | None, httpx.Client] = {}

    def __call__(self, org: str | None) -> httpx.Client:
        if org not in self._clients:
            headers = {} if org is None else {"Authorization": f"Bearer {token_for(self.server.engine, org)}"}
            self._clients[org] = httpx.Client(base_url=self.server.url, headers=headers, timeout=30)
        return self._clients[org]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


@pytest.fixture
def clients(server: RunningServer) -> Iterator[_Clients]:
    made = _Clients(server)
    yield made
    made.close()


def _cli_lookup(engine: Engine, org: str, value: str) -> dict[str, Any]:
    url = engine.url.render_as_string(hide_password=False)
    result = command(
        {**os.environ, "GOTONG_DATABASE_URL": url}, "lookup", value, "--org", org, "--json", timeout=120
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def _check_over_http(clients: _Clients, world: World, reader: str, observables: list[Observable]) -> None:
    client = clients(reader)
    for observable in observables:
        resp = client.get("/api/v1/lookup", params={"value": observable[1]})
        assert resp.status_code == 200, resp.text
        assert _lookup_answer(resp.json()) == expected.lookup(world, reader, observable), (
            f"GET /api/v1/lookup {observable} by {reader}"
        )
    resp = client.get("/api/v1/alerts")
    assert resp.status_code == 200, resp.text
    assert _alerts_answer(resp.json(), world) == expected.alerts(world, reader), (
        f"GET /api/v1/alerts by {reader}"
    )
    since = render_timestamp(world.rows[0].date_added)
    suffix = world.unseen[1].split(".")[1]
    want = expected.search(world, reader, SearchQuery(text=suffix))
    resp = client.get("/api/v1/search", params={"q": suffix, "since": since, "limit": "1000"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"results": want, "more": False, "next": None}, f"GET /api/v1/search by {reader}"
    for indicator_id in sorted({r.stix_id for r in world.rows if r.posted.body["type"] == "indicator"}):
        resp = client.get(f"/api/v1/indicators/{indicator_id}/sightings")
        assert resp.status_code == 200, resp.text
        assert _summary_answer(resp.json()) == expected.sightings(world, reader, indicator_id)


@_settings(HTTP_EXAMPLES)
@given(
    draw=worlds(max_constituents=2, max_collections=2, max_objects=4, max_sightings=2, through_hub=True),
    data=st.data(),
)
def test_correlation_over_http_and_the_cli_agrees_with_the_rules(
    engine: Engine, clients: _Clients, draw: WorldDraw, data: st.DataObject
) -> None:
    with world_in(engine, draw) as world:
        try:
            observables = [*world.observables, world.unseen]
            readers = data.draw(st.lists(st.sampled_from(world.orgs), min_size=1, max_size=3, unique=True))
            for reader in readers:
                _check_over_http(clients, world, reader, observables)
            for path in ["/api/v1/lookup?value=" + observables[0][1], "/api/v1/alerts", "/api/v1/search"]:
                assert clients(None).get(path).status_code == 401, f"{path} without a token"
            reader = data.draw(st.sampled_from(world.orgs), label="CLI reader")
            observable = data.draw(st.sampled_from(world.observables), label="CLI value")
            found = _cli_lookup(engine, reader, observable[1])
            assert _lookup_answer(found) == expected.lookup(world, reader, observable), "gotong lookup"
        finally:
            clients.close()  # the world's tokens go with its organisations
