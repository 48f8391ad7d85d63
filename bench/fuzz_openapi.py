"""``python -m bench.fuzz_openapi``: schemathesis against a fresh node's ``/api/openapi.json``.

Serves a node on a loopback port (SQLite in a temporary folder, or ``--database-url``), runs the
``schemathesis`` command line against it with a member's token, and counts every answer the node gave
by status, so the figure is the server's own: how many requests, how many of them 500.

    .venv/bin/python -m bench.fuzz_openapi --max-examples 700 [--seed 1]

Exits 1 if any answer was a 500 (schemathesis's ``not_a_server_error`` check fails too).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.fuzz_taxii import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_openapi", description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50, help="schemathesis examples per operation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="database of the node this command serves (default: SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gotong-schemathesis-") as tmp:
        served = serve(args.database_url, Path(tmp))
        try:
            command = [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                f"{served.url}/api/openapi.json",
                "--header",
                f"Authorization: Bearer {served.token}",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                str(args.max_examples),
                "--seed",
                str(args.seed),
                "--continue-on-failure",
                "--suppress-health-check",
                "all",
                "--report-dir",
                tmp,
            ]
            ran = subprocess.run(command, check=False, capture_output=True, text=True)
        finally:
            served.stop()
    statuses = dict(sorted(served.statuses.items()))
    errors = sum(n for status, n in statuses.items() if status >= 500)
    print(ran.stdout[-3000:])
    print(f"the node answered {sum(statuses.values())} requests; statuses: {statuses}")
    print(f"{errors} answers of 500 or more")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
