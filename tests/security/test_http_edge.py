"""The HTTP edge: security headers on every answer, and failed authentication throttled per address."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import RunningServer, start_server, token_for

TAXII = "application/taxii+json;version=2.1"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/taxii2/", 200),
        ("GET", "/api/v1/alerts", 401),
        ("GET", "/api/v1/nowhere", 404),
        ("PUT", "/taxii2/", 405),
        ("GET", "/api1/collections/?limit=%00", 400),
    ],
)
def test_every_answer_carries_the_security_headers(
    server: RunningServer, method: str, path: str, status: int
) -> None:
    response = httpx.request(method, server.url + path, headers={"Accept": TAXII}, timeout=30)
    assert response.status_code == status, response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_authenticated_answers_are_not_cached(server: RunningServer) -> None:
    token = token_for(server.engine, "ThaiCERT")
    mine = httpx.get(f"{server.url}/taxii2/", headers={"Accept": TAXII, "Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and mine.headers["cache-control"] == "no-store"
    public = httpx.get(f"{server.url}/taxii2/", headers={"Accept": TAXII})
    assert "cache-control" not in public.headers  # control: an anonymous answer may be cached


def test_failed_authentication_is_throttled_per_address(engine: object) -> None:
    srv, thread, running = start_server(engine, auth_failures_per_minute=5)  # type: ignore[arg-type]
    try:
        good = token_for(running.engine, "ThaiCERT")
        url = f"{running.url}/api/v1/alerts"
        with httpx.Client(timeout=30) as client:
            assert client.get(url, headers={"Authorization": f"Bearer {good}"}).status_code == 200
            answers = [
                client.get(url, headers={"Authorization": f"Bearer guess-{i}"}).status_code for i in range(8)
            ]
            assert answers == [401] * 5 + [429] * 3
            throttled = client.get(url, headers={"Authorization": f"Bearer {good}"})
            assert throttled.status_code == 429
            assert 0 < int(throttled.headers["retry-after"]) <= 60
            assert "too many failed authentications" in throttled.json()["description"]
            # Requests without credentials are not throttled: public reads go on.
            assert client.get(f"{running.url}/taxii2/", headers={"Accept": TAXII}).status_code == 200
    finally:
        srv.should_exit = True
        thread.join(timeout=60)
