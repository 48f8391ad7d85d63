"""Who sees what, checked against an independent statement of the sharing rules on random worlds.

Hypothesis draws small worlds (``tests/sharing/worlds.py``): the ASEAN preset organisations with
random default TLPs, constituents one or two levels below them, sharing groups of both kinds,
collections with random readers, ``public`` flag and default group, and objects (indicators,
malware, an SCO) posted in several versions by random organisations with random markings (TLP 2.0
and 1.0 ids, several at once, granular, none, a cited group, a statement marking). For every
organisation of the world and for the unauthenticated reader, each read path must return exactly
what the oracle (``tests/sharing/oracle.py``) derives from the rules: nothing it hides, and nothing
less than it shows.

* ``may_see`` on every stored version, with the reader from ``load_reader``;
* ``read_page`` with ``match[version]`` all, last and first, paged with a small limit: the number
  of pages, ``more`` and ``next`` must follow from the visible items alone (counting is a leak too);
* ``read_page_all_collections`` and ``export_bundle``;
* the TAXII endpoints of a real server: objects, an object by id (404 when nothing is visible),
  versions, manifest, the ``X-TAXII-Date-Added-First/Last`` headers, and status resources
  (readable by the posting organisation only);
* membership changes of sharing groups, which every next read must reflect.

All examples of a test share the test's migrated database; each example creates its world under
fresh names and removes it afterwards. The default run is quick (25 examples, 5 over HTTP); for a
long run raise the count and lift the per-test timeout, on each engine::

    export GOTONG_SHARING_EXAMPLES=10000
    .venv/bin/pytest tests/sharing -q --timeout=0
    GOTONG_TEST_DATABASE=postgresql .venv/bin/pytest tests/sharing -q --timeout=0

The HTTP test runs a fifth of ``GOTONG_SHARING_EXAMPLES`` (at least 5).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine

from gotong.db.engine import read_connection, write_transaction
from gotong.errors import NotFound
from gotong.intel.bulk import export_bundle
from gotong.intel.query import ObjectFilter, Page, read_page, read_page_all_collections, render_timestamp
from gotong.sharing.policy import Marked, Reader, may_see
from gotong.sharing.service import load_reader, set_members
from gotong.sharing.tlp import TLP
from tests.conftest import RunningServer, start_server, token_for
from tests.helpers import TLP2
from tests.sharing.oracle import TLP_IDS, Rules
from tests.sharing.worlds import PRESET, StoredRow, World, WorldDraw, world_in, worlds

EXAMPLES = int(os.environ.get("GOTONG_SHARING_EXAMPLES", "25"))
HTTP_EXAMPLES = max(5, EXAMPLES // 5)
TAXII = "application/taxii+json;version=2.1"
VERSIONS = ("all", "last", "first")


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- what the oracle expects ------------------------------------------------------------------------


def _pick(rows: list[StoredRow], which: str) -> list[StoredRow]:
    """``match[version]``: every row, or per object and collection the latest/earliest of ``rows``."""
    if which == "all":
        return rows
    chosen: dict[tuple[str, str], StoredRow] = {}
    for row in rows:
        key = (row.collection_id, row.stix_id)
        best = chosen.get(key)
        if best is None or (row.version > best.version if which == "last" else row.version < best.version):
            chosen[key] = row
    return sorted(chosen.values(), key=lambda r: r.date_added)


def _explain(world: World, reader: str | None, row: StoredRow, rules: Rules | None = None) -> str:
    rules = rules or world.rules
    posted = row.posted
    audience = rules.audience(posted)
    return (
        f"reader {reader!r}, expected to see: {rules.sees(reader, posted)}\n"
        f"  version {row.stix_id} v{row.version} in {row.collection_id} by {posted.submitter}\n"
        f"  markings {posted.body.get('object_marking_refs')}\n"
        f"  granular {posted.body.get('granular_markings')}\n"
        f"  oracle: may read {rules.may_read(reader, row.collection_id)}, marking {rules.marking(posted)}, "
        f"audience {audience and (audience.name, audience.kind, sorted(audience.members))}\n"
        f"  stored: tlp {TLP(row.tlp).label}, group {row.group_id}\n"
        f"  collection {rules.collections[row.collection_id]}\n"
        f"  reader lineage {rules.lineage(reader) if reader else None}"
    )


def _keys(rows: list[StoredRow]) -> list[tuple[str, int, int]]:
    return [(r.stix_id, r.version, r.date_added) for r in rows]


# --- checks -----------------------------------------------------------------------------------------


def _check_may_see(
    world: World, reader: str | None, policy_reader: Reader, rules: Rules | None = None
) -> None:
    judge = rules or world.rules
    for row in world.rows:
        item = Marked(row.collection_id, TLP(row.tlp), row.group_id, row.submitter_org_id)
        assert may_see(policy_reader, item) == judge.sees(reader, row.posted), _explain(
            world, reader, row, rules
        )


def _page_through(fetch: Callable[[str | None], Page], *, limit: int) -> list[Page]:
    """Every page until ``more`` is false, checking that paging reveals nothing beyond the items.

    Each page with ``more`` must be full and every page after the first must hold something, so the
    number of pages is exactly what the returned (visible) items need: invisible rows cannot show
    up as an extra page, a short page with ``more``, or an empty last page.
    """
    pages: list[Page] = []
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        pages.append(page)
        added = [i.date_added for i in page.items]
        assert added == sorted(set(added)), "a page is not in date_added order"
        assert not cursor or all(a > _cursor_floor(pages[-2]) for a in added)
        assert page.first_added == (page.items[0].date_added_text if page.items else None)
        assert page.last_added == (page.items[-1].date_added_text if page.items else None)
        if not page.more:
            assert page.next is None
            assert page.items or len(pages) == 1, "an empty last page: more=true was a leak"
            return pages
        assert len(page.items) == limit, "a page with more=true must be full"
        assert page.next is not None
        cursor = page.next


def _cursor_floor(page: Page) -> int:
    return page.items[-1].date_added


def _check_read_page(
    conn: Connection,
    world: World,
    reader: str | None,
    policy_reader: Reader,
    limit: int,
    rules: Rules | None = None,
    versions: tuple[str, ...] = VERSIONS,
) -> None:
    visible = world.visible(reader, rules)
    for cid in world.collection_ids:
        in_collection = [r for r in visible if r.collection_id == cid]
        for which in versions:
            expected = _pick(in_collection, which)
            filters = ObjectFilter(versions=(which,))
            size = 1000 if which == "first" else limit  # all and last (TAXII's default) page in small steps

            def fetch(
                cursor: str | None, filters: ObjectFilter = filters, cid: str = cid, size: int = size
            ) -> Page:
                return read_page(
                    conn, reader=policy_reader, collection_id=cid, filters=filters, limit=size, cursor=cursor
                )

            pages = _page_through(fetch, limit=size)
            got = [(i.stix_id, i.version, i.date_added) for p in pages for i in p.items]
            assert got == _keys(expected), f"read_page {which} for {reader!r} in {cid}"


def _check_all_collections(
    conn: Connection, world: World, reader: str | None, policy_reader: Reader, limit: int
) -> None:
    visible = world.visible(reader)
    world_added = {r.date_added for r in world.rows}
    # Other collections (the node's definitions) hold older versions: added_after leaves them out.
    since = min(world_added) - 1
    for which in VERSIONS:
        expected = _pick(visible, which)
        filters = ObjectFilter(versions=(which,), added_after=since)

        # Pages of a few items for every version, last and first in one page: small pages are
        # read_page's, above, and each query here spans every collection (it costs more).
        size = 3 * limit if which == "all" else 1000

        def fetch(cursor: str | None, filters: ObjectFilter = filters, size: int = size) -> Page:
            return read_page_all_collections(
                conn, reader=policy_reader, filters=filters, limit=size, cursor=cursor
            )

        pages = _page_through(fetch, limit=size)
        got = [
            (i.stix_id, i.version, i.date_added)
            for p in pages
            for i in p.items
            if i.date_added in world_added
        ]
        assert got == _keys(expected), f"read_page_all_collections {which} for {reader!r}"


def _canonical(obj: Any) -> str:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


def _check_export(engine: Engine, world: World, org: str) -> None:
    visible = world.visible(org)
    world_ids = {r.stix_id for r in world.rows}
    cases: list[tuple[str | None, bool, list[StoredRow]]] = [
        (None, True, visible),
        (None, False, _pick(visible, "last")),
    ]
    cid = world.collection_ids[-1]
    if world.rules.may_read(org, cid):
        cases.append((cid, True, [r for r in visible if r.collection_id == cid]))
    else:  # a collection the organisation may not read cannot be exported at all
        with pytest.raises(NotFound):
            export_bundle(engine, out=io.StringIO(), org=org, collection_id=cid, all_versions=True)
    for collection_id, all_versions, expected in cases:
        out = io.StringIO()
        written = export_bundle(
            engine, out=out, org=org, collection_id=collection_id, all_versions=all_versions
        )
        bundle = orjson.loads(out.getvalue())
        assert bundle["type"] == "bundle"
        assert written == len(bundle["objects"])
        got = Counter(_canonical(o) for o in bundle["objects"] if o["id"] in world_ids)
        assert got == Counter(r.body for r in expected), f"export by {org} of {collection_id or 'everything'}"


def _note_events(world: World) -> None:
    """What the world exercises, for ``--hypothesis-show-statistics``: levels, audiences, partial views."""
    for row in world.rows:
        rules, posted = world.rules, row.posted
        cited = rules.cited_group(posted)
        default = rules.collections[row.collection_id].default_group
        audience = f"cited {cited.kind} group" if cited else "collection default" if default else "community"
        seen = sum(rules.sees(org, posted) for org in world.orgs)
        event(f"marking {rules.marking(posted)}, audience {audience}")
        event(
            "version seen by " + ("nobody else" if seen <= 1 else "some" if seen < len(world.orgs) else "all")
        )


# --- the properties ---------------------------------------------------------------------------------


def test_the_oracle_knows_the_tlp2_markings() -> None:
    """The oracle's own table of TLP ids agrees with the test helpers (a typo would blind the properties)."""
    assert {TLP_IDS[marking]: level for level, marking in TLP2.items()} == {level: level for level in TLP2}


