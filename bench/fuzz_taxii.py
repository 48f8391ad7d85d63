"""``python -m bench.fuzz_taxii``: the project's own fuzzer of the TAXII 2.1 and REST APIs.

It reads the node's ``/api/openapi.json`` for the map of endpoints, then sends random requests made of
values that have broken servers before: paging numbers that are not ASCII (``²``) or do not fit 64
bits, ``next`` tokens holding such numbers, filter lists of 100, 101 and 1,000 values, NUL characters,
very long and non-ASCII text, envelopes of mutated STIX objects (nesting past orjson's 255 levels,
integers past 2**64, wrong types, unterminated patterns), malformed JSON, wrong methods and media types.
Every answer must be below 500 and the connection must survive it.

    .venv/bin/python -m bench.fuzz_taxii --requests 20000 [--seed 1] [--database-url URL]

Without ``--url`` it serves a fresh node of its own on a loopback port (SQLite in a temporary folder, or
``--database-url``). Exits 1 if any answer was a 500 or a connection was dropped, printing each one.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import re
import sys
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

TAXII = "application/taxii+json;version=2.1"
REGIONAL_ID = "9c1d5e3a-7b2f-4a6e-8d0c-1f2e3a4b5c6d"

_NUMBERS = ["0", "1", "5", "-1", "²", "٣", "1e3", "0x10", str(2**63), str(2**64 + 1), "9" * 40, " 7", "7 "]
_TEXT = ["", " ", "\x00", "a\x00b", "%", "%00", "'", '"', "\\", "é", "\u202e", "😀", "a" * 5000, "null"]
_TIMES = ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.123456Z", "2026-13-01T00:00:00Z", "yesterday", "0"]
_TYPES = ["indicator", "malware", "ipv4-addr", "x-custom", "INDICATOR", "identity", "marking-definition"]
_PARAMS = [
    "limit",
    "next",
    "added_after",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
]
_REST_PARAMS = ["q", "value", "type", "limit", "since", "collection", "cursor", "org", "tlp", "after"]


def _token(value: str) -> str:
    return base64.urlsafe_b64encode(f"g1:{value}".encode()).decode().rstrip("=")


def _stix_id(rng: random.Random) -> str:
    return f"{rng.choice(_TYPES)}--{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def _listed(rng: random.Random, make: Any) -> str:
    return ",".join(make() for _ in range(rng.choice([1, 2, 100, 101, 1000])))


def _value(rng: random.Random, name: str = "") -> str:
    """A query or path value: mostly plausible, often hostile."""
    roll = rng.random()
    if name == "next" and roll < 0.5:
        return _token(rng.choice(_NUMBERS))
    if name == "match[id]" and roll < 0.5:
        return _listed(rng, lambda: _stix_id(rng))
    if name == "match[type]" and roll < 0.5:
        return _listed(rng, lambda: rng.choice(_TYPES))
    if name in {"match[version]", "added_after"} and roll < 0.5:
        return _listed(rng, lambda: rng.choice([*_TIMES, "first", "last", "all"]))
    if roll < 0.35:
        return rng.choice(_NUMBERS)
    if roll < 0.7:
        return rng.choice(_TEXT)
    if roll < 0.85:
        return _stix_id(rng)
    return "".join(chr(rng.randrange(1, 0x2FF)) for _ in range(rng.randrange(1, 40)))


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"x": value}
    return value


def _indicator(rng: random.Random) -> dict[str, Any]:
    stamp = rng.choice(_TIMES[:2])
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "created": stamp,
        "modified": stamp,
        "pattern": f"[ipv4-addr:value = '198.51.100.{rng.randrange(256)}']",
        "pattern_type": "stix",
        "valid_from": stamp,
    }


_WILD: list[Any] = [None, True, -1, 2**64, 1.5, "", "\x00", "a" * 3000, [], {}, [None] * 50]


def _mutated(rng: random.Random) -> Any:
    obj: Any = _indicator(rng)
    for _ in range(rng.randrange(0, 4)):
        if not isinstance(obj, dict) or not obj:
            break
        roll = rng.random()
        if roll < 0.3:
            obj.pop(rng.choice(list(obj)), None)
        elif roll < 0.6:
            obj[rng.choice(list(obj))] = rng.choice(_WILD)
        elif roll < 0.7:
            obj["x_deep"] = _deep(rng.choice([10, 100, 300]))
        elif roll < 0.8:
            obj["pattern"] = "[ipv4-addr:value = '" + "a b\\'" * rng.randrange(1, 1500)
        elif roll < 0.9:
            obj["x_" + rng.choice(_TEXT[:8]).strip("\x00") + "p"] = rng.choice(_WILD)
        else:
            obj = rng.choice([[obj], "indicator", 7, None])
    return obj


def _body(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.1:
        return rng.choice([b"", b"{", b"[]", b"null", b'{"objects": 5}', b"\xff\xfe", b'{"objects": [}'])
    if roll < 0.2:
        return orjson.dumps({"objects": [{}] * rng.choice([1, 1000, 10001])})
    if roll < 0.25:
        return orjson.dumps({"objects": [_indicator(rng)], rng.choice(_TEXT[:4]) or "z": 1})
    objects = [_mutated(rng) for _ in range(rng.randrange(1, 6))]
    try:
        return orjson.dumps({"objects": objects})
    except TypeError:  # orjson writes at most 255 levels; the stdlib writes the deep ones
        import json

        return json.dumps({"objects": objects}).encode()


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # each 500 or dropped connection, with its request


def _paths(spec: dict[str, Any]) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


def _fill(rng: random.Random, path: str, api_root: str, known_id: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "api_root":
            return api_root if rng.random() < 0.9 else rng.choice(["api", "x", "%00"])
        if name == "collection_id":
            return REGIONAL_ID if rng.random() < 0.7 else quote(_value(rng), safe="") or "x"
        if name == "object_id" and rng.random() < 0.4:
            return known_id
        return quote(_value(rng), safe="") or "x"

    return re.sub(r"\{([a-z_]+)\}", one, path)


def fuzz(
    client: httpx.Client, *, requests: int, seed: int = 1, api_root: str = "api1", progress: int = 0
) -> FuzzReport:
    """Send ``requests`` random requests through ``client`` (base URL and credentials set) and report."""
    rng = random.Random(seed)
    spec = client.get("/api/openapi.json").json()
    endpoints = _paths(spec)
    known = _indicator(rng)
    client.post(
        f"/{api_root}/collections/{REGIONAL_ID}/objects/",
        content=orjson.dumps({"objects": [known]}),
        headers={"Content-Type": TAXII},
    )
    report = FuzzReport()
    while report.requests < requests:  # a request the client refuses to send is not counted
        sent = report.requests
        if progress and sent and sent % progress == 0:
            print(f"{sent} sent; {len(report.failures)} failures so far", flush=True)
        method, path = rng.choice(endpoints)
        if rng.random() < 0.05:
            method = rng.choice(["PUT", "PATCH", "DELETE", "OPTIONS", "POST"])
        url = _fill(rng, path, api_root, known["id"])
        names = _PARAMS if not path.startswith("/api/v1") else _REST_PARAMS + _PARAMS[:2]
        params = {n: _value(rng, n) for n in rng.sample(names, rng.randrange(0, 4))}
        headers = {
            "Accept": TAXII if rng.random() < 0.9 else rng.choice(["*/*", "text/html", "application/json"])
        }
        content = None
        if method in {"POST", "PATCH", "PUT"}:
            headers["Content-Type"] = (
                TAXII if rng.random() < 0.85 else rng.choice(["application/json", "text/plain"])
            )
            content = _body(rng)
        try:
            response = client.request(method, url, params=params, headers=headers, content=content)
        except httpx.InvalidURL:
            continue  # a URL the client itself refuses to send (e.g. a query past 64 KiB)
        except httpx.TransportError as exc:
            report.requests += 1
            report.failures.append(f"{method} {url} {params!r}: connection failed ({type(exc).__name__})")
            continue
        report.requests += 1
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            shown = (content or b"")[:200]
            report.failures.append(f"{method} {url} {params!r} body={shown!r}: {response.status_code}")
    return report


@dataclass
class Served:
    """A node served on a loopback port in this process, counting every answer's status."""

    url: str
    token: str
    statuses: Counter[int]
    server: Any
    thread: Any

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def serve(database_url: str | None, workdir: Path) -> Served:
    """A fresh node (SQLite under ``workdir`` unless ``database_url``) with a ThaiCERT token."""
    import socket
    import threading
    import time

    import uvicorn

    from gotong.app import create_app
    from gotong.db.engine import make_engine, write_transaction
    from gotong.node import init_node
    from gotong.orgs.service import create_token
    from gotong.settings import Settings

    os.environ.setdefault("GOTONG_DATA_DIR", str(workdir))  # keys made by the run stay in its folder
    url = database_url or f"sqlite:///{workdir / 'fuzz.db'}"
    engine = make_engine(url)
    init_node(engine, preset="asean")
    with write_transaction(engine) as conn:
        token = create_token(conn, org="ThaiCERT")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    settings = Settings(
        database_url=url, port=port, feed_scheduler=False, federation=False, auth_failures_per_minute=10**6
    )
    app = create_app(settings, engine=engine)
    statuses: Counter[int] = Counter()

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        async def count(message: Any) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] += 1
            await send(message)

        await app(scope, receive, count if scope["type"] == "http" else send)

    server = uvicorn.Server(uvicorn.Config(counted, log_level="critical"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return Served(f"http://127.0.0.1:{port}", token, statuses, server, thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_taxii", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a running node (default: serve a fresh one on loopback)")
    parser.add_argument("--token", help="API token for --url")
    parser.add_argument("--database-url", help="database of the node this command serves (default: SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gotong-fuzz-") as tmp:
        served = None if args.url else serve(args.database_url, Path(tmp))
        base, token = (served.url, served.token) if served else (args.url, args.token or "")
        try:
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
            ) as client:
                report = fuzz(client, requests=args.requests, seed=args.seed, progress=1000)
        finally:
            if served is not None:
                served.stop()
    print(f"{report.requests} requests; statuses: {dict(sorted(report.statuses.items()))}")
    for failure in report.failures:
        print("FAIL", failure)
    print(f"{len(report.failures)} answers of 500 or dropped connections")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
