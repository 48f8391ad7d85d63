"""Helpers for the contacts tests: REST clients per organisation, loopback listeners, GnuPG keys."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from gotong.core.auth import Role
from tests.conftest import RunningServer, start_server, token_for

HUB = "ASEAN-CERT"


class Api:
    """One organisation's REST client on the running node."""

    def __init__(self, server: RunningServer, org: str, role: Role) -> None:
        self.http = httpx.Client(
            base_url=server.url,
            headers={"Authorization": f"Bearer {token_for(server.engine, org, role=role)}"},
            timeout=30,
        )

    def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    def refused(self, method: str, path: str, status: int, **kwargs: Any) -> str:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        description: str = response.json()["description"]
        return description


@pytest.fixture
def api(server: RunningServer) -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(org: str, role: Role = Role.COORDINATOR) -> Api:
        made.append(Api(server, org, role))
        return made[-1]

    yield make
    for client in made:
        client.http.close()


@dataclass
class Listener:
    """A webhook listener on loopback: keeps what it receives; acknowledges after ``delay`` or never."""

    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    acks: list[httpx.Response] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    acked: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def listener() -> Iterator[Callable[[float | None], Listener]]:
    servers: list[ThreadingHTTPServer] = []

    def make(delay: float | None) -> Listener:
        server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        found = Listener(url=f"http://127.0.0.1:{server.server_address[1]}/hook")

        def acknowledge(url: str) -> None:
            time.sleep(delay or 0)
            found.acks.append(httpx.post(url, timeout=30))
            found.acked.set()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                found.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()
                found.arrived.set()
                if delay is not None:
                    threading.Thread(target=acknowledge, args=(json.loads(body)["ack_url"],)).start()

            def log_message(self, *args: Any) -> None:
                pass

        server.RequestHandlerClass = Handler
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return found

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_sink() -> Iterator[tuple[int, list[Any]]]:
    """A real SMTP server (aiosmtpd) on a loopback port: its port, and the envelopes it receives."""
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def mail_server(engine: Any) -> Iterator[tuple[RunningServer, list[Any]]]:
    """An aiosmtpd server on loopback and a node whose checks send mail to it."""
    with smtp_sink() as (port, received):
        srv, thread, running = start_server(engine, smtp_host="127.0.0.1", smtp_port=port)
        try:
            yield running, received
        finally:
            srv.should_exit = True
            thread.join(timeout=60)


needs_gpg = pytest.mark.skipif(
    shutil.which("gpg") is None,
    reason="GnuPG (gpg) is not installed: scripts/bootstrap installs Debian's gnupg",
)


def make_key(algorithm: str, *, expire: str = "never", faked_time: str | None = None) -> str:
    """An armored public key made by GnuPG in a throw-away GNUPGHOME."""
    home = tempfile.mkdtemp(prefix="gotong-test-gpg-")
    try:
        base = ["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
        if faked_time:
            base += ["--faked-system-time", faked_time]
        uid = f"Test {algorithm} <desk-{algorithm}@example.org>"
        subprocess.run(
            [*base, "--quick-gen-key", uid, algorithm, "sign", expire], check=True, capture_output=True
        )
        exported = subprocess.run(
            ["gpg", "--homedir", home, "--armor", "--export"], check=True, capture_output=True, text=True
        )
        return exported.stdout
    finally:
        shutil.rmtree(Path(home), ignore_errors=True)


@dataclass
class KeyPair:
    """An OpenPGP key made by GnuPG with an encryption subkey, its secret kept in ``home``."""

    home: str
    public: str
    fingerprint: str

    def decrypt(self, armored: str) -> bytes:
        done = subprocess.run(
            ["gpg", "--homedir", self.home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
             "--decrypt"],
            input=armored.encode(), check=True, capture_output=True,
        )  # fmt: skip
        return done.stdout


@pytest.fixture
def key_pair() -> Iterator[KeyPair]:
    """A sound key (Ed25519, with a Curve25519 subkey to encrypt to) whose secret the test holds."""
    home = tempfile.mkdtemp(prefix="gotong-test-gpg-")
    base = ["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
    try:
        subprocess.run(
            [*base, "--quick-gen-key", "Desk <desk@thaicert.example>", "ed25519", "sign", "never"],
            check=True, capture_output=True,
        )  # fmt: skip
        listed = subprocess.run(
            ["gpg", "--homedir", home, "--list-keys", "--with-colons"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        fingerprint = next(line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr:"))
        subprocess.run(
            [*base, "--quick-add-key", fingerprint, "cv25519", "encr", "never"],
            check=True,
            capture_output=True,
        )
        public = subprocess.run(
            ["gpg", "--homedir", home, "--armor", "--export"], check=True, capture_output=True, text=True
        ).stdout
        yield KeyPair(home=home, public=public, fingerprint=fingerprint)
    finally:
        subprocess.run(
            ["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False, capture_output=True
        )
        shutil.rmtree(Path(home), ignore_errors=True)
