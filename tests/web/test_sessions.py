"""Sessions and forms over HTTP (httpx against a real node): cookie flags, CSRF, expiry, rate limit.

No browser here: these requests are the ones an attacker's page or script would make.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from gotong.settings import Settings
from gotong.stix.timestamps import now_micros
from gotong.web.sessions import Session, SessionCodec, load_or_create_secret, secret_path
from tests.conftest import RunningServer, token_for

PASSWORD = "gotong-demo-password"
THAI = "admin@thaicert.example"


def _csrf(client: httpx.Client, path: str = "/login") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


@contextmanager
def _signed_in(node: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=node.url) as client:
        response = client.post(
            "/login", data={"csrf": _csrf(client), "email": THAI, "password": PASSWORD, "next": "/alerts"}
        )
        assert response.status_code == 303 and response.headers["location"] == "/alerts"
        yield client


def test_the_session_cookie_is_httponly_and_samesite(node: RunningServer) -> None:
    with _signed_in(node) as client:
        cookie = next(c for c in client.cookies.jar if c.name == "gotong_session")
        assert cookie.has_nonstandard_attr("HttpOnly")
        assert cookie.get_nonstandard_attr("SameSite") == "lax"
        page = client.get("/")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"


def test_a_form_without_the_session_csrf_token_is_refused(node: RunningServer) -> None:
    with _signed_in(node) as client:
        refused = client.post("/alerts/1/ack", data={})
        assert refused.status_code == 403 and "form had expired" in refused.text
        forged = client.post("/alerts/1/ack", data={"csrf": "guessed"})
        assert forged.status_code == 403
        assert "Acknowledged by" not in client.get("/alerts").text
        accepted = client.post("/alerts/1/ack", data={"csrf": _csrf(client, "/alerts")})  # positive control
        assert accepted.status_code == 303
        assert "Acknowledged by" in client.get("/alerts").text


def test_sign_in_needs_the_sign_in_forms_own_token(node: RunningServer) -> None:
    with httpx.Client(base_url=node.url) as client:
        refused = client.post("/login", data={"email": THAI, "password": PASSWORD})
        assert refused.status_code == 403
        assert "gotong_session" not in client.cookies


def test_an_address_elsewhere_is_never_the_page_after_sign_in(node: RunningServer) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        with httpx.Client(base_url=node.url) as client:
            token = _csrf(client)
            response = client.post(
                "/login", data={"csrf": token, "email": THAI, "password": PASSWORD, "next": target}
            )
            assert response.status_code == 303 and response.headers["location"] == "/", target


def test_bad_input_is_a_page_that_names_the_problem(node: RunningServer) -> None:
    with _signed_in(node) as client:
        assert client.get("/alerts/x/ack").status_code in {404, 405}
        wrong = client.post("/alerts/not-a-number/ack", data={"csrf": _csrf(client, "/alerts")})
        assert wrong.status_code == 400 and "alert_id" in wrong.text and "<html" in wrong.text
        missing = client.get("/intel/indicator--00000000-0000-4000-8000-000000000000")
        assert missing.status_code == 404 and "is visible to you" in missing.text
        bad_cursor = client.get("/intel?next=nonsense")
        assert bad_cursor.status_code == 400 and "paging token" in bad_cursor.text


def test_one_address_is_throttled_after_many_failures(node: RunningServer) -> None:
    with httpx.Client(base_url=node.url) as client:
        token = _csrf(client)
        statuses = [
            client.post(
                "/login", data={"csrf": token, "email": f"u{i}@x.example", "password": "x"}
            ).status_code
            for i in range(20)
        ]
        assert set(statuses) == {401}
        blocked = client.post("/login", data={"csrf": token, "email": THAI, "password": PASSWORD})
        assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text


def test_the_session_secret_is_made_once_beside_the_node_key(tmp_path: Path) -> None:
    settings = Settings(node_key_file=str(tmp_path / "keys" / "node.key"))
    (tmp_path / "keys").mkdir()
    path = secret_path(settings)
    assert path == tmp_path / "keys" / "gotong-session.key"
    first = load_or_create_secret(path)
    assert len(first) >= 32 and path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_secret(path) == first
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="too short"):
        load_or_create_secret(path)


class _HourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3600


def test_an_idle_or_too_old_session_is_not_accepted() -> None:
    secret = b"s" * 48
    codec = SessionCodec(secret, idle_seconds=1800, max_seconds=12 * 3600)
    session, cookie = codec.new_session(7)
    assert codec.read(cookie) is not None  # positive control
    idle = URLSafeTimedSerializer(secret, salt="gotong.session", signer=_HourAgo)
    assert codec.read(idle.dumps([7, session.issued_at, session.csrf])) is None
    old = Session(user_id=7, issued_at=now_micros() - 13 * 3600 * 1_000_000, csrf="c", signed_at=0)
    assert codec.read(codec.sign(old)) is None
    assert codec.read(cookie[:-2] + "xx") is None  # tampered
    other = SessionCodec(b"o" * 48, idle_seconds=1800, max_seconds=12 * 3600)
    assert other.read(cookie) is None  # another node's secret


def test_a_role_sees_only_the_sections_and_actions_it_may_use(node: RunningServer) -> None:
    from gotong.core.auth import Role
    from gotong.db.engine import write_transaction
    from gotong.orgs.passwords import set_password
    from gotong.orgs.service import add_user

    with write_transaction(node.engine) as conn:
        add_user(conn, email="reader@thaicert.example", org="ThaiCERT", role=Role.READONLY)
        set_password(conn, email="reader@thaicert.example", password="a reader's own password")
    with httpx.Client(base_url=node.url) as client:
        client.post(
            "/login",
            data={
                "csrf": _csrf(client),
                "email": "reader@thaicert.example",
                "password": "a reader's own password",
            },
        )
        dashboard = client.get("/").text
        assert 'href="/alerts"' in dashboard  # positive control: signed in, with the reading sections
        assert 'href="/admin/tokens"' not in dashboard and 'href="/intel/new"' not in dashboard
        assert "Acknowledge for my organisation" not in client.get("/alerts").text
        tokens = client.get("/admin/tokens")
        assert tokens.status_code == 403 and "needs the role admin" in tokens.text
        assert client.get("/intel/new").status_code == 403
        refused = client.post("/alerts/1/ack", data={"csrf": _csrf(client, "/alerts")})
        assert refused.status_code == 403


def test_signing_in_again_while_signed_in_switches_the_user(node: RunningServer) -> None:
    with _signed_in(node) as client:
        response = client.post(
            "/login", data={"csrf": _csrf(client), "email": "admin@mycert.example", "password": PASSWORD}
        )
        assert response.status_code == 303
        assert "MyCERT" in client.get("/").text.split("</header>")[0]


MALAYSIAN_C2 = "indicator--26c396a6-434a-42e4-ad59-368067051eb9"
"""A demo indicator MyCERT submitted (TLP:GREEN), which ThaiCERT may see."""


def test_reading_an_object_on_its_page_notes_a_receipt_for_its_submitter(node: RunningServer) -> None:
    """The page reads through the same verb as TAXII and REST, so the submitter learns who read it."""
    mycert = {"Authorization": f"Bearer {token_for(node.engine, 'MyCERT')}"}
    url = f"{node.url}/api/v1/receipts?object={MALAYSIAN_C2}"
    before = httpx.get(url, headers=mycert).json()
    assert before == []  # nobody has read it yet
    with _signed_in(node) as client:
        page = client.get(f"/intel/{MALAYSIAN_C2}")
        assert page.status_code == 200 and "Same C2 seen from Malaysia" in page.text
    after = httpx.get(url, headers=mycert).json()
    assert [(r["stix_id"], r["reader"], r["times"]) for r in after] == [(MALAYSIAN_C2, "ThaiCERT", 1)]
