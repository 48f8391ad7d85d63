"""Defences at the HTTP edge that hold for every route: response headers, failed-login throttling, and
the refusal of request text no route can use.

Three small ASGI middlewares, installed by :func:`install` (one line in ``create_app``):

* :class:`SecurityHeaders` adds headers suited to a JSON/TAXII API and a server-rendered web UI that
  loads nothing from elsewhere (``Content-Security-Policy: default-src 'self'``, no framing, no
  MIME sniffing, no referrer across origins, no caching of authenticated answers);
* :class:`FailedAuthThrottle` counts answers of 401 to requests that carried credentials, per client
  address; past the limit, requests with credentials from that address are answered 429 with
  ``Retry-After`` until the window has passed, without reaching the token check;
* :class:`NulRefusal` answers 400 to a path or query string holding a NUL character (``%00``): no
  identifier, filter or search text may hold one, and PostgreSQL cannot even compare it.

They are raw ASGI (not ``BaseHTTPMiddleware``) so streaming answers stay streamed.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from fastapi import FastAPI

from gotong.settings import Settings

__all__ = ["FailedAuthThrottle", "NulRefusal", "SecurityHeaders", "install"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
# The interactive API docs page loads its script and styles from a CDN; it keeps a policy of its own.
_DOCS_PATHS = frozenset({"/api/docs", "/api/docs/oauth2-redirect", "/api/redoc"})


def _problem(status: int, title: str, description: str, extra: list[tuple[bytes, bytes]]) -> list[Message]:
    body = orjson.dumps({"title": title, "description": description, "http_status": str(status)})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") in _DOCS_PATHS
        authenticated = any(name == b"authorization" for name, _ in scope.get("headers", ()))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                added = [
                    (n, v)
                    for n, v in HEADERS
                    if n not in present and not (docs and n == b"content-security-policy")
                ]
                if authenticated and b"cache-control" not in present:
                    added.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        await self.app(scope, receive, with_headers)


class FailedAuthThrottle:
    """At most ``limit`` failed authentications per client address in ``window`` seconds."""

    def __init__(
        self, app: ASGIApp, *, limit: int = 20, window: float = 60.0, tracked: int = 100_000
    ) -> None:
        self.app = app
        self.limit = limit
        self.window = window
        self._tracked = tracked
        self._failures: OrderedDict[str, tuple[float, int]] = (
            OrderedDict()
        )  # address -> (window start, count)
        self._lock = threading.Lock()

    def _retry_after(self, address: str, now: float) -> int | None:
        with self._lock:
            entry = self._failures.get(address)
            if entry is None:
                return None
            start, count = entry
            if now - start >= self.window:
                del self._failures[address]
                return None
            return math.ceil(self.window - (now - start)) if count >= self.limit else None

    def _failed(self, address: str, now: float) -> None:
        with self._lock:
            start, count = self._failures.pop(address, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            self._failures[address] = (start, count + 1)
            while len(self._failures) > self._tracked:  # memory stays bounded whatever the addresses
                self._failures.popitem(last=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(n == b"authorization" for n, _ in scope.get("headers", ())):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = str(client[0]) if client else "unknown"
        wait = self._retry_after(address, time.monotonic())
        if wait is not None:
            for message in _problem(
                429,
                "Too many failed authentications",
                f"too many failed authentications from this address; try again in {wait} s",
                [(b"retry-after", str(wait).encode())],
            ):
                await send(message)
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self._failed(address, time.monotonic())
            await send(message)

        await self.app(scope, receive, watch)


class NulRefusal:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or b""
            query = scope.get("query_string") or b""
            if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query or b"%00" in raw_path:
                for message in _problem(
                    400, "Invalid input", "the request's path or query holds a NUL character", []
                ):
                    await send(message)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Put the edge defences around ``app`` (headers outermost, so even a 429 or a 400 carries them)."""
    app.add_middleware(NulRefusal)
    app.add_middleware(FailedAuthThrottle, limit=settings.auth_failures_per_minute, window=60.0)
    app.add_middleware(SecurityHeaders)
