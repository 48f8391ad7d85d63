"""The new domains under load: the case list, the dashboard, the scoreboard and a quarterly report.

.venv/bin/python -m bench.domains [--engines sqlite,postgresql] [--cases 1000] [--requests 40]

For each engine: a node with the ASEAN preset and the demo data of every domain, plus ``--cases``
cases opened by ThaiCERT through the incidents service, served by ``gotong serve`` in its own
process. Each page is asked for ``--requests`` times, one after the other, by ThaiCERT's analyst
(REST with a token, HTML pages with a signed-in session); the quarterly report, slow by nature, a
fifth as often. The baseline, measured in the same run on the same database, is the raw engine
reading one page of 50 case bodies (the floor any case page stands on): every figure is quoted
with its ratio to that floor. Issue 21's targets: p99 < 200 ms for the dashboard and lists,
< 5 s for a quarterly report.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench.common import percentile
from bench.databases import ENGINES, default_pg_url, fresh_database
from bench.servers import GotongServer
from gotong.core.auth import Principal, Role
from gotong.db.engine import make_engine, read_connection, write_transaction
from gotong.demo import DEMO_PASSWORD, demo_email
from gotong.incidents import CaseCreate, Participant, ParticipantRole, open_case
from gotong.node import init_node
from gotong.orgs.service import create_token, get_org

CASE_ORG = "ThaiCERT"
REGIONAL = "asean-regional"


def populate(url: str, cases: int, say: Callable[[str], None]) -> float:
    """The demo node plus ``cases`` cases; returns the cases opened per second."""
    engine = make_engine(url)
    try:
        init_node(engine, preset="asean", demo=True)
        with read_connection(engine) as conn:
            actor = Principal(
                org_id=get_org(conn, short_name=CASE_ORG).id, org_short=CASE_ORG, role=Role.ANALYST
            )
        helpers = [Participant(org="MyCERT", role=ParticipantRole.ASSISTING)]
        started = time.perf_counter()
        for n in range(cases):
            open_case(
                engine,
                actor=actor,
                case=CaseCreate(
                    title=f"Bench case {n}: phishing wave against a ministry",
                    description="Opened by bench.domains.",
                    collection=REGIONAL,
                    tlp=("green", "amber", "clear")[n % 3],
                    severity=n % 5,
                    rsit="fraud/phishing",
                    participants=helpers if n % 4 == 0 else [],
                ),
            )
            if n and n % 1000 == 0:
                say(f"  {n} cases opened")
        return cases / max(time.perf_counter() - started, 1e-9)
    finally:
        engine.dispose()


def raw_page(url: str, repeats: int) -> list[float]:
    """Seconds to read one page of 50 case bodies with the engine's own driver, no Gotong code."""
    engine = make_engine(url)
    query = text("SELECT body FROM stix_objects WHERE type = 'incident' ORDER BY date_added DESC LIMIT 50")
    took: list[float] = []
    try:
        with engine.connect() as conn:
            for _ in range(repeats + 3):
                started = time.perf_counter()
                rows = conn.execute(query).fetchall()
                took.append(time.perf_counter() - started)
                assert rows, "no cases were stored"
    finally:
        engine.dispose()
    return took[3:]


def signed_in(client: httpx.Client, base: str) -> None:
    page = client.get(f"{base}/login")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    if match is None:
        raise RuntimeError("the sign-in page has no CSRF field")
    answer = client.post(
        f"{base}/login",
        data={"email": demo_email(CASE_ORG), "password": DEMO_PASSWORD, "csrf": match.group(1), "next": "/"},
    )
    if answer.status_code not in (200, 303) or "gotong_session" not in client.cookies:
        raise RuntimeError(f"signing in failed: HTTP {answer.status_code}")


def timed(call: Callable[[], httpx.Response], repeats: int) -> list[float]:
    took: list[float] = []
    for n in range(repeats + 2):
        started = time.perf_counter()
        answer = call()
        elapsed = time.perf_counter() - started
        if answer.status_code >= 400:
            raise RuntimeError(f"HTTP {answer.status_code}: {answer.text[:300]}")
        if n >= 2:  # the first two warm the caches
            took.append(elapsed)
    return took


def measure(
    kind: str, *, cases: int, requests: int, workdir: Path, pg_url: str, say: Callable[[str], None]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with fresh_database(kind, workdir=workdir, name="domains", pg_url=pg_url) as url:
        say(f"{kind}: demo node and {cases} cases")
        opened = populate(url, cases, say)
        engine = make_engine(url)
        with write_transaction(engine) as conn:
            token = create_token(conn, org=CASE_ORG, role=Role.ANALYST)
        engine.dispose()
        floor = raw_page(url, requests)
        base_p50 = percentile(floor, 50)
        with GotongServer(workdir, database_url=url) as server, httpx.Client(timeout=120) as client:
            api = {"Authorization": f"Bearer {token}"}
            signed_in(client, server.url)
            pages: list[tuple[str, Callable[[], httpx.Response], int]] = [
                (
                    "REST case list (all visible cases)",
                    lambda: client.get(f"{server.url}/api/v1/cases", headers=api),
                    requests,
                ),
                ("web case list /cases", lambda: client.get(f"{server.url}/cases"), requests),
                ("web dashboard /", lambda: client.get(f"{server.url}/"), requests),
                (
                    "REST scoreboard",
                    lambda: client.get(f"{server.url}/api/v1/scoreboard", headers=api),
                    requests,
                ),
                ("web scoreboard /scoreboard", lambda: client.get(f"{server.url}/scoreboard"), requests),
                (
                    "REST quarterly report (generate)",
                    lambda: client.post(
                        f"{server.url}/api/v1/reports", json={"period": "quarter"}, headers=api
                    ),
                    max(requests // 5, 3),
                ),
            ]
            for name, call, repeats in pages:
                say(f"  {kind}: {name}")
                took = timed(call, repeats)
                p50, p99 = percentile(took, 50), percentile(took, 99)
                rows.append(
                    {
                        "engine": kind,
                        "page": name,
                        "requests": repeats,
                        "p50_ms": p50 * 1000,
                        "p99_ms": p99 * 1000,
                        "floor_p50_ms": base_p50 * 1000,
                        "p50_over_floor": p50 / base_p50 if base_p50 else float("inf"),
                        "cases": cases,
                        "cases_opened_per_s": opened,
                    }
                )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| engine | page | requests | p50 ms | p99 ms | raw page of 50 case bodies, p50 ms | p50 / raw |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['engine']} | {r['page']} | {r['requests']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['floor_p50_ms']:.2f} | {r['p50_over_floor']:.0f}x |"
        )
    opened = {r["engine"]: r["cases_opened_per_s"] for r in rows}
    lines.append("")
    lines.append(
        "Cases opened through the service while populating: "
        + ", ".join(f"{kind} {rate:.0f}/s" for kind, rate in opened.items())
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.domains", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pg-url", default=default_pg_url())
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in ENGINES for e in engines):
        parser.error(f"--engines: use {','.join(ENGINES)}")
    if args.cases < 1 or args.requests < 1:
        parser.error("--cases and --requests must be at least 1")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gotong-bench-domains-") as work:
        for kind in engines:
            rows += measure(
                kind,
                cases=args.cases,
                requests=args.requests,
                workdir=Path(work),
                pg_url=args.pg_url,
                say=lambda line: print(line, file=sys.stderr, flush=True),
            )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
