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

import ijson
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.feeds.exporters import (
    Export,
    export_blocklist,
    export_csv,
    export_snort,
    export_suricata,
    tlp_of,
)
from gotong.feeds.lines import FeedConfig, feed_formats, parse_feed
from gotong.intel.bulk import export_bundle, read_objects, writable_collection
from gotong.intel.store import StatusReport, add_objects
from gotong.orgs.service import get_org
from gotong.sharing.tlp import TLP, with_tlp
from gotong.stix.repair import hint, repair_object, repairs_line
from gotong.stix.timestamps import TimestampError, parse_timestamp
from gotong.stix.upgrade import upgrade_object

MISP_FORMATS = ("misp-feed", "misp-event")
STIX_FORMAT = "stix"
EXPORT_FORMATS = ("stix", "misp", "csv", "ip", "domain", "url", "suricata", "snort")


_NAMED_EXPIRED = 10  # expired entries named one by one in the summary; the rest are counted


@dataclass
class FeedImport:
    """What a feed import did: the store's verdicts, the converter's complaints, the accepted entries
    that were already past their ``valid_until`` when they arrived (stored, but never exported as
    current), and the TLP given to entries that carried none."""

    accepted: int = 0
    already_present: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    tlp: str | None = None  # e.g. "TLP:AMBER (ThaiCERT's default)"
    repaired: int = 0  # objects stored after a listed repair (--repair)
    repairs: dict[str, int] = field(default_factory=dict)  # repair kind -> objects stored with it

    def add(
        self,
        report: StatusReport,
        expired: Mapping[str, str] | None = None,
        *,
        repaired: Mapping[str, tuple[str, ...]] | None = None,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        """Count a store's report; ``expired``: the batch's expired entries, id -> how to name them;
        ``repaired``: id -> repair kinds applied; ``hints``: id -> the option that would fix a refusal."""
        for outcome in report.successes:
            if outcome.message == "already present":
                self.already_present += 1
            else:
                self.accepted += 1
                if expired and outcome.id in expired:
                    self.expired.append(expired[outcome.id])
            kinds = (repaired or {}).get(outcome.id)
            if kinds:
                self.repaired += 1
                for kind in kinds:
                    self.repairs[kind] = self.repairs.get(kind, 0) + 1
        for outcome in report.failures:
            self.rejected += 1
            said = (hints or {}).get(outcome.id)
            self.problems.append(f"rejected {outcome.id}: {outcome.message}" + (f" {said}" if said else ""))

    def line(self) -> str:
        expired = f" ({len(self.expired)} of them expired on arrival)" if self.expired else ""
        marked = f"; unmarked entries marked {self.tlp}" if self.tlp else ""
        repaired = f"; {repairs_line(self.repaired, self.repairs)}" if self.repaired else ""
        return (
            f"feed import: {self.accepted} accepted{expired}, {self.already_present} already present, "
            f"{self.rejected} rejected, {len(self.problems) - self.rejected} skipped by the converter"
            f"{marked}{repaired}"
        )

    def expired_lines(self) -> list[str]:
        """One line per expired entry (the first few), and how many more there were."""
        named = [f"expired on arrival (stored, not exported as current): {e}" for e in self.expired]
        if len(named) > _NAMED_EXPIRED:
            named[_NAMED_EXPIRED:] = [f"... and {len(self.expired) - _NAMED_EXPIRED} more expired on arrival"]
        return named


def _expired(objects: list[dict[str, Any]], now: datetime) -> dict[str, str]:
    """The indicators of a batch already past their ``valid_until``, id -> name and date."""
    found = {}
    for obj in objects:
        until = obj.get("valid_until") if obj.get("type") == "indicator" else None
        try:
            ended = isinstance(until, str) and parse_timestamp(until) <= now
        except TimestampError:
            ended = False
        if ended:
            name = obj.get("name") if isinstance(obj.get("name"), str) else obj.get("id")
            found[str(obj.get("id"))] = f"{name} (valid until {until})"
    return found


def import_formats() -> list[str]:
    return [STIX_FORMAT, *MISP_FORMATS, *sorted(feed_formats())]


def converted_batches(
    source: str,
    *,
    fmt: str,
    name: str | None = None,
    classification: str | None = None,
    tlp: TLP,
    valid_days: int | None = 30,
    fetched_at: datetime | None = None,
    label: str | None = None,
) -> Iterator[tuple[list[dict[str, Any]], list[str]]]:
    """STIX objects and problems from a source, in batches (one MISP event, or one whole line feed).

    ``tlp`` marks the indicators of line feeds (callers pass the submitting organisation's default
    unless told otherwise: no way in defaults to CLEAR).

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

        for event in misp_events(_json(path), str(path)):
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
    store: Callable[..., StatusReport],
    result: FeedImport | None = None,
    repair: bool = False,
    fix: str = "gotong feed import --repair",
) -> FeedImport:
    """Store every batch with ``store`` (the caller binds org and collection).

    Counts go into ``result`` when given (a feed run that already noted fetch problems). ``repair``
    and ``fix``: as :func:`store_batch`.
    """
    result = result if result is not None else FeedImport()
    for objects, problems in batches:
        result.problems.extend(problems)
        for start in range(0, len(objects), 1000):
            store_batch(result, objects[start : start + 1000], store, repair=repair, fix=fix)
    return result


def store_batch(
    result: FeedImport,
    batch: list[dict[str, Any]],
    store: Callable[..., StatusReport],
    *,
    repair: bool = False,
    fix: str = "gotong feed import --repair",
) -> None:
    """Store one batch with ``store`` and count it into ``result``.

    With ``repair`` the mistakes listed in :mod:`gotong.stix.repair` are fixed first and ``store`` is
    called with ``repairs=`` (id -> kinds, for the audit record); without it, a refused object that a
    repair would fix has its line say so, naming ``fix`` (the option or setting that would).
    """
    now = datetime.now(UTC)
    if not repair:
        report = store(batch)
        result.add(report, _expired(batch, now), hints=_hints(batch, report, fix))
        return
    repaired: dict[str, tuple[str, ...]] = {}
    fixed = []
    for obj in batch:
        done = repair_object(obj)
        if done.kinds:
            repaired[str(obj.get("id"))] = done.kinds
        fixed.append(done.obj)
    result.add(store(fixed, repairs=repaired), _expired(fixed, now), repaired=repaired)


def _hints(batch: list[dict[str, Any]], report: StatusReport, fix: str) -> dict[str, str]:
    failed = {outcome.id for outcome in report.failures}
    hints = {}
    for obj in batch if failed else ():
        if obj.get("id") in failed and (said := hint(obj, fix)) is not None:
            hints[str(obj["id"])] = said
    return hints


def import_misp_file(
    engine: Engine,
    *,
    path: str,
    org: str,
    collection_id: str | None,
    tlp: TLP | None,
) -> FeedImport:
    """A file of MISP events (one, a list, or MISP's REST output) stored as ``org``, for ``gotong
    import``; unmarked objects get ``tlp``, by default the organisation's (the summary says which)."""
    with read_connection(engine) as conn:
        organisation = get_org(conn, short_name=org)
        principal = Principal(org_id=organisation.id, org_short=organisation.short_name)
        target = writable_collection(conn, principal, collection_id)
    marking = organisation.default_tlp if tlp is None else tlp
    chosen = "--tlp" if tlp is not None else f"{organisation.short_name}'s default"

    def store(objects: list[dict[str, Any]]) -> StatusReport:
        return add_objects(
            engine,
            principal=principal,
            collection_id=target,
            objects=[with_tlp(o, marking) for o in objects],
        )

    batches = converted_batches(path, fmt="misp-event", tlp=marking)
    return import_feed(batches=batches, store=store, result=FeedImport(tlp=f"{marking.label} ({chosen})"))


def export_feed(engine: Engine, *, org: str, collection_id: str | None, fmt: str, ceiling: TLP) -> Export:
    """What ``org`` may see, rendered as ``fmt`` and capped at ``ceiling``, with what it left out."""
    if fmt not in EXPORT_FORMATS:
        raise Invalid(f"unknown export format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}")
    buffer = io.StringIO()
    # MISP carries a TLP on everything: objects stored bare come with the level they were stored under.
    export_bundle(engine, out=buffer, org=org, collection_id=collection_id, mark_unmarked=fmt == "misp")
    bundle = json.loads(buffer.getvalue())
    objects: list[Mapping[str, Any]] = [o for o in bundle["objects"] if tlp_of(o) <= ceiling]
    if fmt == "stix":
        return Export(json.dumps({"type": "bundle", "id": bundle["id"], "objects": objects}), {})
    if fmt == "misp":
        from gotong.feeds.misp import stix_to_misp_event

        where = f" in {collection_id}" if collection_id else ""
        indicators = sum(o.get("type") == "indicator" for o in objects)
        info = f"Gotong: what {org} may see{where} up to {ceiling.label} ({indicators} indicators)"
        return Export(json.dumps(stix_to_misp_event(objects, info=info), indent=1), {})
    if fmt == "csv":
        return export_csv(objects, ceiling=ceiling)
    if fmt in ("ip", "domain", "url"):
        return export_blocklist(objects, kind=fmt, ceiling=ceiling)
    if fmt == "suricata":
        return export_suricata(objects, ceiling=ceiling)
    return export_snort(objects, ceiling=ceiling)


def misp_events(document: Any, source: str) -> list[Any]:
    """The MISP events of a document: one event (``{"Event": {...}}`` or the inner object), a list of
    them, or MISP's REST output (``{"response": [...]}``, from ``events/restSearch``)."""
    if isinstance(document, Mapping) and "response" in document:
        document = document["response"]
    if isinstance(document, Mapping) and isinstance(document.get("Event"), list):
        document = document["Event"]  # some MISP versions answer {"Event": [...]}
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping) and ("Event" in document or _is_inner_event(document)):
        return [document]
    raise Invalid(f"{source}: {describe(document)}, not a MISP event")


def _is_inner_event(document: Mapping[str, Any]) -> bool:
    return "uuid" in document and any(k in document for k in ("info", "Attribute", "Orgc", "Object"))


def describe(document: Any) -> str:
    """What a JSON document looks like, and which command or format takes it."""
    if isinstance(document, list):
        first = document[0] if document else None
        if isinstance(first, Mapping) and "Event" in first:
            return "a list of MISP events (use --format misp-event)"
        if isinstance(first, Mapping) and "type" in first:
            return "a list of STIX objects (use gotong import, or --format stix)"
        return "a JSON array of neither STIX objects nor MISP events"
    if not isinstance(document, Mapping):
        return "a JSON value that is no object or array"
    if document.get("type") == "bundle" or "objects" in document:
        return "a STIX bundle or TAXII envelope (use gotong import, or --format stix)"
    if "Event" in document or "response" in document or _is_inner_event(document):
        return "a MISP event (use feed import --format misp-event)"
    values = list(document.values())[:3]
    if values and all(isinstance(v, Mapping) and "info" in v for v in values):
        return "a MISP feed's manifest.json (use feed import FOLDER --format misp-feed on its folder)"
    if "type" in document:
        return f"one STIX object of type {document['type']!r} (use gotong import)"
    keys = ", ".join(sorted(str(k) for k in document)[:5])
    return f"a JSON object with keys {keys or '(none)'}: neither STIX nor a MISP event"


def sniff(path: Path) -> str:
    """``stix`` or ``misp-event``: what a JSON file holds, read no further than its first keys.

    Raises ``Invalid`` naming what the file looks like when it is neither.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(1)
            while head and head.isspace():
                head = handle.read(1)
            handle.seek(handle.tell() - len(head))
            if head == b"[":
                first = next(ijson.items(handle, "item", use_float=True), None)
                document: Any = [first] if first is not None else []
            elif head == b"{":
                document = _top_keys(handle)
            else:
                raise Invalid(f"{path}: not JSON: a text file? Line feeds go through feed import --format")
    except FileNotFoundError:
        raise Invalid(f"{path}: no such file") from None
    except ijson.JSONError:
        raise Invalid(f"{path}: malformed JSON") from None
    text = describe(document)
    if "use gotong import" in text:
        return STIX_FORMAT
    if "--format misp-event" in text:
        return "misp-event"
    raise Invalid(f"{path}: {text}")


def _top_keys(handle: Any) -> dict[str, Any]:
    """The top-level keys of a JSON object (values only for a manifest's first entries), stopping at the
    first key that decides what the document is."""
    keys: dict[str, Any] = {}
    for prefix, event, value in ijson.parse(handle, use_float=True):
        if prefix == "" and event == "map_key":
            keys[str(value)] = {}
            if value in ("type", "objects", "Event", "response"):
                keys[str(value)] = "(a STIX type)" if value == "type" else {}
                break
        elif event == "map_key" and prefix in keys and isinstance(keys[prefix], dict):
            keys[prefix][str(value)] = True  # a manifest entry's own keys ("info", "Orgc", ...)
        if len(keys) > 3 and all("info" in v for v in keys.values() if isinstance(v, dict)):
            break
    return keys


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
