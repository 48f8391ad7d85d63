"""Configured feeds: add, list, run by hand or on a schedule, and keep each feed's status.

A run fetches the source (conditionally for URLs; from the ``added_after`` cursor for TAXII),
converts it with the format's converter, and stores the objects as the feed's organisation,
stamping the feed's default TLP and audience on objects that carry none. The status of the run
(outcome, counts, the first problem lines, the error) is written back to the feed's row whatever
happens: a failing source never loses the problem and never stops other feeds.

Scheduling: a feed with an interval is due at ``next_run_at``. A run first *claims* the feed (moves
``next_run_at`` a lease ahead in one write transaction), so two node processes never run the same
feed at once. Success schedules the next run one interval later; failure retries after 30 s, 60 s,
120 s … (doubling, capped at the interval and at six hours).
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import Connection, Engine, delete, insert, select, update

from gotong.core.auth import Principal
from gotong.core.outbound import outbound_client
from gotong.correlation.warninglists import Warninglists
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, GotongError, Invalid, NotFound
from gotong.feeds.fetch import TIMEOUT, FetchError, collection_url, fetch, fetch_json, is_url, taxii_pages
from gotong.feeds.lines import feed_formats
from gotong.feeds.models import feeds
from gotong.feeds.rsit import RsitClassification
from gotong.feeds.service import FeedImport, converted_batches, import_feed, import_formats
from gotong.intel.bulk import writable_collection
from gotong.intel.collections import require_write, view_for
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import get_group
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import format_micros, now_micros

__all__ = [
    "FeedRun",
    "FeedScheduler",
    "FeedStatus",
    "add_feed",
    "get_feed",
    "list_feeds",
    "parse_interval",
    "remove_feed",
    "run_due",
    "run_feed",
    "set_enabled",
]

TAXII = "taxii"
STIX = "stix"
MIN_INTERVAL = 60
LEASE = 3600 * 1_000_000  # a claimed run that never reports back becomes due again after an hour
_RETRY_FIRST = 30
_RETRY_CAP = 6 * 3600
_PROBLEMS_KEPT = 50
_log = logging.getLogger("gotong.feeds")


def source_formats() -> list[str]:
    """Every format a configured feed may have."""
    return [*import_formats(), STIX, TAXII]


def parse_interval(text: str) -> int:
    """``90s``, ``15m``, ``6h``, ``1d`` (or plain seconds) to seconds; at least one minute."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", text)
    if not match:
        raise Invalid(f"interval {text!r} is not like 15m, 6h or 1d")
    seconds = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds < MIN_INTERVAL:
        raise Invalid(f"interval {text!r} is shorter than {MIN_INTERVAL} seconds")
    return seconds


def _interval_text(seconds: int | None) -> str:
    if seconds is None:
        return "manual"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class FeedStatus:
    """A feed's configuration and the outcome of its last run (credentials are never shown)."""

    name: str
    source: str
    format: str
    org: str
    collection_id: str
    tlp: str | None
    group: str | None
    classification: str | None
    every: str
    enabled: bool
    has_credentials: bool
    last_run: str | None
    last_success: str | None
    outcome: str | None
    accepted: int
    already_present: int
    rejected: int
    problem_count: int
    problems: list[str]
    error: str | None
    failures: int
    next_run: str | None
    total_accepted: int

    def row(self) -> dict[str, Any]:
        """The short form ``gotong feed list`` prints."""
        return {
            "name": self.name,
            "format": self.format,
            "every": self.every if self.enabled else "disabled",
            "last run": self.last_run or "never",
            "outcome": self.outcome or "-",
            "added": self.accepted,
            "problems": self.problem_count,
            "error": (self.error or "")[:60],
        }


