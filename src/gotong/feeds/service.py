"""Feeds in and out through the store: the verbs the CLI (and later the scheduler and REST) call.

Importing turns a source into STIX with the format's converter, then stores it like any
submission (validation, markings, audience, index, alerts). Exporting reads what an organisation
may see — the sharing rules decide — and renders it, with a TLP ceiling chosen at export time.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from gotong.errors import Invalid
from gotong.feeds.exporters import export_blocklist, export_csv, export_snort, export_suricata, tlp_of
from gotong.feeds.lines import FeedConfig, feed_formats, parse_feed
from gotong.intel.bulk import export_bundle, read_objects
from gotong.intel.store import StatusReport
from gotong.sharing.tlp import TLP
from gotong.stix.upgrade import upgrade_object

MISP_FORMATS = ("misp-feed", "misp-event")
STIX_FORMAT = "stix"
EXPORT_FORMATS = ("stix", "misp", "csv", "ip", "domain", "url", "suricata", "snort")


@dataclass
class FeedImport:
    """What a feed import did: the store's verdicts and the converter's complaints."""

    accepted: int = 0
    already_present: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, report: StatusReport) -> None:
        for outcome in report.successes:
            if outcome.message == "already present":
                self.already_present += 1
            else:
                self.accepted += 1
        for outcome in report.failures:
            self.rejected += 1
            self.problems.append(f"rejected {outcome.id}: {outcome.message}")

    def line(self) -> str:
        return (
            f"feed import: {self.accepted} accepted, {self.already_present} already present, "
            f"{self.rejected} rejected, {len(self.problems) - self.rejected} skipped by the converter"
        )


def import_formats() -> list[str]:
    return [STIX_FORMAT, *MISP_FORMATS, *sorted(feed_formats())]


def converted_batches(
    source: str,
    *,
    fmt: str,
    name: str | None = None,
    classification: str | None = None,
    tlp: TLP = TLP.CLEAR,
    valid_days: int | None = 30,
    fetched_at: datetime | None = None,
    label: str | None = None,
) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
    """STIX objects and problems from a source, in batches (one MISP event, or one whole line feed).

    ``label`` names the source in problem lines (a URL, where ``source`` is a downloaded copy).
    Lines without a date of their own are dated ``fetched_at``, by default the start of the current
    UTC day: running an undated list again the same day stores nothing new, and each later day
    makes one new version of each value that is still listed (extending its ``valid_until``).
    """
    path = Path(source)
    if fmt == STIX_FORMAT:
        yield from _stix_batches(path)
    elif fmt == "misp-feed":
        # misp-stix takes seconds to import: only the MISP formats load it (see gotong.cli.base).
        from gotong.feeds.misp import read_misp_feed

        if not path.is_dir():
            raise Invalid(f"{source}: a MISP feed is a folder with manifest.json")
        for _uuid, converted in read_misp_feed(path):
            yield converted.objects, converted.problems
    elif fmt == "misp-event":
        from gotong.feeds.misp import misp_event_to_stix

        event = _json(path)
        converted = misp_event_to_stix(event)
        yield converted.objects, converted.problems
    elif fmt in feed_formats():
        if classification is None:
            raise Invalid(
                f"format {fmt} needs --classification CLASS/TYPE (RSIT), e.g. malicious-code/c2-server"
            )
        feed = FeedConfig(
            name=name or path.name, format=fmt, classification=classification, tlp=tlp, valid_days=valid_days
        )
        if not path.is_file():
            raise Invalid(f"{source}: no such file")
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            parsed = parse_feed(
                handle, feed=feed, source=label or source, fetched_at=fetched_at or _start_of_today()
            )
        yield parsed.objects, parsed.problems
    else:
        raise Invalid(f"unknown feed format {fmt!r}; use one of: {', '.join(import_formats())}")


def import_feed(
    *,
    batches: Iterator[tuple[list[dict[str, Any]], list[str]]],
    store: Callable[[list[dict[str, Any]]], StatusReport],
    result: FeedImport | None = None,
) -> FeedImport:
    """Store every batch with ``store`` (the caller binds org, collection, warninglists, alerts).

    Counts go into ``result`` when given (a feed run that already noted fetch problems).
    """
    result = result if result is not None else FeedImport()
    for objects, problems in batches:
        result.problems.extend(problems)
        for start in range(0, len(objects), 1000):
            result.add(store(objects[start : start + 1000]))
    return result


def export_feed(engine: Engine, *, org: str, collection_id: str | None, fmt: str, ceiling: TLP) -> str:
    """What ``org`` may see, rendered as ``fmt`` and capped at ``ceiling``."""
    if fmt not in EXPORT_FORMATS:
        raise Invalid(f"unknown export format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}")
    buffer = io.StringIO()
    export_bundle(engine, out=buffer, org=org, collection_id=collection_id)
    bundle = json.loads(buffer.getvalue())
    objects: list[Mapping[str, Any]] = [o for o in bundle["objects"] if tlp_of(o) <= ceiling]
    if fmt == "stix":
        return json.dumps({"type": "bundle", "id": bundle["id"], "objects": objects})
    if fmt == "misp":
        from gotong.feeds.misp import stix_to_misp_event

        return json.dumps(stix_to_misp_event(objects), indent=1)
    if fmt == "csv":
        return export_csv(objects, ceiling=ceiling)
    if fmt in ("ip", "domain", "url"):
        return export_blocklist(objects, kind=fmt, ceiling=ceiling)
    if fmt == "suricata":
        return export_suricata(objects, ceiling=ceiling)
    return export_snort(objects, ceiling=ceiling)


def _start_of_today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _stix_batches(path: Path, size: int = 1000) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
    """A STIX 2.1 or 2.0 bundle (or a JSON list of objects) in batches, streamed from disk.

    Objects of a STIX 2.0 bundle are upgraded to 2.1; what the upgrade leaves out is a problem line.
    A malformed stretch ends the file with a problem; what came before it is kept.
    """
    if not path.is_file():
        raise Invalid(f"{path}: no such file")
    batch: list[dict[str, Any]] = []
    problems: list[str] = []
    with path.open("rb") as handle:
        try:
            for obj, stix20 in read_objects(handle, str(path)):
                if stix20:
                    result = upgrade_object(obj)
                    batch += result.objects
                    problems += [f"{path.name}: {p.id}: {p.message}" for p in result.problems]
                elif isinstance(obj, dict):
                    batch.append(obj)
                else:
                    problems.append(f"{path.name}: an entry is not a JSON object; skipped")
                if len(batch) >= size:
                    yield batch, problems
                    batch, problems = [], []
        except Invalid as exc:
            problems.append(exc.message)
    yield batch, problems


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Invalid(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"{path}: not JSON ({exc})") from None