@_settings(EXAMPLES)
@given(draw=worlds(), limit=st.integers(1, 3), data=st.data())
def test_policy_reads_and_exports_agree_with_the_rules(
    engine: Engine, draw: WorldDraw, limit: int, data: st.DataObject
) -> None:
    """may_see, read_page and read_page_all_collections for every reader; exports for a few."""
    with world_in(engine, draw) as world:
        _note_events(world)
        with read_connection(engine) as conn:
            for reader in world.readers:
                policy_reader = load_reader(conn, world.principal(reader))
                _check_may_see(world, reader, policy_reader)
                _check_read_page(conn, world, reader, policy_reader, limit)
                _check_all_collections(conn, world, reader, policy_reader, limit)
        # An export is a dozen queries and a receipt: a few organisations per world are enough.
        exporters = st.lists(st.sampled_from(world.orgs), min_size=1, max_size=3, unique=True)
        for org in data.draw(exporters, label="exporters"):
            _check_export(engine, world, org)


@_settings(EXAMPLES)
@given(draw=worlds(), data=st.data())
def test_a_reader_for_a_wider_audience_sees_nothing_above_its_ceiling(
    engine: Engine, draw: WorldDraw, data: st.DataObject
) -> None:
    """A principal with a TLP ceiling (a report made for TLP:CLEAR, GREEN ...) sees exactly what the
    organisation sees that is marked at most the ceiling: not even its own records above it. The
    rows it does see are the positive control (the oracle keeps them at the higher ceilings)."""
    with world_in(engine, draw) as world:
        ceilings = st.sampled_from(["clear", "green", "amber", "amber+strict"])
        with read_connection(engine) as conn:
            for reader in world.orgs:
                ceiling = data.draw(ceilings, label=f"ceiling of {reader}")
                rules = world.rules.for_audience(ceiling)
                principal = replace(world.principal(reader), tlp_ceiling=int(TLP.parse(ceiling)))
                policy_reader = load_reader(conn, principal)
                assert not policy_reader.hub_admin
                _check_may_see(world, reader, policy_reader, rules)
                _check_read_page(conn, world, reader, policy_reader, 1000, rules, ("all",))
                event(f"ceiling {ceiling}: sees {len(world.visible(reader, rules))} rows")


