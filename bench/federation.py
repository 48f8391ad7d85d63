"""Federation benchmark: a hub and N national nodes, each a ``gotong serve`` process with its own
SQLite database, on this machine.

    .venv/bin/python -m bench.federation [--nodes 10] [--objects 1000] [--sustained 10000]
        [--poll-interval 60] [--out bench/results]

Topology: hub-and-spoke, every national node pushes to the hub and the hub pushes to every node.
Three measurements:

* **propagation latency**: TLP:GREEN indicators are published one envelope each at one national
  node over TAXII, spaced ``--gap`` apart; for each, the time from the publishing POST's answer to
  the moment it is committed (``date_added``) at every other node. Every node is entitled to
  TLP:GREEN, so each object gives N latencies (N-1 through the hub, one at the hub itself).
* **baseline**: a plain TAXII poll loop at ``--poll-interval`` seconds (what a scheduled pull
  gives), run against the publishing node with the OASIS ``taxii2-client`` during the same
  window: each object's latency is when the first poll that returns it finishes.
* **sustained sync**: ``--sustained`` indicators POSTed in envelopes of 1,000 as fast as the node
  takes them; the rate is objects delivered to *all* nodes divided by the time until the last
  node has the last one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.common import machine, percentile

REGIONAL_ID = "9c1d5e3a-7b2f-4a6e-8d0c-1f2e3a4b5c6d"
TLP_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
TAXII = "application/taxii+json;version=2.1"
NATIONAL = [
    "BruCERT",
    "CamCERT",
    "BSSN",
    "LaoCERT",
    "MyCERT",
    "mmCERT",
    "CERT-PH",
    "SingCERT",
    "ThaiCERT",
    "VNCERT",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gotong(db: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gotong", *args],
        env={**os.environ, "GOTONG_DATABASE_URL": f"sqlite:///{db}", **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"gotong {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


class Node:
    def __init__(self, org: str, workdir: Path) -> None:
        self.org = org
        self.db = workdir / f"{org}.db"
        self.port = _free_port()
        self.key = workdir / f"{org}.key"
        self.log = workdir / f"{org}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_root(self) -> str:
        return f"http://127.0.0.1:{self.port}/api1/"

    def token(self, org: str) -> str:
        out = _gotong(self.db, "token", "create", "--org", org)
        return next(w for w in out.split() if w.startswith("gtg_"))

    def start(self) -> None:
        env = {
            **os.environ,
            "GOTONG_DATABASE_URL": f"sqlite:///{self.db}",
            "GOTONG_PORT": str(self.port),
            "GOTONG_NODE_ORG": self.org,
            "GOTONG_NODE_KEY_FILE": str(self.key),
            "GOTONG_FEED_SCHEDULER": "false",
            "GOTONG_FEDERATION_POLL_SECONDS": "1",
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gotong", "serve"], env=env, stdout=log, stderr=log
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/taxii2/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.org} did not start; see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def arrivals(self, ids: set[str]) -> dict[str, int]:
        """date_added (µs since the epoch) of each of ``ids`` stored here."""
        found: dict[str, int] = {}
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30) as conn:
            for stix_id, added in conn.execute(
                "SELECT stix_id, MIN(date_added) FROM stix_objects GROUP BY stix_id"
            ):
                if stix_id in ids:
                    found[stix_id] = int(added)
        return found


@contextmanager
def network(count: int, workdir: Path, say: Any) -> Iterator[tuple[Node, list[Node]]]:
    hub = Node("ASEAN-CERT", workdir)
    nationals = [Node(org, workdir) for org in NATIONAL[:count]]
    for node in [hub, *nationals]:
        _gotong(node.db, "init", "--preset", "asean")
    say(f"configuring {count} peer pairs")
    for node in nationals:
        _gotong(
            node.db,
            "peer",
            "add",
            "hub",
            "--url",
            hub.api_root,
            "--token",
            hub.token(node.org),
            "--org",
            "ASEAN-CERT",
            "--push",
        )
        _gotong(
            hub.db,
            "peer",
            "add",
            node.org,
            "--url",
            node.api_root,
            "--token",
            node.token("ASEAN-CERT"),
            "--org",
            node.org,
            "--push",
        )
    try:
        for node in [hub, *nationals]:
            node.start()
        for node in [hub, *nationals]:
            node.wait_ready()
        yield hub, nationals
    finally:
        for node in [hub, *nationals]:
            node.stop()


def _indicator() -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    value = f"{uuid.uuid4().hex[:16]}.bench.example"
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": now,
        "modified": now,
        "pattern": f"[domain-name:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": now,
        "object_marking_refs": [TLP_GREEN],
    }


def _post(client: httpx.Client, node: Node, token: str, objects: list[dict[str, Any]]) -> None:
    response = client.post(
        f"{node.api_root}collections/{REGIONAL_ID}/objects/",
        content=json.dumps({"objects": objects}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": TAXII, "Accept": TAXII},
    )
    response.raise_for_status()


def _wait_everywhere(nodes: list[Node], ids: set[str], timeout: float) -> dict[str, dict[str, int]]:
    deadline = time.monotonic() + timeout
    while True:
        seen = {n.org: n.arrivals(ids) for n in nodes}
        if all(len(s) == len(ids) for s in seen.values()) or time.monotonic() > deadline:
            return seen
        time.sleep(0.5)


def _poll_loop(
    node: Node, token: str, interval: float, stop: threading.Event, seen: dict[str, float]
) -> None:
    """The baseline: taxii2-client pulls everything added since its last poll, every ``interval``."""
    from taxii2client.v21 import Collection, as_pages

    collection = Collection(f"{node.api_root}collections/{REGIONAL_ID}/", user=node.org, password=token)
    added_after = None
    while not stop.is_set():
        started = time.time()
        kwargs: dict[str, str] = {"added_after": added_after} if added_after else {}
        for page in as_pages(collection.get_objects, per_request=1000, **kwargs):
            done = time.time()
            for obj in page.get("objects", []):
                seen.setdefault(obj["id"], done)
        added_after = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started - 1)) + ".000000Z"
        stop.wait(max(0.0, interval - (time.time() - started)))


def run(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="gotong-fed-bench-") as tmp,
        network(args.nodes, Path(tmp), say) as (
            hub,
            nationals,
        ),
    ):
        origin = nationals[0]
        others = [hub, *nationals[1:]]
        token = origin.token(origin.org)
        poll_token = origin.token(origin.org)
        polled: dict[str, float] = {}
        stop = threading.Event()
        poller = threading.Thread(
            target=_poll_loop, args=(origin, poll_token, args.poll_interval, stop, polled)
        )
        poller.start()
        published: dict[str, float] = {}
        say(f"publishing {args.objects} objects at {origin.org}, {args.gap * 1000:.0f} ms apart")
        with httpx.Client(timeout=60) as client:
            for _ in range(args.objects):
                obj = _indicator()
                _post(client, origin, token, [obj])
                published[obj["id"]] = time.time()
                time.sleep(args.gap)
        arrivals = _wait_everywhere(others, set(published), timeout=600)
        latencies = sorted(
            arrivals[n.org][i] / 1e6 - published[i] for n in others for i in published if i in arrivals[n.org]
        )
        missing = sum(len(published) - len(arrivals[n.org]) for n in others)
        say(f"waiting for the baseline poll loop ({args.poll_interval:.0f} s interval) to see every object")
        deadline = time.time() + args.poll_interval * 2 + 30
        while len(set(published) - set(polled)) and time.time() < deadline:
            time.sleep(1)
        stop.set()
        poller.join()
        baseline = sorted(polled[i] - published[i] for i in published if i in polled)

        say(f"sustained: {args.sustained} objects in envelopes of 1,000")
        sustained_ids: set[str] = set()
        started = time.time()
        with httpx.Client(timeout=300) as client:
            for _ in range(0, args.sustained, 1000):
                batch = [_indicator() for _ in range(min(1000, args.sustained - len(sustained_ids)))]
                _post(client, origin, token, batch)
                sustained_ids |= {o["id"] for o in batch}
        posted = time.time() - started
        final = _wait_everywhere(others, sustained_ids, timeout=1800)
        last = max(max(f.values()) for f in final.values() if f) / 1e6
        delivered = sum(len(f) for f in final.values())
    return {
        "nodes": args.nodes + 1,
        "objects": args.objects,
        "latency": {
            "count": len(latencies),
            "missing": missing,
            "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000,
            "max_ms": latencies[-1] * 1000 if latencies else None,
        },
        "baseline_poll": {
            "interval_s": args.poll_interval,
            "count": len(baseline),
            "p50_ms": percentile(baseline, 50) * 1000 if baseline else None,
            "p99_ms": percentile(baseline, 99) * 1000 if baseline else None,
        },
        "sustained": {
            "objects": args.sustained,
            "post_seconds": posted,
            "seconds_until_everywhere": last - started,
            "deliveries": delivered,
            "deliveries_per_second": delivered / (last - started),
            "objects_everywhere_per_second": args.sustained / (last - started),
        },
        "machine": machine(None),
    }


def markdown(result: dict[str, Any], command: str) -> str:
    lat, base, sus = result["latency"], result["baseline_poll"], result["sustained"]
    ratio = base["p50_ms"] / lat["p50_ms"] if base["p50_ms"] and lat["p50_ms"] else None
    lines = [
        f"Federation: hub + {result['nodes'] - 1} national nodes (`{command}`)",
        "",
        "| measure | Gotong push | baseline: TAXII poll every "
        f"{base['interval_s']:.0f} s | baseline / Gotong |",
        "|---|---:|---:|---:|",
        f"| latency p50 | {lat['p50_ms']:.0f} ms | {base['p50_ms'] or 0:.0f} ms | {ratio:.0f}x |"
        if ratio
        else f"| latency p50 | {lat['p50_ms']:.0f} ms | n/a | n/a |",
        f"| latency p99 | {lat['p99_ms']:.0f} ms | {base['p99_ms'] or 0:.0f} ms | "
        f"{(base['p99_ms'] or 0) / lat['p99_ms']:.0f}x |",
        "",
        f"{lat['count']} latencies ({result['objects']} objects x {result['nodes'] - 1} receiving nodes), "
        f"{lat['missing']} missing; max {lat['max_ms']:.0f} ms.",
        f"Sustained: {sus['objects']} objects reached all {result['nodes'] - 1} other nodes in "
        f"{sus['seconds_until_everywhere']:.1f} s: {sus['objects_everywhere_per_second']:.0f} objects/s "
        f"everywhere, {sus['deliveries_per_second']:.0f} deliveries/s "
        f"(POSTing them took {sus['post_seconds']:.1f} s).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.federation", description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10, help="national nodes (1-10)")
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between published objects")
    parser.add_argument("--sustained", type=int, default=10000)
    parser.add_argument("--poll-interval", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    if not 1 <= args.nodes <= len(NATIONAL):
        parser.error(f"--nodes must be 1-{len(NATIONAL)}")
    result = run(args, lambda line: print(line, file=sys.stderr, flush=True))
    command = " ".join(
        [".venv/bin/python", "-m", "bench.federation", *(sys.argv[1:] if argv is None else argv)]
    )
    result["command"] = command
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "federation.json").write_text(json.dumps(result, indent=2))
    text = markdown(result, command)
    (args.out / "federation.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
