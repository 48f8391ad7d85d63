"""The outbound-request policy: what feeds, webhooks and peers may connect to.

Refusals of addresses that are not on this machine are checked with a guard transport in place of
the network, which fails the test if it is ever reached: no test sends a packet off the machine.
Everything that can be tried for real is tried against real listeners on loopback addresses.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.core.outbound import (
    OutboundPolicy,
    OutboundRefused,
    PolicyTransport,
    excerpt,
    outbound_client,
    refusal,
)
from gotong.correlation.webhooks import add_webhook, deliver_due
from gotong.db.engine import write_transaction
from gotong.feeds.registry import add_feed
from gotong.feeds.runs import run_feed
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.settings import Settings
from tests.helpers import REGIONAL, REGIONAL_ID, indicator


@dataclass
class Listener:
    """A real HTTP server on a loopback address that counts what reaches it."""

    host: str
    port: int = 0
    hits: list[str] = field(default_factory=list)
    redirect_to: str | None = None
    body: bytes = b"# secret internal file\nroot:x:0:0\n"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"


@contextmanager
def listener(host: str = "127.0.0.1") -> Iterator[Listener]:
    site = Listener(host)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            site.hits.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if site.redirect_to is not None and self.path.startswith("/go"):
                self.send_response(302)
                self.send_header("Location", site.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(site.body)))
            self.end_headers()
            self.wfile.write(site.body)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer((host, 0), Handler)
    site.port = int(http.server_address[1])
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        http.shutdown()
        http.server_close()


class _Guard(httpx.BaseTransport):
    """Stands where the network would be; reaching it means the policy let a request through."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.reached.append(str(request.url))
        return httpx.Response(200, text="reached")


@pytest.fixture
def no_allow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The node's default: no allow-list (the suite allows loopback for everything else)."""
    monkeypatch.delenv("GOTONG_OUTBOUND_ALLOW", raising=False)


def _client(allow: str = "") -> httpx.Client:
    return outbound_client(Settings(outbound_allow=allow), timeout=5, follow_redirects=True)