@_settings(EXAMPLES)
@given(draw=worlds(min_groups=1), data=st.data())
def test_membership_changes_show_in_the_next_read(
    engine: Engine, draw: WorldDraw, data: st.DataObject
) -> None:
    with world_in(engine, draw) as world:
        rules = world.rules
        change = st.tuples(st.sampled_from(sorted(rules.groups)), st.sampled_from(world.orgs), st.booleans())
        for group, org, add in data.draw(
            st.lists(change, min_size=1, max_size=3), label="membership changes"
        ):
            with write_transaction(engine) as conn:
                set_members(conn, name=group, add=[org] if add else None, remove=None if add else [org])
            members = rules.groups[group].members
            before, rules = rules, rules.with_members(group, members | {org} if add else members - {org})
            with read_connection(engine) as conn:
                for reader in world.readers:
                    policy_reader = load_reader(conn, world.principal(reader))
                    _check_may_see(world, reader, policy_reader, rules)
                    # Queries are dearer: run them where the change matters (unchanged readers are
                    # what the first property checks).
                    if reader == org or world.visible(reader, before) != world.visible(reader, rules):
                        _check_read_page(conn, world, reader, policy_reader, 1000, rules, ("all", "last"))


# --- over HTTP --------------------------------------------------------------------------------------


