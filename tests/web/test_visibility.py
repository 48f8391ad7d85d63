"""A TLP:RED object of ThaiCERT shows on no page to an analyst of MyCERT; its owner sees it.

The object is submitted through the UI itself, so the whole path (form, store, pages) is tested.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.web.conftest import ANALYST_PASSWORD, MY_ANALYST, sign_in

RED_NAME = "Informant address given to ThaiCERT only"
RED_VALUE = "192.0.2.250"


def _submit_red(page: Page) -> str:
    page.goto("/intel/new")
    page.get_by_label("Name").fill(RED_NAME)
    page.get_by_label("Kind of value").select_option("ipv4-addr")
    page.get_by_role("textbox", name="Value", exact=True).fill(RED_VALUE)
    page.get_by_label("TLP").select_option("red")
    page.get_by_role("button", name="Submit the indicator").click()
    expect(page.locator(".marking")).to_contain_text("TLP:RED")
    found = re.search(r"/intel/(indicator--[0-9a-f-]+)", page.url)
    assert found is not None
    return found.group(1)


def test_a_red_object_is_on_no_page_of_another_organisation(
    new_context: Callable[..., BrowserContext],
) -> None:
    owner = new_context().new_page()
    sign_in(owner)
    stix_id = _submit_red(owner)
    pages = [
        "/",
        "/alerts",
        f"/search?value={RED_VALUE}",
        "/intel",
        "/intel?tlp=TLP:RED",
        f"/intel?q={RED_VALUE}",
        f"/intel?q={stix_id}",
        f"/intel/{stix_id}",
    ]
    # Positive control: the owner finds it where the other organisation must not.
    for path in (
        f"/search?value={RED_VALUE}",
        "/intel?tlp=TLP:RED",
        f"/intel?q={stix_id}",
        f"/intel/{stix_id}",
    ):
        owner.goto(path)
        expect(owner.get_by_role("main")).to_contain_text(RED_NAME)
    other = new_context().new_page()
    sign_in(other, MY_ANALYST, ANALYST_PASSWORD)
    expect(other.get_by_role("banner")).to_contain_text("MyCERT")
    for path in pages:
        response = other.goto(path)
        assert response is not None
        html = other.content()
        # What only the object could put on a page: its name, a link to it, a RED badge. (The id or
        # value the reader typed is echoed in the form, which tells them nothing.)
        assert RED_NAME not in html, path
        assert f'href="/intel/{stix_id}"' not in html, path
        assert 'class="tlp tlp-red"' not in html, path
        if path == f"/intel/{stix_id}":
            assert response.status == 404
    # Positive control for the other reader: the same pages do show what MyCERT may see.
    other.goto("/intel")
    expect(other.get_by_role("main")).to_contain_text("Same C2 seen from Malaysia")
