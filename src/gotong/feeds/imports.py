"""Feed use cases as one verb each: import a source once, run configured feeds now.

What an adapter (the CLI today) calls; the pieces they assemble live in :mod:`gotong.feeds.service`
(converters, counting), :mod:`gotong.feeds.registry` (configured feeds) and
:mod:`gotong.feeds.runs` (their runs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.feeds.runs import FeedRun, run_feed
from gotong.feeds.schedule import claim_due
from gotong.feeds.service import FeedImport, converted_batches, import_feed
from gotong.intel.bulk import writable_collection
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.service import get_org
from gotong.sharing.tlp import TLP, with_tlp


def import_source(
    engine: Engine,
    *,
    source: str,
    fmt: str,
    org: str,
    collection_id: str | None = None,
    name: str | None = None,
    classification: str | None = None,
    tlp: str | None = None,
    valid_days: int = 30,
    on_batch: Callable[[int], None] | None = None,
    repair: bool = False,
) -> FeedImport:
    """Convert a local file or folder once and store it as ``org``'s submission.

    Entries that carry no TLP are marked ``tlp``, by default the organisation's default TLP (never
    CLEAR unasked); the summary says which.

    ``on_batch`` is told how many objects each stored batch held (for a progress display).
    ``repair`` fixes the mistakes listed in :mod:`gotong.stix.repair` before validation (counted in
    the summary, named in the audit record); without it their refusal names ``--repair``.
    """
    with read_connection(engine) as conn:
        organisation = get_org(conn, short_name=org)
        principal = Principal(org_id=organisation.id, org_short=organisation.short_name)
        target = writable_collection(conn, principal, collection_id)
    marking = TLP.parse(tlp) if tlp else organisation.default_tlp
    chosen = "--tlp" if tlp else f"{organisation.short_name}'s default"
    batches = converted_batches(
        source, fmt=fmt, name=name, classification=classification, tlp=marking, valid_days=valid_days
    )

    def store(
        objects: list[dict[str, Any]], repairs: Mapping[str, Sequence[str]] | None = None
    ) -> StatusReport:
        report = add_objects(
            engine,
            principal=principal,
            collection_id=target,
            objects=[with_tlp(o, marking) for o in objects],
            repairs=repairs or {},  # never the collection's setting: --repair decides
        )
        if on_batch is not None:
            on_batch(len(objects))
        return report

    return import_feed(
        batches=batches, store=store, result=FeedImport(tlp=f"{marking.label} ({chosen})"), repair=repair
    )


def run_feeds(
    engine: Engine,
    *,
    names: list[str],
    due: bool = False,
    on_batch: Callable[[str, int], None] | None = None,
    on_run: Callable[[FeedRun], None] | None = None,
) -> list[FeedRun]:
    """Run the named feeds now, or (``due``) every feed whose time has come, claiming each first.

    ``on_batch(name, n)`` follows the objects stored; ``on_run`` hears of each run as it ends.
    """
    if bool(names) == due:
        raise Invalid("name the feeds to run, or give --due")
    runs = []
    for name in claim_due(engine) if due else names:
        run = run_feed(engine, name, on_batch=_for_feed(on_batch, name), claimed=due)
        if on_run is not None:
            on_run(run)
        runs.append(run)
    return runs


def _for_feed(on_batch: Callable[[str, int], None] | None, name: str) -> Callable[[int], None] | None:
    if on_batch is None:
        return None
    return lambda n: on_batch(name, n)