@dataclass
class TaxiiNode:
    """A real server on loopback, with API tokens and a way to settle its background writes."""

    server: RunningServer
    app: FastAPI
    tokens: dict[str, str]

    def auth(self, org: str | None) -> dict[str, str]:
        if org is None:
            return {}
        if org not in self.tokens:
            self.tokens[org] = token_for(self.server.engine, org)
        return {"Authorization": f"Bearer {self.tokens[org]}"}

    def settle(self) -> None:
        """Write the access receipts the server still holds, before the world they name is removed."""
        self.app.state.receipts.flush()


@pytest.fixture
def taxii_node(engine: Engine) -> Iterator[TaxiiNode]:
    srv, thread, running = start_server(engine)
    assert isinstance(srv.config.app, FastAPI)
    yield TaxiiNode(running, srv.config.app, {org: token_for(engine, org) for org in PRESET})
    srv.should_exit = True
    thread.join(timeout=10)


def _check_date_headers(resp: httpx.Response, rows: list[StoredRow]) -> None:
    if rows:
        assert resp.headers["X-TAXII-Date-Added-First"] == render_timestamp(rows[0].date_added)
        assert resp.headers["X-TAXII-Date-Added-Last"] == render_timestamp(rows[-1].date_added)
    else:
        assert "X-TAXII-Date-Added-First" not in resp.headers
        assert "X-TAXII-Date-Added-Last" not in resp.headers


def _get_pages(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    key: str,
    *,
    limit: int,
    expected: list[StoredRow],
    params: dict[str, str] | None = None,
) -> Iterator[Any]:
    """Follow ``next`` through a TAXII resource, checking each page against its share of ``expected``."""
    chunks = [expected[i : i + limit] for i in range(0, len(expected), limit)] or [[]]
    cursor: str | None = None
    for n, chunk in enumerate(chunks):
        query = {**(params or {}), "limit": str(limit)} | ({"next": cursor} if cursor else {})
        resp = client.get(url, headers=headers, params=query)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        items = body.get(key, [])
        assert len(items) == len(chunk), f"{url}: page {n} has {len(items)} items, expected {len(chunk)}"
        last = n == len(chunks) - 1
        assert body["more"] is not last
        assert ("next" in body) is not last
        _check_date_headers(resp, chunk)
        yield from items
        cursor = body.get("next")


def _check_taxii_collection(
    client: httpx.Client,
    server: RunningServer,
    world: World,
    reader: str | None,
    headers: dict[str, str],
    cid: str,
    limit: int,
) -> None:
    base = server.collection_url(cid)
    all_ids = [i for ids in world.stix_ids_by_collection.values() for i in ids]
    if not world.rules.may_read(reader, cid):
        for path in ["objects/", "manifest/", *(f"objects/{i}/" for i in all_ids[:1])]:
            resp = client.get(base + path, headers=headers)
            assert resp.status_code in ({401} if reader is None else {403, 404}), resp.text
            assert not any(i in resp.text for i in all_ids)
        return
    visible = [r for r in world.visible(reader) if r.collection_id == cid]
    for which in VERSIONS:
        expected = _pick(visible, which)
        params = {} if which == "last" else {"match[version]": which}  # last is the default
        pages = _get_pages(
            client, base + "objects/", headers, "objects", limit=limit, expected=expected, params=params
        )
        got = [_canonical(o) for o in pages]
        assert got == [r.body for r in expected], f"objects {which} for {reader!r}"
    everything = {"match[version]": "all"}
    manifest = _get_pages(
        client, base + "manifest/", headers, "objects", limit=limit, expected=visible, params=everything
    )
    assert [(m["id"], m["version"], m["date_added"]) for m in manifest] == [
        (r.stix_id, render_timestamp(r.version), render_timestamp(r.date_added)) for r in visible
    ]
    for stix_id in dict.fromkeys(all_ids):
        versions = [r for r in visible if r.stix_id == stix_id]
        one = client.get(base + f"objects/{stix_id}/", headers=headers)
        listed = client.get(base + f"objects/{stix_id}/versions/", headers=headers)
        if not versions:
            assert (one.status_code, listed.status_code) == (404, 404), (
                f"{stix_id} is not visible to {reader!r}"
            )
            assert stix_id not in one.text.replace(f"no object {stix_id}", "")
            continue
        assert one.status_code == 200, one.text
        assert [_canonical(o) for o in one.json()["objects"]] == [r.body for r in _pick(versions, "last")]
        _check_date_headers(one, _pick(versions, "last"))
        url = base + f"objects/{stix_id}/versions/"
        got = list(_get_pages(client, url, headers, "versions", limit=limit, expected=versions))
        assert got == [render_timestamp(r.version) for r in versions]


