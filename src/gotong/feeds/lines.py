"""Line and CSV feeds to STIX 2.1 indicators: one parameterised parser for every format.

A *format* (``data/feeds/formats.toml``) says how a line is cut into fields and which field holds what; a
*feed* is a row of configuration (:class:`FeedConfig`) naming a format, overriding its columns if need be,
and giving what the feed itself does not say: the RSIT classification, the TLP, a confidence, how long an
indicator stays valid and who vouches for it.  :func:`parse_feed` turns the feed's text into indicators,
one per observable value, and lists every line it skipped and why.

Re-running a feed gives the same objects: ids are uuid5 over (feed name, kind, normalised value), and
``created`` / ``modified`` / ``valid_from`` come from the dates on the feed's lines, or from the
``fetched_at`` the caller passes when the format has none (the parser never reads the clock).  A value seen
on several lines is one indicator, created at its earliest date and modified at its latest.  An address in
a network that is local by definition (10.0.0.0/8, ::1 ...: listed in the same data file) is reported as a
problem, never made an indicator.

Not here: fetching (HTTP, ETag, schedules), storing, and JSON, MISP or TAXII feeds.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import re
import tomllib
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal

from gotong.correlation.normalise import normalise
from gotong.errors import Invalid
from gotong.feeds.rsit import RsitClassification
from gotong.sharing.tlp import TLP
from gotong.stix.validate import validate_object

__all__ = ["FeedConfig", "FeedFormat", "ParsedFeed", "feed_formats", "is_local_network", "parse_feed"]

Column = int | tuple[str, ...]  # a 0-based position, or header names (lower case) to try in order
ColumnSpec = int | str | Sequence[str] | None  # as configuration writes one; None drops a format's column

# Observable roles -> the normalise() kinds a value may be, in the order tried.
_OBSERVABLE_ROLES: dict[str, tuple[str, ...]] = {
    "ip": ("ipv4-addr", "ipv6-addr"),
    "domain": ("domain-name",),
    "url": ("url",),
    "email": ("email-addr",),
    "md5": ("file:hashes.MD5",),
    "sha1": ("file:hashes.SHA-1",),
    "sha256": ("file:hashes.SHA-256",),
}
_OTHER_ROLES = frozenset({"first_seen", "last_seen", "prefix", "description", "malware"})
_FORMAT_KEYS = frozenset(
    {"description", "delimiter", "split", "header", "comments", "inline_comment", "time_format", "columns"}
)
# The namespace of indicator ids made from feeds (a fixed random UUID: changing it changes every id).
_ID_NAMESPACE = uuid.UUID("6f0c3f8e-2b7a-4d1e-9a55-3c8d2e41b0a7")
_IDENTITY = re.compile(r"identity--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_MAX_RECORD_LINES = 100  # a quoted CSV field may span lines; an unbalanced quote must not eat the file
_SHOWN = 80  # characters of a bad value quoted in a problem


@dataclass(frozen=True, slots=True)
class FeedFormat:
    """How to read the lines of one kind of feed (see the comments in ``formats.toml``)."""

    name: str
    description: str
    columns: Mapping[str, Column]
    delimiter: str | None = None
    split: re.Pattern[str] | None = None
    header: Literal["none", "row", "comment"] = "none"
    comments: tuple[str, ...] = ()
    inline_comment: str | None = None
    time_format: Literal["iso", "epoch"] = "iso"


def _column(spec: ColumnSpec, where: str) -> Column | None:
    if spec is None:
        return None
    if isinstance(spec, int) and not isinstance(spec, bool) and spec >= 0:
        return spec
    names = (spec,) if isinstance(spec, str) else tuple(spec) if isinstance(spec, Sequence) else ()
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise Invalid(f"{where}: a column is a position (0 or more), a header name or a list of header names")
    return tuple(n.strip().lower() for n in names)


def _columns(specs: Mapping[str, ColumnSpec], where: str) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for role, spec in specs.items():
        if role not in _OBSERVABLE_ROLES and role not in _OTHER_ROLES:
            known = ", ".join([*_OBSERVABLE_ROLES, *sorted(_OTHER_ROLES)])
            raise Invalid(f"{where}: unknown column role {role!r}; use one of {known}")
        column = _column(spec, f"{where}, column {role!r}")
        if column is not None:
            columns[role] = column
    return columns


def _format(name: str, raw: Mapping[str, Any]) -> FeedFormat:
    unknown = set(raw) - _FORMAT_KEYS
    if unknown:
        raise ValueError(f"formats.toml: format {name!r} has unknown keys {sorted(unknown)}")
    split = raw.get("split")
    return FeedFormat(
        name=name,
        description=raw.get("description", ""),
        columns=_columns(raw.get("columns", {}), f"format {name!r}"),
        delimiter=raw.get("delimiter"),
        split=re.compile(split) if split else None,
        header=raw.get("header", "none"),
        comments=tuple(raw.get("comments", ())),
        inline_comment=raw.get("inline_comment"),
        time_format=raw.get("time_format", "iso"),
    )


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(resources.files("gotong").joinpath("data/feeds/formats.toml").read_text("utf-8"))


@cache
def feed_formats() -> dict[str, FeedFormat]:
    """The formats defined in ``data/feeds/formats.toml``, by name."""
    return {name: _format(name, raw) for name, raw in _data()["format"].items()}


@cache
def _local_ranges() -> tuple[tuple[int, int, int], ...]:
    """(IP version, first address, last address) of each local network, as integers for quick tests."""
    networks = (ipaddress.ip_network(n) for n in _data()["addresses"]["local"])
    return tuple((n.version, int(n.network_address), int(n.broadcast_address)) for n in networks)


def is_local_network(value: str) -> bool:
    """Whether an address or CIDR block overlaps a network that is local by definition (10/8, ::1, ...).

    Such a value is never a public indicator, and a blocklist entry covering one would cut its user off
    from their own network.  Values that are not addresses are not local.
    """
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    version, first, last = network.version, int(network.network_address), int(network.broadcast_address)
    return any(v == version and first <= end and last >= start for v, start, end in _local_ranges())


@dataclass(frozen=True)
class FeedConfig:
    """One feed: a row of configuration, never code.

    ``columns`` overrides the format's column map role by role (``None`` drops a role).  ``classification``
    is RSIT ``class/type``.  ``valid_days``: ``valid_until`` is the last date a value was seen plus this
    many days (``None``: no end).  ``owner``: the identity id that vouches for the feed (``created_by_ref``).
    """

    name: str
    format: str
    classification: str
    tlp: TLP = TLP.CLEAR
    confidence: int | None = None
    valid_days: int | None = 30
    owner: str | None = None
    columns: Mapping[str, ColumnSpec] = field(default_factory=dict)
    indicator_types: tuple[str, ...] = ("malicious-activity",)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise Invalid("a feed needs a name")
        if self.format not in feed_formats():
            raise Invalid(f"unknown feed format {self.format!r}; use one of {', '.join(feed_formats())}")
        RsitClassification.parse(self.classification)  # raises Invalid for a pair not in the taxonomy
        if not self.indicator_types:
            raise Invalid("indicator_types must name at least one type")
        if self.confidence is not None and not 0 <= self.confidence <= 100:
            raise Invalid(f"confidence must be from 0 to 100, not {self.confidence}")
        if self.valid_days is not None and self.valid_days < 1:
            raise Invalid(f"valid_days must be at least 1, not {self.valid_days}")
        if self.owner is not None and not _IDENTITY.match(self.owner):
            raise Invalid(f"owner must be an identity id like 'identity--<UUID>', not {self.owner!r}")
        if not any(role in _OBSERVABLE_ROLES for role in self.layout.columns):
            raise Invalid(
                f"feed {self.name!r} maps no column to an observable ({', '.join(_OBSERVABLE_ROLES)})"
            )
        if self.layout.header == "none" and any(isinstance(c, tuple) for c in self.layout.columns.values()):
            raise Invalid(
                f"feed {self.name!r}: format {self.format!r} has no header, so columns are positions"
            )

    @property
    def rsit(self) -> RsitClassification:
        return RsitClassification.parse(self.classification)

    @property
    def layout(self) -> FeedFormat:
        """The format with this feed's column overrides applied."""
        base = feed_formats()[self.format]
        if not self.columns:
            return base
        overrides = _columns(self.columns, f"feed {self.name!r}")
        kept = {role: c for role, c in base.columns.items() if self.columns.get(role, c) is not None}
        return replace(base, columns=kept | overrides)