FORBIDDEN_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://224.0.0.251/",
    "http://[ff02::1]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://0.0.0.0:5432/",
    "http://[::]/",
    "http://127.0.0.1:5432/",
    "http://127.1/",
    "http://2130706433/",
    "http://017700000001/",
    "http://0x7f.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
    "http://192.0.2.1/",  # documentation range
    "http://localhost/",
]


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
def test_every_form_of_an_internal_address_is_refused_before_any_connection(url: str) -> None:
    guard = _Guard()
    with (
        httpx.Client(transport=PolicyTransport(OutboundPolicy(), guard)) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get(url)
    assert guard.reached == []


def test_a_public_address_goes_through_to_the_network_as_the_checked_address() -> None:
    """Positive control for the test above: the guard is reached, at the address that was checked."""
    guard = _Guard()
    with httpx.Client(transport=PolicyTransport(OutboundPolicy(), guard)) as client:
        assert client.get("http://8.8.8.8:8080/feed.txt").text == "reached"
    assert guard.reached == ["http://8.8.8.8:8080/feed.txt"]


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("fd00:ec2::254", "unique-local"),
        ("100.64.1.1", "carrier-grade"),
        ("239.1.1.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_each_category_is_named_in_the_refusal(address: str, why: str) -> None:
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None and why in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_are_not_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_loopback_is_refused_by_default_and_reached_when_allowed() -> None:
    with listener() as site:
        with _client() as client, pytest.raises(OutboundRefused, match="loopback"):
            client.get(site.url("/feed.txt"))
        assert site.hits == []
        with _client("127.0.0.1") as client:
            assert client.get(site.url("/feed.txt")).status_code == 200
        assert site.hits == ["/feed.txt"]


def test_a_name_that_resolves_to_loopback_is_refused_unless_the_name_is_allowed() -> None:
    with listener() as site:
        url = f"http://localhost:{site.port}/feed.txt"
        with _client() as client, pytest.raises(OutboundRefused, match=r"localhost \(.*\) is a loopback"):
            client.get(url)
        assert site.hits == []
        with _client("localhost") as client:
            assert client.get(url).status_code == 200
        assert site.hits == ["/feed.txt"]


def test_a_redirect_to_a_forbidden_address_is_refused_at_that_hop() -> None:
    with listener("127.0.0.1") as front, listener("127.0.0.2") as inner:
        front.redirect_to = inner.url("/secret")
        with _client("127.0.0.1/32") as client, pytest.raises(OutboundRefused, match=r"127\.0\.0\.2"):
            client.get(front.url("/go"))
        assert (front.hits, inner.hits) == (["/go"], [])
        with _client("127.0.0.0/8") as client:  # positive control: allowed, the hop is followed
            assert client.get(front.url("/go")).status_code == 200
        assert inner.hits == ["/secret"]


def test_redirects_are_bounded() -> None:
    with listener() as site:
        site.redirect_to = site.url("/go-again")
        with _client("127.0.0.1") as client, pytest.raises(httpx.TooManyRedirects):
            client.get(site.url("/go"))
        assert len(site.hits) == 6  # the request and five redirects


def test_a_closed_port_gets_the_same_words_as_any_unreachable_one() -> None:
    with listener() as site:
        closed = site.port
    with _client("127.0.0.1") as client, pytest.raises(httpx.ConnectError) as caught:
        client.get(f"http://127.0.0.1:{closed}/")
    assert str(caught.value) == f"cannot connect to 127.0.0.1:{closed}"


def test_the_excerpt_of_remote_text_is_short_and_free_of_control_characters() -> None:
    shown = excerpt("line one\nline two\x1b[31m\x00" + "x" * 500, 60)
    assert len(shown) == 60 and "\n" not in shown and "\x1b" not in shown and "\x00" not in shown
    assert shown.startswith("line one line two")


def test_a_feed_pointing_at_loopback_fails_without_fetching(engine: Engine, no_allow: None) -> None:
    with listener() as site:
        with write_transaction(engine) as conn:
            add_feed(
                conn,
                name="inside",
                source=site.url("/go"),
                fmt="abusech-feodo",
                org="MyCERT",
                collection_id=REGIONAL,
                classification="malicious-code/c2-server",
            )
        run = run_feed(engine, "inside")
        assert run.outcome == "failed" and "outbound policy" in (run.error or "")
        assert site.hits == []
        assert "root:x" not in (run.error or "") and not any("root:x" in p for p in run.result.problems)


def test_a_feed_redirected_to_an_internal_address_is_refused(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTONG_OUTBOUND_ALLOW", "127.0.0.1/32")
    with listener("127.0.0.1") as front, listener("127.0.0.2") as inner:
        front.redirect_to = inner.url("/etc/passwd")
        with write_transaction(engine) as conn:
            add_feed(
                conn,
                name="bounce",
                source=front.url("/go"),
                fmt="abusech-feodo",
                org="MyCERT",
                collection_id=REGIONAL,
                classification="malicious-code/c2-server",
            )
        run = run_feed(engine, "bounce")
        assert run.outcome == "failed" and "127.0.0.2" in (run.error or "")
        assert (front.hits, inner.hits) == (["/go"], [])


def _country(engine: Engine, org: str, ip: str) -> None:
    with engine.connect() as conn:
        who = get_org(conn, short_name=org)
    obj = indicator(tlp="green")
    obj["pattern"] = f"[ipv4-addr:value = '{ip}']"
    add_objects(
        engine, principal=Principal(org_id=who.id, org_short=org), collection_id=REGIONAL_ID, objects=[obj]
    )


def test_a_webhook_to_an_internal_listener_is_not_posted(engine: Engine) -> None:
    with listener() as site:
        with write_transaction(engine) as conn:
            add_webhook(conn, org="LaoCERT", url=site.url("/hook"))
        _country(engine, "ThaiCERT", "198.51.100.9")
        _country(engine, "MyCERT", "198.51.100.9")
        with _client() as refused:
            assert deliver_due(engine, refused) == 0
        assert site.hits == []
        with _client("127.0.0.1") as allowed:  # positive control: the alert was due and is delivered
            assert deliver_due(engine, allowed, now=10**18) == 1
        assert site.hits == ["/hook"]


def test_a_taxii_page_larger_than_an_envelope_is_refused() -> None:
    from gotong.feeds.fetch import FetchError, taxii_pages

    with listener() as site:
        site.body = orjson.dumps({"more": False, "objects": [{}] * 10_001})
        url = site.url("/api1/collections/x/")
        with _client("127.0.0.1") as client, pytest.raises(FetchError, match="more than 10000"):
            list(taxii_pages(client, url, added_after=None))
        site.body = orjson.dumps({"more": False, "objects": [{}] * 3})  # control: a normal page is read
        with _client("127.0.0.1") as client:
            assert [len(p.objects) for p in taxii_pages(client, url, added_after=None)] == [3]