def _check_status_resources(
    client: httpx.Client, server: RunningServer, world: World, auth: Callable[[str | None], dict[str, str]]
) -> None:
    for envelope in world.envelopes:
        url = f"{server.api_root}status/{envelope.status_id}/"
        own = client.get(url, headers=auth(envelope.poster))
        assert own.status_code == 200, own.text
        assert own.json()["id"] == envelope.status_id
        assert client.get(url, headers=auth(None)).status_code == 401
        for other in {PRESET[0], *world.orgs[:: max(1, len(world.orgs) // 4)]} - {envelope.poster}:
            resp = client.get(url, headers=auth(other))
            assert resp.status_code == 404, f"{other} reads the status of {envelope.poster}'s envelope"
            assert envelope.status_id not in resp.text.replace(f"'{envelope.status_id}'", "")


@_settings(HTTP_EXAMPLES)
@given(draw=worlds(max_constituents=2, max_collections=2, max_objects=4), data=st.data())
def test_taxii_endpoints_agree_with_the_rules(
    engine: Engine, taxii_node: TaxiiNode, draw: WorldDraw, data: st.DataObject
) -> None:
    server = taxii_node.server
    with httpx.Client(timeout=30, headers={"Accept": TAXII}) as client:

        def post(org: str, cid: str, objects: list[dict[str, Any]], through_hub: bool) -> str:
            assert not through_hub, "these worlds are drawn without anonymous envelopes"
            resp = client.post(
                server.collection_url(cid) + "objects/",
                content=orjson.dumps({"objects": objects}),
                headers={**taxii_node.auth(org), "Content-Type": TAXII},
            )
            assert resp.status_code == 202, resp.text
            status = resp.json()
            assert (status["success_count"], status["failure_count"]) == (len(objects), 0), status
            return str(status["id"])

        with world_in(engine, draw, post=post) as world:
            try:
                orgs = st.lists(st.sampled_from(world.orgs), min_size=1, max_size=3, unique=True)
                readers: list[str | None] = [*data.draw(orgs, label="readers"), None]
                limit = data.draw(st.integers(1, 3), label="limit")
                for reader in readers:
                    for cid in world.collection_ids:
                        _check_taxii_collection(
                            client, server, world, reader, taxii_node.auth(reader), cid, limit
                        )
                _check_status_resources(client, server, world, taxii_node.auth)
                if world.rules.groups:
                    _check_membership_change_over_taxii(client, engine, taxii_node, world, readers, data)
            finally:
                taxii_node.settle()


def _check_membership_change_over_taxii(
    client: httpx.Client,
    engine: Engine,
    taxii_node: TaxiiNode,
    world: World,
    readers: list[str | None],
    data: st.DataObject,
) -> None:
    """The server keeps no copy of a group's members: the very next request reflects a change."""
    group = data.draw(st.sampled_from(sorted(world.rules.groups)), label="changed group")
    org = data.draw(st.sampled_from([r for r in readers if r is not None]), label="changed member")
    members = world.rules.groups[group].members
    add = org not in members
    with write_transaction(engine) as conn:
        set_members(conn, name=group, add=[org] if add else None, remove=None if add else [org])
    rules = world.rules.with_members(group, members | {org} if add else members - {org})
    for cid in world.collection_ids:
        if not rules.may_read(org, cid):
            continue
        expected = [r for r in world.visible(org, rules) if r.collection_id == cid]
        resp = client.get(
            taxii_node.server.collection_url(cid) + "objects/",
            headers=taxii_node.auth(org),
            params={"match[version]": "all"},
        )
        assert resp.status_code == 200, resp.text
        assert [_canonical(o) for o in resp.json().get("objects", [])] == [r.body for r in expected]