@dataclass
class ParsedFeed:
    """What a feed gave: valid STIX 2.1 indicators, and ``<source>:<line>: <why>`` for each line skipped."""

    objects: list[dict[str, Any]]
    problems: list[str]


# --- reading lines ---------------------------------------------------------------------------------------


def _open_quote(text: str, delimiter: str) -> bool:
    """Whether a CSV line ends inside a quoted field, so that the record goes on in the next line."""
    try:
        next(csv.reader([text], delimiter=delimiter, strict=True), None)
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _records(lines: Iterable[str], fmt: FeedFormat) -> Iterator[tuple[int, bool, str]]:
    """(line number, is a comment, text) for each non-blank line; a quoted CSV field may span lines."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if number == 1:
            line = line.removeprefix("\ufeff")
        if pending:
            pending.append(line)
            joined = "\n".join(pending)
            if len(pending) >= _MAX_RECORD_LINES or not _open_quote(joined, fmt.delimiter or ","):
                yield start, False, joined
                pending = []
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if fmt.comments and stripped.startswith(fmt.comments):
            yield number, True, stripped
        elif fmt.delimiter and '"' in line and _open_quote(line, fmt.delimiter):
            pending, start = [line], number
        else:
            yield number, False, line
    if pending:
        yield start, False, "\n".join(pending)


def _fields_of(text: str, fmt: FeedFormat) -> list[str]:
    if fmt.delimiter:
        # Lenient: Shadowserver writes `"Basic realm=\"\"x\"\""`, which strict CSV rejects.
        return [f.strip() for f in next(csv.reader([text], delimiter=fmt.delimiter), [])]
    if fmt.split is not None:
        return [f.strip() for f in fmt.split.split(text.strip())]
    if fmt.inline_comment:
        text = text.partition(fmt.inline_comment)[0]
    return [text.strip()]


def _show(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[: _SHOWN - 3] + "...")


def _parse_date(text: str, time_format: str) -> datetime | None:
    try:
        if time_format == "epoch":
            moment = datetime.fromtimestamp(float(text), tz=UTC)
        else:
            cleaned = text.removesuffix(" UTC").removesuffix(" GMT")
            moment = datetime.fromisoformat(cleaned)
    except (ValueError, OverflowError, OSError):
        return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment if 1990 <= moment.year <= 9000 else None  # neither before the web nor near year 9999


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _pattern(kind: str, value: str) -> str:
    literal = value.replace("\\", "\\\\").replace("'", "\\'")
    object_type, _, path = kind.partition(":")
    if path.startswith("hashes."):
        return f"[{object_type}:hashes.'{path[7:]}' = '{literal}']"
    return f"[{kind}:value = '{literal}']"


# --- building indicators ---------------------------------------------------------------------------------


@dataclass
class _Sighting:
    """What the lines say about one value: when it was seen, and the first line's words."""

    first: datetime
    last: datetime
    description: str | None
    malware: list[str]