def add_feed(
    conn: Connection,
    *,
    name: str,
    source: str,
    fmt: str,
    org: str,
    collection_id: str | None = None,
    classification: str | None = None,
    tlp: str | None = None,
    group: str | None = None,
    valid_days: int | None = 30,
    interval: int | None = None,
    credentials: str | None = None,
) -> FeedStatus:
    """Register a feed. Everything is checked now, so a feed that is accepted can run."""
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name):
        raise Invalid(f"feed name {name!r}: use letters, digits, '.', '_' or '-' (at most 100)")
    if fmt not in source_formats():
        raise Invalid(f"unknown feed format {fmt!r}; use one of: {', '.join(source_formats())}")
    if fmt == TAXII and not is_url(source):
        raise Invalid("a taxii feed's source is the URL of a remote collection")
    if fmt == TAXII:
        collection_url(source)  # raises Invalid for a URL that names no collection
    if not is_url(source) and not Path(source).exists():
        raise Invalid(f"{source}: no such file or folder, and not an http(s) URL")
    if fmt in feed_formats():
        if classification is None:
            raise Invalid(
                f"format {fmt} needs a classification (RSIT class/type), e.g. malicious-code/c2-server"
            )
        RsitClassification.parse(classification)
    if tlp is not None:
        tlp = TLP.parse(tlp).slug
    if interval is not None and interval < MIN_INTERVAL:
        raise Invalid(f"interval of {interval} s is shorter than {MIN_INTERVAL} seconds")
    if conn.execute(select(feeds.c.id).where(feeds.c.name == name)).first() is not None:
        raise Conflict(f"a feed named {name!r} exists")
    owner = get_org(conn, short_name=org)
    principal = Principal(org_id=owner.id, org_short=owner.short_name)
    target = writable_collection(conn, principal, collection_id)
    require_write(view_for(conn, principal, target))
    group_id = get_group(conn, name=group).id if group else None
    now = now_micros()
    conn.execute(
        insert(feeds).values(
            name=name,
            source=source,
            format=fmt,
            org_id=owner.id,
            collection_id=target,
            classification=classification,
            tlp=tlp,
            group_id=group_id,
            valid_days=valid_days,
            interval_seconds=interval,
            enabled=True,
            credentials=credentials,
            created_at=now,
            next_run_at=now if interval is not None else None,
            failures=0,
            last_accepted=0,
            last_already_present=0,
            last_rejected=0,
            last_problem_count=0,
            total_accepted=0,
        )
    )
    return get_feed(conn, name)


def _status(conn: Connection, row: Any) -> FeedStatus:
    org = get_org(conn, org_id=row.org_id)
    group = get_group(conn, group_id=row.group_id).name if row.group_id is not None else None

    def when(micros: int | None) -> str | None:
        return format_micros(micros) if micros is not None else None

    return FeedStatus(
        name=row.name,
        source=row.source,
        format=row.format,
        org=org.short_name,
        collection_id=row.collection_id,
        tlp=row.tlp,
        group=group,
        classification=row.classification,
        every=_interval_text(row.interval_seconds),
        enabled=bool(row.enabled),
        has_credentials=bool(row.credentials),
        last_run=when(row.last_run_at),
        last_success=when(row.last_success_at),
        outcome=row.last_outcome,
        accepted=row.last_accepted,
        already_present=row.last_already_present,
        rejected=row.last_rejected,
        problem_count=row.last_problem_count,
        problems=json.loads(row.last_problems) if row.last_problems else [],
        error=row.last_error,
        failures=row.failures,
        next_run=when(row.next_run_at) if row.enabled and row.interval_seconds is not None else None,
        total_accepted=row.total_accepted,
    )


def get_feed(conn: Connection, name: str) -> FeedStatus:
    row = conn.execute(select(feeds).where(feeds.c.name == name)).first()
    if row is None:
        raise NotFound(f"no feed named {name!r}")
    return _status(conn, row)


def list_feeds(conn: Connection, *, org_id: int | None = None) -> list[FeedStatus]:
    """Every feed, or those of one organisation."""
    query = select(feeds).order_by(feeds.c.name)
    if org_id is not None:
        query = query.where(feeds.c.org_id == org_id)
    return [_status(conn, row) for row in conn.execute(query).all()]


def feed_owner(conn: Connection, name: str) -> int:
    row = conn.execute(select(feeds.c.org_id).where(feeds.c.name == name)).first()
    if row is None:
        raise NotFound(f"no feed named {name!r}")
    return int(row.org_id)


