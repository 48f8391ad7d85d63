"""What a case or an assistance request may not show to another organisation, on every page of it:
a TLP:RED case of ThaiCERT is on no page of MyCERT's analyst (ThaiCERT sees it, and MyCERT sees a
GREEN case of ThaiCERT on the same pages); a request between ThaiCERT and LaoCERT is on no page of
MyCERT (both parties see it). Everything is made through the pages themselves."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from gotong.demo import demo_email
from tests.web.conftest import ANALYST_PASSWORD, MY_ANALYST, sign_in
from tests.web.test_case_pages import open_case, send_preservation

RED_TITLE = "Informant inside the Thai bank's fraud team"
GREEN_TITLE = "Phishing wave shared with the region"
PAIR_TITLE = "Preserve the Lao hosting logs for ThaiCERT"


def test_a_red_case_is_on_no_page_of_another_organisation(new_context: Callable[..., BrowserContext]) -> None:
    owner = new_context().new_page()
    sign_in(owner)
    red_id = open_case(owner, RED_TITLE, tlp="red")
    expect(owner.locator(".marking")).to_contain_text("TLP:RED")
    open_case(owner, GREEN_TITLE, tlp="green")
    pages = ["/", "/cases", "/cases?lead=ThaiCERT", "/cases?min_severity=2", "/intel", f"/intel?q={red_id}"]
    # Positive control: the owner finds it on the list pages and its own page.
    for path in ("/cases", "/cases?lead=ThaiCERT", "/cases?min_severity=2", f"/cases/{red_id}"):
        owner.goto(path)
        expect(owner.get_by_role("main")).to_contain_text(RED_TITLE)
    other = new_context().new_page()
    sign_in(other, MY_ANALYST, ANALYST_PASSWORD)
    expect(other.get_by_role("banner")).to_contain_text("MyCERT")
    for path in [*pages, f"/cases/{red_id}"]:
        response = other.goto(path)
        assert response is not None
        html = other.content()
        assert RED_TITLE not in html, path
        assert f'href="/cases/{red_id}"' not in html, path
        assert 'class="tlp tlp-red"' not in html, path
    response = other.goto(f"/cases/{red_id}")
    assert response is not None and response.status == 404
    # Positive control for the other reader: a GREEN case of ThaiCERT is on the same list pages.
    for path in ("/cases", "/cases?lead=ThaiCERT", "/cases?min_severity=2"):
        other.goto(path)
        expect(other.get_by_role("main")).to_contain_text(GREEN_TITLE)


def test_a_request_between_two_others_is_on_no_page_of_a_third(
    new_context: Callable[..., BrowserContext],
) -> None:
    owner = new_context().new_page()
    sign_in(owner)
    request_id = send_preservation(owner, PAIR_TITLE, "LaoCERT")
    # Positive control: both parties see it, in the list and on its page.
    lao = new_context().new_page()
    sign_in(lao, demo_email("LaoCERT"))
    for page in (owner, lao):
        page.goto("/assistance")
        expect(page.get_by_role("main")).to_contain_text(PAIR_TITLE)
        page.goto(f"/assistance/{request_id}")
        expect(page.get_by_role("main")).to_contain_text(PAIR_TITLE)
    other = new_context().new_page()
    sign_in(other, MY_ANALYST, ANALYST_PASSWORD)
    for path in ("/", "/assistance", "/assistance?kind=preservation", "/assistance?status=sent", "/intel"):
        other.goto(path)
        html = other.content()
        assert PAIR_TITLE not in html, path
        assert f'href="/assistance/{request_id}"' not in html, path
    response = other.goto(f"/assistance/{request_id}")
    assert response is not None and response.status == 404
    assert PAIR_TITLE not in other.content()
    # Positive control for MyCERT: a request it is party to is on its list page.
    send_preservation(other, "Preserve logs for MyCERT", "LaoCERT")
    other.goto("/assistance")
    expect(other.get_by_role("row", name=re.compile("Preserve logs for MyCERT"))).to_be_visible()