class _Parser:
    def __init__(self, feed: FeedConfig, source: str, fetched_at: datetime) -> None:
        self.feed, self.fmt, self.source, self.fetched_at = feed, feed.layout, source, fetched_at
        self.positions: dict[str, int] | None = None
        self.width = 0  # fields a row must have: exactly (with a header) or at least (without)
        self.seen: dict[tuple[str, str], _Sighting] = {}
        self.problems: list[str] = []
        self.stopped = False
        if self.fmt.header == "none":
            self.positions = {r: c for r, c in self.fmt.columns.items() if isinstance(c, int)}
            self.width = max(self.positions.values()) + 1

    def problem(self, number: int, why: str) -> None:
        self.problems.append(f"{self.source}:{number}: {why}")

    def header(self, number: int, text: str) -> None:
        """Read the column names; stop the feed when none of its observable columns is there."""
        try:
            names = [n.lower() for n in _fields_of(text, self.fmt)]
        except csv.Error as exc:
            names = []
            self.problem(number, f"unreadable header: {exc}")
        index = {name: i for i, name in reversed(list(enumerate(names)))}  # the first of equal names wins
        self.positions, self.width = {}, len(names)
        for role, column in self.fmt.columns.items():
            found = (
                column if isinstance(column, int) else next((index[n] for n in column if n in index), None)
            )
            if found is not None and found < len(names):
                self.positions[role] = found
        if not any(role in _OBSERVABLE_ROLES for role in self.positions):
            wanted = "; ".join(
                f"{role}: {', '.join(map(repr, c)) if isinstance(c, tuple) else c}"
                for role, c in self.fmt.columns.items()
                if role in _OBSERVABLE_ROLES
            )
            self.problem(number, f"the header has no column for an observable ({wanted}); feed not read")
            self.stopped = True

    def row(self, number: int, text: str) -> None:
        assert self.positions is not None
        try:
            fields = _fields_of(text, self.fmt)
        except csv.Error as exc:
            self.problem(number, f"unreadable line: {exc}")
            return
        exact = self.fmt.header != "none"
        while exact and len(fields) > self.width and not fields[-1]:
            fields.pop()  # empty fields after the last column (DShield ends lines with a tab) hold nothing
        if self.fmt.delimiter or self.fmt.split:
            if exact and len(fields) != self.width:
                self.problem(number, f"{len(fields)} columns where the header has {self.width}")
                return
            if not exact and len(fields) < self.width:
                self.problem(number, f"{len(fields)} columns where at least {self.width} are needed")
                return
        cell = {role: fields[i] for role, i in self.positions.items()}
        dates: list[datetime] = []
        for role in ("first_seen", "last_seen"):
            if cell.get(role):
                moment = _parse_date(cell[role], self.fmt.time_format)
                if moment is None:
                    self.problem(number, f"{role} {_show(cell[role])} is not a date")
                    return
                dates.append(moment)
        values, bad = self._values(number, cell)
        if not values and not bad:
            columns = ", ".join(r for r in self.positions if r in _OBSERVABLE_ROLES)
            self.problem(number, f"no value in the {columns} column" if exact else "no value")
        first, last = (min(dates), max(dates)) if dates else (self.fetched_at, self.fetched_at)
        for key in values:
            known = self.seen.get(key)
            if known is None:
                malware = [cell["malware"]] if cell.get("malware") else []
                self.seen[key] = _Sighting(first, last, cell.get("description") or None, malware)
            else:
                known.first, known.last = min(known.first, first), max(known.last, last)
                if cell.get("malware") and cell["malware"] not in known.malware:
                    known.malware.append(cell["malware"])

    def _values(self, number: int, cell: Mapping[str, str]) -> tuple[list[tuple[str, str]], bool]:
        found: list[tuple[str, str]] = []
        bad = False
        for role, kinds in _OBSERVABLE_ROLES.items():
            raw = cell.get(role)
            if not raw:
                continue
            if role == "ip" and cell.get("prefix"):
                raw = f"{raw}/{cell['prefix']}"
            value = next(((k, v) for k in kinds if (v := normalise(k, raw)) is not None), None)
            if value is None:
                self.problem(number, f"{_show(raw)} is not a valid {role}")
                bad = True
            elif role == "ip" and is_local_network(value[1]):
                self.problem(number, f"{value[1]} is a local or reserved network, never a public indicator")
                bad = True
            else:
                found.append(value)
        return found, bad

    def indicator(self, kind: str, value: str, sighting: _Sighting) -> dict[str, Any]:
        feed, rsit = self.feed, self.feed.rsit
        stix_id = f"indicator--{uuid.uuid5(_ID_NAMESPACE, json.dumps([feed.name, kind, value]))}"
        obj: dict[str, Any] = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": stix_id,
            "created": _timestamp(sighting.first),
            "modified": _timestamp(sighting.last),
            "name": value,
            "indicator_types": list(feed.indicator_types),
            "pattern": _pattern(kind, value),
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": _timestamp(sighting.first),
            "labels": [rsit.tag],
            "object_marking_refs": [feed.tlp.marking_id],
            "x_gotong_rsit": rsit.as_property(),
            "x_gotong_feed": feed.name,
        }
        if feed.valid_days is not None:
            obj["valid_until"] = _timestamp(sighting.last + timedelta(days=feed.valid_days))
        family = f" ({', '.join(sighting.malware)})" if sighting.malware else ""
        obj["description"] = sighting.description or f"{rsit.text}{family}, listed by feed {feed.name}"
        if sighting.malware:
            obj["x_gotong_malware"] = sighting.malware
        if feed.confidence is not None:
            obj["confidence"] = feed.confidence
        if feed.owner is not None:
            obj["created_by_ref"] = feed.owner
        return obj


