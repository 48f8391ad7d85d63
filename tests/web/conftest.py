"""Browser tests: a real node (uvicorn on loopback, demo data) driven by Debian's Chromium.

Playwright never downloads a browser: it launches ``/usr/bin/chromium`` (installed by
``scripts/bootstrap test``). Every request the browser makes is checked by a route handler: one
that is not for the node under test fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, Route, sync_playwright
from sqlalchemy import Engine

from gotong.core.auth import Role
from gotong.db.engine import write_transaction
from gotong.demo import DEMO_PASSWORD, demo_email, load_demo
from gotong.node import init_node
from gotong.orgs.passwords import set_password
from gotong.orgs.service import add_user
from tests.conftest import NodeTemplate, RunningServer, start_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MY_ANALYST = "analyst@mycert.example"
ANALYST_PASSWORD = "analyst-password-of-mycert"
THAI = demo_email("ThaiCERT")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/bootstrap test (it installs Debian's chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _demo_node(engine: Engine) -> None:
    init_node(engine, preset="asean")
    load_demo(engine)
    with write_transaction(engine) as conn:
        add_user(conn, email=MY_ANALYST, org="MyCERT", role=Role.ANALYST)
        set_password(conn, email=MY_ANALYST, password=ANALYST_PASSWORD)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, node_template: NodeTemplate) -> NodeTemplate:
    """The demo node made once per run (the demo takes seconds to load) and copied for each test,
    as ``node_template`` is for the bare preset. The browser tests run one after another within
    minutes, so the demo's times relative to its loading (clocks, due dates) hardly age."""
    return NodeTemplate(tmp_path_factory.mktemp("demo-template"), build=_demo_node)


@pytest.fixture
def demo_engine(database_url: str, demo_template: NodeTemplate) -> Iterator[Engine]:
    """A copy of the demo node: ASEAN preset, demo data for every domain, an analyst of MyCERT."""
    eng = demo_template.make(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def node(demo_engine: Engine, tmp_path: Path) -> Iterator[RunningServer]:
    """A demo node (ASEAN preset, demo intelligence and users) plus an analyst of MyCERT, served."""
    engine = demo_engine
    srv, thread, running = start_server(
        engine, node_key_file=str(tmp_path / "node.key"), feed_scheduler=False, federation=False
    )
    yield running
    srv.should_exit = True
    thread.join(timeout=60)


@dataclass
class Traffic:
    """Every request the browser made, and those that went elsewhere than the node (must be none)."""

    urls: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def new_context(
    browser: Browser, node: RunningServer, traffic: Traffic
) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts whose requests may only go to the node under test."""
    made: list[BrowserContext] = []
    own = re.compile(rf"^{re.escape(node.url)}(/|$)")

    def guard(route: Route) -> None:
        url = route.request.url
        traffic.urls.append(url)
        if own.match(url):
            route.continue_()
        else:
            traffic.foreign.append(url)
            route.abort()

    def watch(request: Request) -> None:
        traffic.urls.append(request.url)
        if not own.match(request.url):
            traffic.foreign.append(request.url)

    def make(*, javascript: bool = True, cache: bool = False) -> BrowserContext:
        """A context whose requests go only to the node; ``cache`` keeps the browser's HTTP cache on
        (Chromium bypasses its cache under request interception, so there each request is watched
        instead of routed, and any foreign one still fails the test)."""
        context = browser.new_context(base_url=node.url, java_script_enabled=javascript)
        if cache:
            context.on("request", watch)
        else:
            context.route("**/*", guard)
        context.set_default_timeout(20_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    assert traffic.foreign == [], f"the browser asked another host: {traffic.foreign}"


def sign_in(page: Page, email: str = THAI, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))
