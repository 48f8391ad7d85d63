"""``python -m bench``: run every benchmark and write ``results.json`` and ``results.md``.

.venv/bin/python -m bench [--size smoke|full|import-1m|lookup-smoke|lookup-1m|lookup-10m]
    [--engines sqlite,postgresql] [--out bench/results]
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from bench.common import SIZES
from bench.databases import ENGINES, default_pg_url, pg_setting
from bench.report import markdown, write_results
from bench.runner import Context, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--pg-url", default=default_pg_url(), help="PostgreSQL admin URL (default: tests')")
    parser.add_argument(
        "--workdir", type=Path, help="scratch space for databases and bundles (default: a temp dir)"
    )
    parser.add_argument(
        "--py-spy", help="path to py-spy: profile every Gotong server (rates then not comparable)"
    )
    args = parser.parse_args(argv)
    engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        parser.error(f"--engines: unknown {', '.join(unknown) or 'nothing'}; use {','.join(ENGINES)}")
    workdir = Path(tempfile.mkdtemp(prefix="gotong-bench-", dir=args.workdir))
    # SIGTERM unwinds like Ctrl-C, so servers stop, schemas are dropped and scratch files go.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        ctx = Context(
            size=SIZES[args.size],
            engines=engines,
            workdir=workdir,
            out=args.out,
            pg_url=args.pg_url,
            py_spy=args.py_spy,
            autovacuum_off="postgresql" in engines and pg_setting(args.pg_url, "autovacuum") == "off",
            say=lambda line: print(line, file=sys.stderr, flush=True),
        )
        meta, rows = run(ctx)
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(workdir, ignore_errors=True)
    meta["command"] = shlex.join(
        [".venv/bin/python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)]
    )
    json_path, md_path = write_results(args.out, meta=meta, rows=rows)
    print(markdown(meta=meta, rows=rows))
    print(f"wrote {json_path} and {md_path}", file=sys.stderr)
    return 0


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