def parse_feed(
    text: str | Iterable[str], *, feed: FeedConfig, source: str, fetched_at: datetime
) -> ParsedFeed:
    """Parse a line or CSV feed into STIX 2.1 indicators, one per distinct observable value.

    ``text`` is the whole feed or its lines (a file object will do); lines end at ``\\n`` only, as CSV
    fields may hold other control characters.  ``source`` names the feed in problems (a file name or URL);
    ``fetched_at`` (timezone-aware) dates the lines of formats without dates of their own.  A line that is
    malformed (a bad or local address, an empty value, a bad date, a wrong number of columns) is skipped and
    reported in ``problems``; the other lines still count.
    """
    if fetched_at.tzinfo is None:
        raise Invalid("fetched_at must be timezone-aware")
    parser = _Parser(feed, source, fetched_at.astimezone(UTC))
    lines = text.split("\n") if isinstance(text, str) else text
    last_comment: tuple[int, str] | None = None
    for number, is_comment, content in _records(lines, parser.fmt):
        if is_comment:
            last_comment = (number, content)
            continue
        if parser.positions is None:
            if parser.fmt.header == "row":
                parser.header(number, content)
            elif last_comment is None:
                parser.problem(number, "no header comment before the first line of data; feed not read")
                parser.stopped = True
            else:
                prefix = next(p for p in parser.fmt.comments if last_comment[1].startswith(p))
                parser.header(last_comment[0], last_comment[1][len(prefix) :].strip())
                if not parser.stopped:
                    parser.row(number, content)
        else:
            parser.row(number, content)
        if parser.stopped:
            break
    objects: list[dict[str, Any]] = []
    for (kind, value), sighting in parser.seen.items():
        obj = parser.indicator(kind, value, sighting)
        invalid = validate_object(obj)
        if invalid:  # a value normalise() accepts but STIX does not: report it rather than pass it on
            parser.problems.append(
                f"{source}: {kind} {_show(value)} gives an invalid indicator: {invalid[0]}"
            )
        else:
            objects.append(obj)
    return ParsedFeed(objects=objects, problems=parser.problems)
