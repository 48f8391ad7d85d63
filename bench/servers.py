"""Servers under test, each a separate process on a loopback port: Gotong (``gotong serve``) and the OASIS
reference TAXII 2.1 server medallion (its Flask app, memory backend, generated config).

A separate process is what an operator runs, and it keeps the benchmark's own client work (and GIL) out of
the server's measurements. Optionally the Gotong server runs under ``py-spy record`` for a profile.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import orjson

TAXII = "application/taxii+json;version=2.1"
_START_TIMEOUT = 90.0
_STOP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Process:
    """A server process that is up once its discovery endpoint answers, and is stopped with SIGINT."""

    name = "server"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = workdir / f"{self.name}-{self.port}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def auth(self) -> Any:
        raise NotImplementedError

    def __enter__(self) -> Self:
        with self._log.open("wb") as log:
            # A session of its own: SIGINT reaches the server and, when profiling, py-spy too.
            self._proc = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_up()
        except BaseException:  # a timeout, a crash, or Ctrl-C/SIGTERM while waiting: never leave it running
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_up(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                answer = httpx.get(
                    f"{self.url}/taxii2/", headers={"Accept": TAXII}, auth=self.auth(), timeout=2
                )
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start in {_START_TIMEOUT:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        os.killpg(self._proc.pid, signal.SIGINT)  # uvicorn and py-spy both finish cleanly on SIGINT
        try:
            self._proc.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self._log.read_text("utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


class GotongServer(_Process):
    """``gotong serve`` over the database at ``database_url``."""

    name = "gotong"

    def __init__(self, workdir: Path, *, database_url: str, py_spy: str | None = None) -> None:
        super().__init__(workdir)
        self.database_url = database_url
        self.py_spy = py_spy
        self.profile: Path | None = None
        self.api_root = f"{self.url}/api1/"

    def command(self) -> list[str]:
        serve = [sys.executable, "-m", "gotong", "serve", "--port", str(self.port)]
        if not self.py_spy:
            return serve
        self.profile = self.workdir / f"gotong-{self.port}.pyspy.txt"
        return [
            self.py_spy,
            "record",
            "--format",
            "raw",
            "--function",
            "--rate",
            "100",
            "-o",
            str(self.profile),
            "--",
            *serve,
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["GOTONG_DATABASE_URL"] = self.database_url
        env["GOTONG_NODE_KEY_FILE"] = str(self.workdir / "gotong-node.key")
        return env

    def auth(self) -> Any:
        return None  # discovery is open; requests carry a Bearer token

    def collection_url(self, collection_id: str) -> str:
        return f"{self.api_root}collections/{collection_id}/"

    def headers(self, token: str) -> dict[str, str]:
        return {"Accept": TAXII, "Content-Type": TAXII, "Authorization": f"Bearer {token}"}


class MedallionServer(_Process):
    """medallion's Flask app with its memory backend and one empty, writable collection."""

    name = "medallion"
    user, password = "bench", "bench-password"
    collection_id = "4f2a1d6c-2b0e-4c8e-9a51-7d3f0c1b2e9a"

    def __init__(self, workdir: Path, *, page_limit: int) -> None:
        super().__init__(workdir)
        self.api_root = f"{self.url}/api1/"
        self._page_limit = page_limit

    def command(self) -> list[str]:
        data = self.workdir / f"medallion-data-{self.port}.json"
        config = self.workdir / f"medallion-config-{self.port}.json"
        data.write_bytes(orjson.dumps(self._data()))
        config.write_bytes(
            orjson.dumps(
                {
                    "backend": {
                        "module": "medallion.backends.memory_backend",
                        "module_class": "MemoryBackend",
                        "filename": str(data),
                    },
                    "users": {self.user: self.password},
                    "taxii": {"max_page_size": self._page_limit},
                }
            )
        )
        return [
            sys.executable,
            "-m",
            "medallion.scripts.run",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "ERROR",
            str(config),
        ]

    def auth(self) -> Any:
        return (self.user, self.password)

    def collection_url(self) -> str:
        return f"{self.api_root}collections/{self.collection_id}/"

    def headers(self) -> dict[str, str]:
        return {"Accept": TAXII, "Content-Type": TAXII}

    def _data(self) -> dict[str, Any]:
        return {
            "/discovery": {
                "title": "medallion (benchmark baseline)",
                "default": self.api_root,
                "api_roots": [self.api_root],
            },
            "api1": {
                "information": {
                    "title": "Benchmark",
                    "versions": [TAXII],
                    "max_content_length": 100 * 1024 * 1024,
                },
                "status": [],
                "collections": [
                    {
                        "id": self.collection_id,
                        "title": "Benchmark indicators",
                        "can_read": True,
                        "can_write": True,
                        "media_types": ["application/stix+json;version=2.1"],
                        "objects": [],
                        "manifest": [],
                    }
                ],
            },
        }
