"""The dashboard is light on a slow link: under 200 KB on first load, under 30 KB on a later one.

The browser counts the bytes it received for every response of the page load (headers and bodies,
as the network carried them); cached static files cost nothing on a later load. Sizes, not timings.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page

from tests.web.conftest import sign_in

FIRST_LOAD_LIMIT = 200 * 1024
LATER_LOAD_LIMIT = 30 * 1024


def _received(page: Page, path: str, *, cold: bool) -> tuple[int, dict[str, int]]:
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": cold})
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    session.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    session.on(
        "Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"]))
    )
    page.goto(path, wait_until="load")
    page.wait_for_load_state("networkidle")
    session.detach()
    by_url = {urls.get(request, request): size for request, size in sizes.items()}
    return sum(sizes.values()), by_url


def test_the_dashboard_weighs_little_first_and_less_later(new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(cache=True).new_page()
    sign_in(page)
    first, first_urls = _received(page, "/", cold=True)  # as if the browser had never been here
    later, later_urls = _received(page, "/", cold=False)
    static_first = sum(n for u, n in first_urls.items() if "/static/" in u)
    static_later = sum(n for u, n in later_urls.items() if "/static/" in u)
    assert static_first > 0  # the first load fetched the stylesheet and the script...
    assert static_later == 0  # ...and the later one took them from the cache
    assert 0 < first < FIRST_LOAD_LIMIT, first
    assert 0 < later < LATER_LOAD_LIMIT, later
    print(f"dashboard: first load {first} bytes, later load {later} bytes")