def remove_feed(conn: Connection, name: str) -> None:
    """Forget a feed; what it imported stays."""
    if conn.execute(delete(feeds).where(feeds.c.name == name)).rowcount == 0:
        raise NotFound(f"no feed named {name!r}")


def set_enabled(conn: Connection, name: str, enabled: bool) -> FeedStatus:
    now = now_micros()
    changed = conn.execute(
        update(feeds).where(feeds.c.name == name).values(enabled=enabled, next_run_at=now, failures=0)
    ).rowcount
    if changed == 0:
        raise NotFound(f"no feed named {name!r}")
    return get_feed(conn, name)


# ----------------------------------------------------------------------------------------- running
@dataclass
class FeedRun:
    """What one run of a feed did."""

    name: str
    outcome: str = "imported"  # imported, not-modified, failed
    result: FeedImport = field(default_factory=FeedImport)
    error: str | None = None

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
    warninglists: Warninglists | None = None,
    alert_window: int | None = None,
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
    run = FeedRun(name=name)
    state: dict[str, Any] = {
        "etag": row.etag,
        "last_modified": row.last_modified,
        "resume_from": row.resume_from,
    }
    started = now_micros()

    def store(objects: list[dict[str, Any]]) -> Any:
        marked = [with_defaults(o, tlp=tlp, group_marking=group_marking) for o in objects]
        report = add_objects(
            engine,
            principal=principal,
            collection_id=row.collection_id,
            objects=marked,
            through_hub=False,
            warninglists=warninglists,
            alert_window=alert_window,
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
                source = _local_source(row, http, Path(tmp), run, state)
                if source is not None:
                    batches = converted_batches(
                        str(source),
                        fmt=row.format,
                        name=row.name,
                        classification=row.classification,
                        tlp=tlp or org.default_tlp,
                        valid_days=row.valid_days,
                        label=row.source if is_url(row.source) else None,
                    )
                    import_feed(batches=batches, store=store, result=run.result)
    except GotongError as exc:  # e.g. the organisation lost its right to write to the collection
        run.outcome, run.error = "failed", exc.message
    except (FetchError, OSError) as exc:
        run.outcome, run.error = "failed", str(exc)
    finally:
        if own_client:
            http.close()
    _record(engine, row, run, state, started, claimed=claimed)
    return run


def _local_source(
    row: Any, http: httpx.Client, tmp: Path, run: FeedRun, state: dict[str, Any]
) -> Path | None:
    """A file or folder the converters can read: the source itself, or what was downloaded into ``tmp``."""
    if not is_url(row.source):
        return Path(row.source)
    if row.format == "misp-feed":
        return _download_misp_feed(row, http, tmp, run, state)
    got = fetch(
        http,
        row.source,
        into=tmp / "feed",
        credentials=row.credentials,
        etag=state["etag"],
        last_modified=state["last_modified"],
    )
    if got.not_modified:
        run.outcome = "not-modified"
        return None
    state["etag"], state["last_modified"] = got.etag, got.last_modified
    return got.path


def _download_misp_feed(
    row: Any, http: httpx.Client, tmp: Path, run: FeedRun, state: dict[str, Any]
) -> Path | None:
    """Fetch the manifest (conditionally) and the events newer than the cursor into a feed folder."""
    base = row.source if row.source.endswith("/") else row.source + "/"
    got = fetch(
        http,
        base + "manifest.json",
        into=tmp / "manifest.remote",
        credentials=row.credentials,
        etag=state["etag"],
        last_modified=state["last_modified"],
    )
    if got.not_modified:
        run.outcome = "not-modified"
        return None
    assert got.path is not None
    try:
        manifest = orjson.loads(got.path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise FetchError(f"{base}manifest.json: not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise FetchError(f"{base}manifest.json: not a JSON object of events")
    since = int(state["resume_from"] or 0)
    newest = since
    folder = tmp / "misp-feed"
    folder.mkdir()
    wanted: dict[str, Any] = {}
    for event_uuid, entry in manifest.items():
        stamp = _int(entry.get("timestamp")) if isinstance(entry, dict) else None
        if stamp is not None and stamp <= since:
            continue
        wanted[event_uuid] = entry
        newest = max(newest, stamp or 0)
    unfetched: list[int] = []
    for event_uuid, entry in wanted.items():
        if not re.fullmatch(r"[0-9a-fA-F-]{36}", event_uuid):
            continue  # read_misp_feed reports the bad manifest entry
        try:
            event = fetch_json(http, f"{base}{event_uuid}.json", credentials=row.credentials)
        except FetchError as exc:
            run.result.problems.append(f"{event_uuid}: broken event: {exc}; skipped, tried again next run")
            stamp = _int(entry.get("timestamp")) if isinstance(entry, dict) else None
            unfetched.append(stamp if stamp is not None else since + 1)
            continue
        (folder / f"{event_uuid}.json").write_bytes(orjson.dumps(event))
    (folder / "manifest.json").write_bytes(orjson.dumps(wanted))
    if unfetched:
        # Stay before the oldest event that could not be fetched, and fetch the manifest again.
        state["resume_from"] = str(max(since, min(unfetched) - 1))
    else:
        state["etag"], state["last_modified"] = got.etag, got.last_modified
        state["resume_from"] = str(newest)
    return folder


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _run_taxii(
    engine: Engine,
    row: Any,
    http: httpx.Client,
    run: FeedRun,
    state: dict[str, Any],
    store: Callable[[list[dict[str, Any]]], Any],
) -> None:
    """Pull a remote collection from the cursor; the cursor moves after each stored page."""
    for page in taxii_pages(http, row.source, added_after=state["resume_from"], credentials=row.credentials):
        objects = [o for o in page.objects if isinstance(o, dict)]
        skipped = len(page.objects) - len(objects)
        if skipped:
            run.result.problems.append(f"{skipped} entries of a page were not JSON objects; skipped")
        if objects:
            run.result.add(store(objects))
        if page.date_added_last:
            state["resume_from"] = page.date_added_last
            with write_transaction(engine) as conn:
                conn.execute(
                    update(feeds).where(feeds.c.id == row.id).values(resume_from=page.date_added_last)
                )


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


def claim_due(engine: Engine, *, now: int | None = None) -> list[str]:
    """Claim every enabled feed whose run is due (lease it) and return their names."""
    moment = now if now is not None else now_micros()
    with write_transaction(engine) as conn:
        due = [
            r.name
            for r in conn.execute(
                select(feeds.c.name)
                .where(
                    feeds.c.enabled.is_(True),
                    feeds.c.interval_seconds.is_not(None),
                    feeds.c.next_run_at <= moment,
                )
                .order_by(feeds.c.next_run_at)
            ).all()
        ]
        if due:
            conn.execute(update(feeds).where(feeds.c.name.in_(due)).values(next_run_at=moment + LEASE))
    return due


def run_due(
    engine: Engine,
    *,
    client: httpx.Client | None = None,
    warninglists: Warninglists | None = None,
    alert_window: int | None = None,
    now: int | None = None,
) -> list[FeedRun]:
    """Run every due feed once, one after the other."""
    return [
        run_feed(
            engine, name, client=client, warninglists=warninglists, alert_window=alert_window, claimed=True
        )
        for name in claim_due(engine, now=now)
    ]


class FeedScheduler:
    """Runs due feeds in the background of a serving node (one thread per process)."""

    def __init__(
        self,
        engine: Engine,
        *,
        warninglists: Warninglists | None = None,
        alert_window: int | None = None,
        interval: float = 5.0,
    ) -> None:
        self._engine = engine
        self._warninglists = warninglists
        self._alert_window = alert_window
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gotong-feeds", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        with outbound_client(timeout=TIMEOUT, follow_redirects=True) as client:
            while not self._stop.wait(self._interval):
                try:
                    for run in run_due(
                        self._engine,
                        client=client,
                        warninglists=self._warninglists,
                        alert_window=self._alert_window,
                    ):
                        _log.info("%s", run.line())
                except Exception:  # keep polling; the feed's row says what failed
                    _log.exception("running due feeds failed")
