"""A real HTTP server on a loopback port that serves feed files the way feed publishers do.

It answers with ``ETag`` and ``Last-Modified``, honours ``If-None-Match`` with 304, records every
request's path and headers, and can be told to fail (an HTTP status, or a dropped connection).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class FeedSite:
    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fail_with: int | None = None

    def put(self, path: str, body: bytes) -> None:
        self.files[path.lstrip("/")] = body

    def put_folder(self, prefix: str, folder: Path) -> None:
        for item in folder.iterdir():
            if item.is_file():
                self.put(f"{prefix}/{item.name}", item.read_bytes())

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == "/" + path.lstrip("/")]


@contextmanager
def feed_site() -> Iterator[FeedSite]:
    site = FeedSite(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            if site.fail_with is not None:
                self.send_error(site.fail_with, "told to fail")
                return
            body = site.files.get(self.path.lstrip("/"))
            if body is None:
                self.send_error(404, "no such feed file")
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(usegmt=True))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        httpd.shutdown()
        httpd.server_close()
