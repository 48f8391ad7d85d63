"""One run of a configured feed: fetch the source, convert it, store it, record the outcome.

A run fetches the source (conditionally for URLs; from the ``added_after`` cursor for TAXII),
converts it with the format's converter, and stores the objects as the feed's organisation,
stamping the feed's default TLP and audience on objects that carry none. The status of the run
(outcome, counts, the first problem lines, the error) is written back to the feed's row whatever
happens: a failing source never loses the problem and never stops other feeds. A failed run of a
scheduled feed is retried after 30 s, 60 s, 120 s … (doubling, capped at the interval and at six
hours).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select, update

from gotong.core.auth import Principal
from gotong.core.outbound import outbound_client
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import GotongError, NotFound
from gotong.feeds.downloads import local_source
from gotong.feeds.fetch import TIMEOUT, FetchError, is_url, taxii_pages
from gotong.feeds.models import feeds
from gotong.feeds.registry import TAXII
from gotong.feeds.service import FeedImport, converted_batches, import_feed, store_batch
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import get_group
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import now_micros

__all__ = ["FeedRun", "run_feed", "with_defaults"]

_RETRY_FIRST = 30
_RETRY_CAP = 6 * 3600
_PROBLEMS_KEPT = 50


@dataclass
class FeedRun:
    """What one run of a feed did."""

    name: str
    outcome: str = "imported"  # imported, not-modified, failed
    result: FeedImport = field(default_factory=FeedImport)
    error: str | None = None
    failed_before: int = 0  # failed runs in a row before this one

    def line(self) -> str:
        if self.outcome == "failed":
            return f"feed {self.name}: failed: {self.error}"
        if self.outcome == "not-modified":
            return f"feed {self.name}: not modified since the last run"
        return f"feed {self.name}: {self.result.line().removeprefix('feed import: ')}"


def with_defaults(obj: Any, *, tlp: TLP | None, group_marking: str | None) -> Any:
    """The object with the feed's TLP if it has none, and the feed's audience marking added."""
    if not isinstance(obj, dict) or obj.get("type") == "marking-definition":
        return obj
    refs = marking_refs(obj)
    added = []
    if tlp is not None and strictest_tlp(refs) is None:
        added.append(tlp.marking_id)
    if group_marking is not None and group_marking not in refs:
        added.append(group_marking)
    if not added:
        return obj
    return {**obj, "object_marking_refs": [*obj.get("object_marking_refs", []), *added]}


def run_feed(
    engine: Engine,
    name: str,
    *,
    client: httpx.Client | None = None,
    on_batch: Callable[[int], None] | None = None,
    claimed: bool = False,
) -> FeedRun:
    """Run one feed now and record its status. Source faults end in a failed run, not an exception."""
    with read_connection(engine) as conn:
        row = conn.execute(select(feeds).where(feeds.c.name == name)).first()
        if row is None:
            raise NotFound(f"no feed named {name!r}")
        group_marking = get_group(conn, group_id=row.group_id).marking_id if row.group_id else None
        org = get_org(conn, org_id=row.org_id)
    principal = Principal(org_id=org.id, org_short=org.short_name)
    tlp = TLP.parse(row.tlp) if row.tlp else None
    run = FeedRun(name=name, failed_before=row.failures)
    state: dict[str, Any] = {
        "etag": row.etag,
        "last_modified": row.last_modified,
        "resume_from": row.resume_from,
    }
    started = now_micros()

    def store(objects: list[dict[str, Any]], repairs: Mapping[str, Sequence[str]] | None = None) -> Any:
        marked = [with_defaults(o, tlp=tlp, group_marking=group_marking) for o in objects]
        report = add_objects(
            engine,
            principal=principal,
            collection_id=row.collection_id,
            objects=marked,
            through_hub=False,
            repairs=repairs or {},  # never the collection's setting: the feed's own decides
        )
        if on_batch is not None:
            on_batch(len(objects))
        return report

    own_client = client is None
    http = client or outbound_client(timeout=TIMEOUT, follow_redirects=True)
    try:
        with tempfile.TemporaryDirectory(prefix="gotong-feed-") as tmp:
            if row.format == TAXII:
                _run_taxii(engine, row, http, run, state, store)
            else:
                source = local_source(row, http, Path(tmp), state, run.result.problems)
                if source is None:
                    run.outcome = "not-modified"
                else:
                    batches = converted_batches(
                        str(source),
                        fmt=row.format,
                        name=row.name,
                        classification=row.classification,
                        tlp=tlp or org.default_tlp,
                        valid_days=row.valid_days,
                        label=row.source if is_url(row.source) else None,
                    )
                    import_feed(
                        batches=batches, store=store, result=run.result, repair=bool(row.repair), fix=_FIX
                    )
    except GotongError as exc:  # e.g. the organisation lost its right to write to the collection
        run.outcome, run.error = "failed", exc.message
    except (FetchError, OSError) as exc:
        run.outcome, run.error = "failed", str(exc)
    finally:
        if own_client:
            http.close()
    _record(engine, row, run, state, started, claimed=claimed)
    return run


def _run_taxii(
    engine: Engine,
    row: Any,
    http: httpx.Client,
    run: FeedRun,
    state: dict[str, Any],
    store: Callable[..., Any],
) -> None:
    """Pull a remote collection from the cursor; the cursor moves after each stored page."""
    for page in taxii_pages(http, row.source, added_after=state["resume_from"], credentials=row.credentials):
        objects = [o for o in page.objects if isinstance(o, dict)]
        skipped = len(page.objects) - len(objects)
        if skipped:
            run.result.problems.append(f"{skipped} entries of a page were not JSON objects; skipped")
        if objects:
            store_batch(run.result, objects, store, repair=bool(row.repair), fix=_FIX)
        if page.date_added_last:
            state["resume_from"] = page.date_added_last
            with write_transaction(engine) as conn:
                conn.execute(
                    update(feeds).where(feeds.c.id == row.id).values(resume_from=page.date_added_last)
                )


_FIX = "the feed's repair setting (feed add --repair)"


def _retry_delay(failures: int, interval: int | None) -> int:
    """Seconds before retrying after ``failures`` consecutive failures."""
    delay: int = min(_RETRY_FIRST * 2 ** max(failures - 1, 0), _RETRY_CAP)
    return min(delay, interval) if interval else delay


def _record(
    engine: Engine, row: Any, run: FeedRun, state: dict[str, Any], started: int, *, claimed: bool
) -> None:
    finished = now_micros()
    values: dict[str, Any] = {"last_run_at": finished, "last_outcome": run.outcome}
    if run.outcome == "failed":
        failures = row.failures + 1
        values.update(last_error=(run.error or "")[:2000], failures=failures)
        if row.interval_seconds is not None:
            values["next_run_at"] = finished + _retry_delay(failures, row.interval_seconds) * 1_000_000
        # A TAXII pull keeps the cursor of the pages it stored before the fault.
        values["resume_from"] = state["resume_from"]
    else:
        result = run.result
        values.update(
            last_error=None,
            failures=0,
            last_success_at=finished,
            etag=state["etag"],
            last_modified=state["last_modified"],
            resume_from=state["resume_from"],
            last_accepted=result.accepted,
            last_already_present=result.already_present,
            last_rejected=result.rejected,
            last_problem_count=len(result.problems),
            last_problems=json.dumps(result.problems[:_PROBLEMS_KEPT]),
            total_accepted=row.total_accepted + result.accepted,
        )
        if row.interval_seconds is not None:
            values["next_run_at"] = started + row.interval_seconds * 1_000_000
    if not claimed and row.interval_seconds is None:
        values.pop("next_run_at", None)
    with write_transaction(engine) as conn:
        conn.execute(update(feeds).where(feeds.c.id == row.id).values(**values))
