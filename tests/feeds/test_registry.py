"""Configured feeds: fetched over real HTTP (conditionally), pulled from a real TAXII node, scheduled,
and their status kept whatever the source does."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, GotongError, Invalid, NotFound
from gotong.feeds.models import feeds
from gotong.feeds.registry import add_feed, get_feed, list_feeds, parse_interval, set_enabled
from gotong.feeds.runs import run_feed
from gotong.feeds.schedule import claim_due, run_due
from gotong.intel.bulk import export_bundle
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import add_group
from gotong.stix.timestamps import now_micros
from tests.conftest import SHARED_DATA, RunningServer, start_server, token_for
from tests.feeds.httpsource import FeedSite, feed_site
from tests.helpers import REGIONAL, REGIONAL_ID, TLP2, indicator

FEODO = SHARED_DATA / "intelmq" / "intelmq" / "tests" / "bots" / "parsers" / "abusech" / "feodoips.txt"
MISP_FEED = SHARED_DATA / "misp-feed-sample"
EXTRA_LINE = b'"2021-02-01 10:00:00","203.0.113.77","8080","online","2021-02-10","Emotet"\n'


@pytest.fixture
def site() -> Iterator[FeedSite]:
    with feed_site() as running:
        yield running


def _stored(engine: Engine, org: str = "MyCERT") -> list[dict[str, Any]]:
    """What ``org`` may read in the regional collection (identities left out)."""
    out = io.StringIO()
    export_bundle(engine, out=out, org=org, collection_id=REGIONAL, include_expired=True)
    return [o for o in json.loads(out.getvalue())["objects"] if o["type"] != "identity"]


def _feodo(engine: Engine, source: str, **extra: Any) -> None:
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="feodo",
            source=source,
            fmt="abusech-feodo",
            org="MyCERT",
            collection_id=REGIONAL,
            classification="malicious-code/c2-server",
            **extra,
        )


def test_a_url_feed_is_fetched_conditionally_and_imports_only_what_changed(
    engine: Engine, site: FeedSite
) -> None:
    site.put("feodo.txt", FEODO.read_bytes())
    _feodo(engine, f"{site.url}/feodo.txt", interval=3600)

    first = run_feed(engine, "feodo")
    assert (first.outcome, first.result.accepted) == ("imported", 1)
    assert any("10.213.75.205 is a local or reserved network" in p for p in first.result.problems)

    second = run_feed(engine, "feodo")
    assert second.outcome == "not-modified"
    sent = site.hits("feodo.txt")[-1]
    assert sent["if-none-match"].startswith('"'), "the second request carries the first ETag"
    assert "if-modified-since" in sent

    site.put("feodo.txt", FEODO.read_bytes() + EXTRA_LINE)
    third = run_feed(engine, "feodo")
    assert (third.outcome, third.result.accepted, third.result.already_present) == ("imported", 1, 1)

    with read_connection(engine) as conn:
        status = get_feed(conn, "feodo")
    assert status.outcome == "imported" and status.error is None
    assert status.total_accepted == 2
    assert status.problem_count == 1 and "10.213.75.205" in status.problems[0]
    values = sorted(o["pattern"] for o in _stored(engine) if o["type"] == "indicator")
    assert values == ["[ipv4-addr:value = '192.16.238.101']", "[ipv4-addr:value = '203.0.113.77']"]


def test_a_failing_source_is_recorded_retried_with_backoff_and_recovers(
    engine: Engine, site: FeedSite
) -> None:
    site.put("feodo.txt", FEODO.read_bytes())
    _feodo(engine, f"{site.url}/feodo.txt", interval=3600)
    site.fail_with = 503
    before = now_micros()
    failed = run_feed(engine, "feodo", claimed=True)
    assert failed.outcome == "failed" and "HTTP 503" in (failed.error or "")
    again = run_feed(engine, "feodo", claimed=True)
    assert again.outcome == "failed"
    with read_connection(engine) as conn:
        row = conn.execute(select(feeds).where(feeds.c.name == "feodo")).one()
        status = get_feed(conn, "feodo")
    assert status.failures == 2 and "HTTP 503" in (status.error or "")
    # 30 s after the first failure, 60 s after the second: well before the hourly interval.
    assert before + 60_000_000 <= row.next_run_at <= now_micros() + 61_000_000
    assert status.last_success is None

    site.fail_with = None
    recovered = run_feed(engine, "feodo", claimed=True)
    assert recovered.outcome == "imported" and recovered.result.accepted == 1
    with read_connection(engine) as conn:
        status = get_feed(conn, "feodo")
    assert status.failures == 0 and status.error is None and status.last_success is not None


def test_an_unreachable_source_is_a_failed_run_not_an_exception(engine: Engine) -> None:
    with feed_site() as gone:
        url = f"{gone.url}/feodo.txt"
    _feodo(engine, url)
    run = run_feed(engine, "feodo")
    assert run.outcome == "failed" and "ConnectError" in (run.error or "")


def _source_with(engine: Engine, count: int, *, org: str = "ThaiCERT") -> list[str]:
    with read_connection(engine) as conn:
        submitter = get_org(conn, short_name=org)
    principal = Principal(org_id=submitter.id, org_short=org)
    objects = [indicator(tlp="green", created_by_ref=submitter.identity_id) for _ in range(count)]
    report = add_objects(engine, principal=principal, collection_id=REGIONAL_ID, objects=objects)
    assert len(report.successes) == count
    return [o["id"] for o in objects]


@pytest.fixture
def source_node(other_node: Callable[[str], Engine]) -> Iterator[RunningServer]:
    """A second node serving TAXII with two objects a page, so a pull must follow ``next``."""
    srv, thread, running = start_server(other_node("source"), page_limit_default=2, page_limit_max=2)
    yield running
    srv.should_exit = True
    thread.join(timeout=60)


def test_a_remote_taxii_collection_is_pulled_page_by_page_from_its_cursor(
    engine: Engine, source_node: RunningServer
) -> None:
    first_ids = _source_with(source_node.engine, 5)
    token = token_for(source_node.engine, "ASEAN-CERT")
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="thai-node",
            source=source_node.collection_url(REGIONAL_ID),
            fmt="taxii",
            org="ASEAN-CERT",
            collection_id=REGIONAL,
            credentials=f"Bearer {token}",
        )
    run = run_feed(engine, "thai-node")
    assert (run.outcome, run.result.accepted, run.result.rejected) == ("imported", 5, 0)
    later_ids = _source_with(source_node.engine, 3)
    again = run_feed(engine, "thai-node")
    assert (again.result.accepted, again.result.already_present) == (3, 0), "only what was added since"
    stored = {o["id"]: o for o in _stored(engine, "ASEAN-CERT")}
    assert set(first_ids + later_ids) <= set(stored)
    thai = source_node.engine
    with read_connection(thai) as conn:
        thai_identity = get_org(conn, short_name="ThaiCERT").identity_id
    assert {stored[i]["created_by_ref"] for i in first_ids} == {thai_identity}, "origin is kept"
    with read_connection(engine) as conn:
        status = get_feed(conn, "thai-node")
    assert status.has_credentials and status.total_accepted == 8


def test_a_taxii_pull_with_a_bad_token_fails_with_the_servers_reason(
    engine: Engine, source_node: RunningServer
) -> None:
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="thai-node",
            source=source_node.collection_url(REGIONAL_ID),
            fmt="taxii",
            org="ASEAN-CERT",
            credentials="Bearer gtg_not-a-token",
        )
    run = run_feed(engine, "thai-node")
    assert run.outcome == "failed" and "HTTP 401" in (run.error or "")


def test_a_misp_feed_over_http_gives_what_the_folder_gives_and_then_only_new_events(
    engine: Engine, other_node: Callable[[str], Engine], site: FeedSite
) -> None:
    site.put_folder("misp", MISP_FEED)
    with write_transaction(engine) as conn:
        add_feed(conn, name="misp-http", source=f"{site.url}/misp", fmt="misp-feed", org="MyCERT")
    over_http = run_feed(engine, "misp-http")
    local = other_node("local")
    with write_transaction(local) as conn:
        add_feed(conn, name="misp-folder", source=str(MISP_FEED), fmt="misp-feed", org="MyCERT")
    from_folder = run_feed(local, "misp-folder")
    assert over_http.outcome == from_folder.outcome == "imported"
    assert over_http.result.accepted == from_folder.result.accepted > 0
    assert sorted(o["id"] for o in _stored(engine)) == sorted(o["id"] for o in _stored(local))

    assert run_feed(engine, "misp-http").outcome == "not-modified"
    events_fetched = len([p for p, _ in site.requests if p.endswith(".json") and "manifest" not in p])
    # A changed manifest with no newer event fetches the manifest only.
    manifest = site.files["misp/manifest.json"]
    site.put("misp/manifest.json", manifest.replace(b"{", b"{ ", 1))
    quiet = run_feed(engine, "misp-http")
    assert quiet.outcome == "imported" and quiet.result.accepted == 0
    assert len([p for p, _ in site.requests if p.endswith(".json") and "manifest" not in p]) == events_fetched


def test_feed_defaults_mark_objects_that_carry_no_marking_and_address_the_group(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        group = add_group(conn, name="banking-isac", owner="MyCERT", members=["MyCERT", "ThaiCERT"])
        add_feed(
            conn,
            name="feodo",
            source=str(FEODO),
            fmt="abusech-feodo",
            org="MyCERT",
            collection_id=REGIONAL,
            classification="malicious-code/c2-server",
            tlp="amber",
            group="banking-isac",
        )
    run_feed(engine, "feodo")
    [made] = [o for o in _stored(engine) if o["type"] == "indicator"]
    assert group.marking_id in made["object_marking_refs"]
    seen_by = {}
    for org in ("ThaiCERT", "SingCERT"):
        seen_by[org] = [o["id"] for o in _stored(engine, org) if o["id"] == made["id"]]
    assert seen_by == {"ThaiCERT": [made["id"]], "SingCERT": []}, "the feed's audience is enforced"


def test_feed_tlp_is_a_default_and_never_overrides_a_marking(engine: Engine, tmp_path: Any) -> None:
    marked = indicator(tlp="red")
    unmarked = indicator(tlp=None)
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [marked, unmarked]}))
    with write_transaction(engine) as conn:
        add_feed(
            conn, name="b", source=str(bundle), fmt="stix", org="MyCERT", collection_id=REGIONAL, tlp="amber"
        )
    assert run_feed(engine, "b").result.accepted == 2
    refs = {o["id"]: o["object_marking_refs"] for o in _stored(engine) if o["type"] == "indicator"}
    assert refs == {marked["id"]: [TLP2["red"]], unmarked["id"]: [TLP2["amber"]]}


def test_due_feeds_are_claimed_once_and_disabled_ones_never(engine: Engine, site: FeedSite) -> None:
    site.put("feodo.txt", FEODO.read_bytes())
    _feodo(engine, f"{site.url}/feodo.txt", interval=600)
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="manual",
            source=str(FEODO),
            fmt="abusech-feodo",
            org="MyCERT",
            classification="malicious-code/c2-server",
        )
    assert claim_due(engine) == ["feodo"], "a feed with a schedule is due at once; a manual one never"
    assert claim_due(engine) == [], "a claimed feed is leased, not handed out twice"
    with write_transaction(engine) as conn:
        conn.execute(update(feeds).values(next_run_at=0))
        set_enabled(conn, "feodo", False)
    assert claim_due(engine) == []
    with write_transaction(engine) as conn:
        set_enabled(conn, "feodo", True)
    [run] = run_due(engine)
    assert run.name == "feodo" and run.result.accepted == 1
    with read_connection(engine) as conn:
        row = conn.execute(select(feeds.c.next_run_at).where(feeds.c.name == "feodo")).one()
    assert row.next_run_at > now_micros() + 500_000_000, "the next run is one interval on"


def test_a_serving_node_runs_due_feeds_in_the_background(engine: Engine, site: FeedSite) -> None:
    site.put("feodo.txt", FEODO.read_bytes())
    _feodo(engine, f"{site.url}/feodo.txt", interval=600)
    srv, thread, _running = start_server(engine, feed_poll_seconds=0.1)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            with read_connection(engine) as conn:
                status = get_feed(conn, "feodo")
            if status.outcome is not None:
                break
            time.sleep(0.1)
    finally:
        srv.should_exit = True
        thread.join(timeout=60)
    assert status is not None and status.outcome == "imported" and status.accepted == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fmt": "rss"}, "unknown feed format 'rss'"),
        ({"source": "/no/such/file.txt"}, "no such file or folder"),
        ({"fmt": "taxii"}, "URL of a remote collection"),
        ({"classification": None}, "needs a classification"),
        ({"classification": "malicious-code/nonsense"}, "nonsense"),
        ({"tlp": "purple"}, "unknown TLP level"),
        ({"name": "two words"}, "feed name"),
        ({"org": "NoSuchCERT"}, "NoSuchCERT"),
        ({"group": "no-such-group"}, "no-such-group"),
        ({"interval": 5}, "shorter than 60 seconds"),
    ],
)
def test_a_bad_feed_configuration_is_refused_and_nothing_is_written(
    engine: Engine, changes: dict[str, Any], message: str
) -> None:
    config: dict[str, Any] = {
        "name": "feodo",
        "source": str(FEODO),
        "fmt": "abusech-feodo",
        "org": "MyCERT",
        "classification": "malicious-code/c2-server",
        **changes,
    }
    with pytest.raises((Invalid, NotFound)) as raised, write_transaction(engine) as conn:
        add_feed(conn, **config)
    assert message in raised.value.message
    with read_connection(engine) as conn:
        assert list_feeds(conn) == []


def test_a_feed_name_is_unique(engine: Engine) -> None:
    _feodo(engine, str(FEODO))
    with pytest.raises(Conflict), write_transaction(engine) as conn:
        add_feed(conn, name="feodo", source=str(FEODO), fmt="misp-event", org="MyCERT")


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("15m", 900), ("6h", 21600), ("1d", 86400)])
def test_intervals_read_as_people_write_them(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10s", "1w", "-5m"])
def test_an_unreadable_interval_is_refused(text: str) -> None:
    with pytest.raises(Invalid):
        parse_interval(text)


# ------------------------------------------------------------------------------------------ REST
def test_rest_feeds_need_a_manager_a_url_and_stay_within_the_organisation(
    server: RunningServer, site: FeedSite
) -> None:
    site.put("feodo.txt", FEODO.read_bytes())
    admin = {"Authorization": f"Bearer {token_for(server.engine, 'MyCERT', role='admin')}"}
    analyst = {"Authorization": f"Bearer {token_for(server.engine, 'MyCERT', role='analyst')}"}
    other = {"Authorization": f"Bearer {token_for(server.engine, 'ThaiCERT', role='admin')}"}
    body = {
        "name": "feodo",
        "source": f"{site.url}/feodo.txt",
        "format": "abusech-feodo",
        "collection": REGIONAL,
        "classification": "malicious-code/c2-server",
        "every": "1h",
        "token": "s3cret-feed-token",
    }
    with httpx.Client(base_url=server.url) as client:
        assert client.post("/api/v1/feeds", json=body, headers=analyst).status_code == 403
        local = client.post("/api/v1/feeds", json={**body, "source": str(FEODO)}, headers=admin)
        assert local.status_code == 400 and "http://" in local.json()["description"]
        created = client.post("/api/v1/feeds", json=body, headers=admin)
        assert created.status_code == 201 and created.json()["every"] == "1h"
        assert created.json()["has_credentials"] and "s3cret-feed-token" not in created.text
        hidden = client.get("/api/v1/feeds/feodo", headers=other)
        assert hidden.status_code == 404 and hidden.json()["description"] == "no feed named 'feodo'"
        assert client.get("/api/v1/feeds", headers=other).json() == []
        ran = client.post("/api/v1/feeds/feodo/run", headers=admin)
        assert ran.status_code == 200 and ran.json()["outcome"] == "imported" and ran.json()["accepted"] == 1
        assert [f["name"] for f in client.get("/api/v1/feeds", headers=admin).json()] == ["feodo"]
        missing = client.post("/api/v1/feeds/nope/run", headers=admin)
        assert missing.status_code == 404 and "nope" in missing.json()["description"]


def test_rest_export_downloads_what_the_caller_may_see_under_the_ceiling(server: RunningServer) -> None:
    with read_connection(server.engine) as conn:
        thai = Principal(org_id=get_org(conn, short_name="ThaiCERT").id, org_short="ThaiCERT")
    clear = indicator(value="clear.example", tlp="clear")
    amber = indicator(value="amber.example", tlp="amber")
    add_objects(server.engine, principal=thai, collection_id=REGIONAL_ID, objects=[clear, amber])
    headers = {"Authorization": f"Bearer {token_for(server.engine, 'MyCERT')}"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        public = client.get("/api/v1/export", params={"format": "domain", "ceiling": "clear"})
        assert public.status_code == 200
        assert public.headers["content-type"].startswith("text/plain")
        assert 'filename="gotong-MyCERT-domain-clear.txt"' in public.headers["content-disposition"]
        lines = [line for line in public.text.splitlines() if line and not line.startswith("#")]
        assert lines == ["clear.example"]
        assert json.loads(public.headers["x-gotong-left-out"]) == {}, "nothing visible was left out"
        ports = client.get("/api/v1/export", params={"format": "ip"})
        assert json.loads(ports.headers["x-gotong-left-out"]) == {
            "no value this format holds (IP address)": 2
        }
        full = client.get("/api/v1/export", params={"format": "stix"})
        assert {clear["id"], amber["id"]} <= {o["id"] for o in full.json()["objects"]}
        bad = client.get("/api/v1/export", params={"format": "pdf"})
        assert bad.status_code == 400 and "unknown export format" in bad.json()["description"]
        assert client.get("/api/v1/export", params={"ceiling": "mauve"}).status_code == 400
    anonymous = httpx.get(f"{server.url}/api/v1/export")
    assert anonymous.status_code == 401


def test_pulled_objects_are_stored_once_however_often_the_cursor_is_lost(
    engine: Engine, source_node: RunningServer
) -> None:
    _source_with(source_node.engine, 4)
    token = token_for(source_node.engine, "ASEAN-CERT")
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="thai-node",
            source=source_node.collection_url(REGIONAL_ID),
            fmt="taxii",
            org="ASEAN-CERT",
            credentials=f"Bearer {token}",
        )
    assert run_feed(engine, "thai-node").result.accepted == 4
    with write_transaction(engine) as conn:
        conn.execute(update(feeds).values(resume_from=None))
    replay = run_feed(engine, "thai-node")
    assert (replay.result.accepted, replay.result.already_present) == (0, 4)
    assert len([o for o in _stored(engine, "ASEAN-CERT") if o["type"] == "indicator"]) == 4


def test_a_stix_20_bundle_served_over_http_arrives_upgraded(engine: Engine, site: FeedSite) -> None:
    import stix2validator

    poisonivy = (
        Path(stix2validator.__file__).parent
        / "schemas-2.0"
        / "examples"
        / "threat-reports"
        / "poisonivy.json"
    )
    original = json.loads(poisonivy.read_text("utf-8"))["objects"]
    site.put("poisonivy.json", poisonivy.read_bytes())
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="pivy",
            source=f"{site.url}/poisonivy.json",
            fmt="stix",
            org="MyCERT",
            collection_id=REGIONAL,
        )
    run = run_feed(engine, "pivy")
    assert run.outcome == "imported" and run.result.rejected == 0, run.result.problems
    stored = {o["id"]: o for o in _stored(engine)}
    assert {o["id"] for o in original if o["type"] not in ("identity", "marking-definition")} <= set(stored)
    assert {stored[o["id"]]["spec_version"] for o in original if o["id"] in stored} == {"2.1"}
    assert run_feed(engine, "pivy").outcome == "not-modified"


def test_an_undated_list_run_twice_the_same_day_stores_nothing_new(engine: Engine, site: FeedSite) -> None:
    site.put("ips.txt", b"# a plain list\n203.0.113.5\n198.51.100.9\n")
    with write_transaction(engine) as conn:
        add_feed(
            conn,
            name="ips",
            source=f"{site.url}/ips.txt",
            fmt="plain-ip",
            org="MyCERT",
            collection_id=REGIONAL,
            classification="abusive-content/spam",
        )
    assert run_feed(engine, "ips").result.accepted == 2
    site.put("ips.txt", b"# a plain list, reordered\n198.51.100.9\n203.0.113.5\n")  # a new ETag
    again = run_feed(engine, "ips")
    assert (again.outcome, again.result.accepted, again.result.already_present) == ("imported", 0, 2)


def test_problem_lines_of_a_url_feed_name_the_url(engine: Engine, site: FeedSite) -> None:
    site.put("feodo.txt", FEODO.read_bytes())
    _feodo(engine, f"{site.url}/feodo.txt")
    run = run_feed(engine, "feodo")
    assert run.result.problems == [
        f"{site.url}/feodo.txt:10: 10.213.75.205 is a local or reserved network, never a public indicator"
    ]


def test_a_feed_without_a_tlp_takes_the_organisations_default(engine: Engine) -> None:
    _feodo(engine, str(FEODO))
    run_feed(engine, "feodo")
    [made] = [o for o in _stored(engine) if o["type"] == "indicator"]
    assert made["object_marking_refs"] == [TLP2["amber"]], "MyCERT's default in the ASEAN preset"


def test_a_feed_may_only_land_in_a_collection_its_organisation_may_write(engine: Engine) -> None:
    from gotong.intel.collections import add_collection

    with write_transaction(engine) as conn:
        add_collection(conn, title="Hub notes", alias="hub-notes", writers=["ASEAN-CERT"])
    with pytest.raises(GotongError, match="may not write"), write_transaction(engine) as conn:
        add_feed(
            conn, name="x", source=str(MISP_FEED), fmt="misp-feed", org="MyCERT", collection_id="hub-notes"
        )


def test_a_taxii_source_must_name_a_collection(engine: Engine) -> None:
    with pytest.raises(Invalid, match="not a TAXII collection URL"), write_transaction(engine) as conn:
        add_feed(conn, name="x", source="http://127.0.0.1:9/api1/", fmt="taxii", org="MyCERT")


def test_a_misp_event_that_failed_to_download_is_fetched_on_the_next_run(
    engine: Engine, site: FeedSite
) -> None:
    site.put_folder("misp", MISP_FEED)
    manifest = json.loads(site.files["misp/manifest.json"])
    flaky = next(u for u in manifest if f"misp/{u}.json" in site.files)
    body = site.files.pop(f"misp/{flaky}.json")
    with write_transaction(engine) as conn:
        add_feed(conn, name="misp-http", source=f"{site.url}/misp", fmt="misp-feed", org="MyCERT")
    first = run_feed(engine, "misp-http")
    assert any(p.startswith(f"{flaky}: broken event") for p in first.result.problems)
    site.put(f"misp/{flaky}.json", body)
    second = run_feed(engine, "misp-http")
    assert second.outcome == "imported", "the manifest is fetched again, not answered 304"
    assert second.result.accepted > 0 and not any(flaky in p for p in second.result.problems)
