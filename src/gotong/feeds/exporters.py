"""Exports of STIX intelligence for tools that do not read STIX: CSV, plain blocklists, Suricata and Snort.

The caller hands over objects it has already filtered through the sharing decision (what the reader may
see); this module only applies the TLP *ceiling* chosen for the export (an object marked above it is left
out, its level taken from object and granular markings, the strictest winning) and turns what is left
into text.  Objects with no TLP marking count as ``unmarked`` (AMBER unless the caller says otherwise, as
for an organisation's default marking).

Blocklists and IDS rules are made from indicators only (an SCO says something was seen, not that it is
bad), never from revoked or ``benign`` ones, nor for addresses in local networks (a rule for 10.0.0.0/8
would fire on the whole inside).  Given ``at``, indicators not valid at that moment are left out too.
Exercise-marked objects (:func:`gotong.stix.exercise.is_exercise`) are never exported.
Which values of a pattern may be blocked on their own is the correlation index's reading of it
(:func:`gotong.correlation.observables.indication_of`): each alternative of the pattern whose facts all
describe one value (``[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value =
'X']`` is one address; ``[ipv4-addr:value = 'X' AND network-traffic:dst_port = 25]`` is not).

Every export says what it left out (:attr:`Export.left_out`): how many indicators, per reason, could not
be expressed in the target format (facts that only count together, comparisons other than equality, no
value of the format's kinds, ...), and how many were left out on purpose (benign, local network, ...).

Rules: one per (indicator, observable), ``sid`` derived from a hash of the indicator id and the value into
``[sid_base, sid_base + sid_count)``, so that a rule keeps its sid from one export to the next; a
collision moves the later of the two (in id order) to the next free sid.  Suricata rules need Suricata 5
or later (``dotprefix``, ``startswith``, ``endswith``, sticky buffers); Snort rules are Snort 3 syntax.
Only ``http://`` URLs become rules: the path of an ``https://`` URL is not visible on the wire.
"""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from gotong.correlation.observables import Observable, indication_of, observables_of
from gotong.errors import Invalid
from gotong.feeds.lines import is_local_network
from gotong.feeds.rsit import rsit_of
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.exercise import is_exercise
from gotong.stix.timestamps import TimestampError, parse_timestamp

__all__ = [
    "DEFAULT_SID_BASE",
    "DEFAULT_SID_COUNT",
    "LEFT_OUT_HEADER",
    "BlocklistKind",
    "Export",
    "export_blocklist",
    "export_csv",
    "export_snort",
    "export_suricata",
    "left_out_header",
    "tlp_of",
]

# Local rules start at 1,000,000 by convention; 1,000,000,000 keeps clear of the ranges the public rule
# sets use (Talos below 1,000,000, ET Open 2,000,000-2,999,999), and a span of a billion makes hash
# collisions rare even for a million indicators.  The end stays below 2**31 for tools with signed sids.
DEFAULT_SID_BASE = 1_000_000_000
DEFAULT_SID_COUNT = 1_000_000_000
_MIN_SID, _MAX_SID = 1_000_000, 2**32 - 1
_CSV_COLUMNS = ("id", "type", "kind", "value", "tlp", "valid_from", "valid_until", "labels")
_PLAIN_CONTENT = frozenset(chr(c) for c in range(0x20, 0x7F)) - set('"\\;:|')
_MSG_LENGTH = 200


class BlocklistKind(StrEnum):
    """What a plain blocklist lists."""

    IP = "ip"
    DOMAIN = "domain"
    URL = "url"


_BLOCKLIST_KINDS: dict[BlocklistKind, frozenset[str]] = {
    BlocklistKind.IP: frozenset({"ipv4-addr", "ipv6-addr"}),
    BlocklistKind.DOMAIN: frozenset({"domain-name"}),
    BlocklistKind.URL: frozenset({"url"}),
}
_RULE_KINDS = frozenset().union(*_BLOCKLIST_KINDS.values())
_BENIGN = "benign indicators (indicator_types: benign)"
_EXPIRED = "indicators not valid at the time of the export"
_LOCAL = "addresses in local networks (a rule would fire on the inside)"
_HTTPS = "URLs other than http:// (the path is not visible on the wire)"


@dataclass(frozen=True, slots=True)
class Export:
    """An export's text, and how many indicators it left out, per reason (an indicator counts once per
    reason: one with a local and a public address counts under "local networks" and still exports)."""

    text: str
    left_out: Mapping[str, int]

    def summary(self) -> str:
        """One line for people: what was left out and why, or that nothing was."""
        if not self.left_out:
            return "every indicator was expressed"
        parts = [f"{count} for {reason}" for reason, count in sorted(self.left_out.items())]
        return f"indicators not expressed: {'; '.join(parts)}"


LEFT_OUT_HEADER = "X-Gotong-Left-Out"


def left_out_header(export: Export) -> str:
    """:attr:`Export.left_out` as the REST download's header value: compact JSON, reason -> count."""
    return json.dumps(dict(sorted(export.left_out.items())), separators=(",", ":"), ensure_ascii=True)


def _no_kind(kinds: frozenset[str]) -> str:
    names = {"ipv4-addr": "IP address", "ipv6-addr": "IP address", "domain-name": "domain", "url": "URL"}
    return f"no value this format holds ({' or '.join(sorted({names[k] for k in kinds}))})"


def tlp_of(obj: Mapping[str, Any], *, unmarked: TLP = TLP.AMBER) -> TLP:
    """The TLP level of an object: the strictest of its object-level and granular TLP markings."""
    level = strictest_tlp(marking_refs(obj))
    return unmarked if level is None else level


def _shown(objects: Iterable[Mapping[str, Any]], ceiling: TLP, unmarked: TLP) -> Iterator[Mapping[str, Any]]:
    for obj in objects:
        if (
            isinstance(obj, Mapping)
            and not is_exercise(obj)
            and tlp_of(obj, unmarked=unmarked) <= ceiling
            and obj.get("revoked") is not True
        ):
            yield obj


def _moment(value: Any) -> datetime | None:
    try:
        return parse_timestamp(value) if isinstance(value, str) else None
    except TimestampError:
        return None


def _valid_at(obj: Mapping[str, Any], at: datetime | None) -> bool:
    if at is None:
        return True
    start, end = _moment(obj.get("valid_from")), _moment(obj.get("valid_until"))
    return (start is None or start <= at) and (end is None or at < end)


class _Tally:
    """Counts, per reason, the indicators an export leaves out (each indicator once per reason)."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}

    def add(self, reason: str, obj: Mapping[str, Any]) -> None:
        self._ids.setdefault(reason, set()).add(str(obj.get("id")))

    def counts(self) -> dict[str, int]:
        return {reason: len(ids) for reason, ids in self._ids.items()}


def _detections(
    objects: Iterable[Mapping[str, Any]],
    *,
    kinds: frozenset[str],
    ceiling: TLP,
    unmarked: TLP,
    at: datetime | None,
    tally: _Tally,
) -> Iterator[tuple[Mapping[str, Any], Observable]]:
    """(indicator, observable) pairs fit for blocking and detection, in the order given."""
    if at is not None and at.tzinfo is None:
        raise Invalid("'at' must be timezone-aware")
    for obj in _shown(objects, ceiling, unmarked):
        if obj.get("type") != "indicator":
            continue
        types = obj.get("indicator_types")
        if isinstance(types, list) and "benign" in types:
            tally.add(_BENIGN, obj)
            continue
        if not _valid_at(obj, at):
            tally.add(_EXPIRED, obj)
            continue
        carried = {o.kind for o in observables_of(obj)}
        if carried and not carried & kinds:  # a hash for an IP blocklist: why its pattern is odd is moot
            tally.add(_no_kind(kinds), obj)
            continue
        indication = indication_of(obj)
        for reason in indication.unexpressed:
            tally.add(reason, obj)
        wanted = [o for o in indication.observables if o.kind in kinds]
        if not wanted and not indication.unexpressed:
            tally.add(_no_kind(kinds), obj)
        for observable in wanted:
            if observable.kind in _BLOCKLIST_KINDS[BlocklistKind.IP] and is_local_network(observable.value):
                tally.add(_LOCAL, obj)
            else:
                yield obj, observable


def export_csv(objects: Iterable[Mapping[str, Any]], *, ceiling: TLP, unmarked: TLP = TLP.AMBER) -> Export:
    """One CSV row per observable of each object at or under the ceiling (revoked objects left out).

    Columns: id, type, kind, value, tlp, valid_from, valid_until, labels (joined with ``;``).  Values are
    written exactly, for machines: a spreadsheet user should import the file as text.  A row lists a
    value the object carries, whatever else its pattern asks for; what is left out are indicators
    without any value the index reads, counted with the pattern's reasons.
    """
    tally = _Tally()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for obj in _shown(objects, ceiling, unmarked):
        labels = obj.get("labels")
        label_text = ";".join(x for x in labels if isinstance(x, str)) if isinstance(labels, list) else ""
        tlp = tlp_of(obj, unmarked=unmarked).label
        found = observables_of(obj)
        if not found and obj.get("type") == "indicator":
            for reason in indication_of(obj).unexpressed or ("no value the index reads",):
                tally.add(reason, obj)
        for observable in found:
            writer.writerow(
                [
                    obj.get("id", ""),
                    obj.get("type", ""),
                    observable.kind,
                    observable.value,
                    tlp,
                    obj.get("valid_from", ""),
                    obj.get("valid_until", ""),
                    label_text,
                ]
            )
    return Export(out.getvalue(), tally.counts())


def _address_key(value: str) -> tuple[int, int, int]:
    network = ipaddress.ip_network(value, strict=False)
    return network.version, int(network.network_address), network.prefixlen


def export_blocklist(
    objects: Iterable[Mapping[str, Any]],
    *,
    kind: BlocklistKind | str,
    ceiling: TLP,
    unmarked: TLP = TLP.AMBER,
    at: datetime | None = None,
) -> Export:
    """One normalised value per line, deduplicated and sorted (addresses numerically, IPv4 first)."""
    try:
        wanted = BlocklistKind(kind)
    except ValueError:
        raise Invalid(f"unknown blocklist kind {kind!r}; use one of {', '.join(BlocklistKind)}") from None
    tally = _Tally()
    found = _detections(
        objects, kinds=_BLOCKLIST_KINDS[wanted], ceiling=ceiling, unmarked=unmarked, at=at, tally=tally
    )
    values = {o.value for _, o in found}
    ordered = sorted(values, key=_address_key) if wanted is BlocklistKind.IP else sorted(values)
    return Export("".join(f"{value}\n" for value in ordered), tally.counts())


# --- IDS rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str  # what the sid is derived from: indicator id and observable
    observable: Observable
    msg: str


def _content(text: str) -> str:
    """A rule content string: printable ASCII as is, everything else (``"``, ``;``, ``\\``, ``|``, ``:``,
    controls, UTF-8 bytes) in ``|hex|`` notation, which Suricata and Snort both read."""
    parts: list[str] = []
    pending: list[str] = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in _PLAIN_CONTENT:
            if pending:
                parts.append(f"|{' '.join(pending)}|")
                pending = []
            parts.append(char)
        else:
            pending.append(f"{byte:02X}")
    if pending:
        parts.append(f"|{' '.join(pending)}|")
    return "".join(parts)


def _msg(text: str) -> str:
    """A msg string: ASCII, no controls, ``\\``, ``"`` and ``;`` escaped with a backslash."""
    ascii_text = text.encode("ascii", "backslashreplace").decode("ascii")
    clean = "".join(c if " " <= c < "\x7f" else " " for c in ascii_text)
    if len(clean) > _MSG_LENGTH:
        clean = clean[: _MSG_LENGTH - 3] + "..."
    return clean.replace("\\", "\\\\").replace('"', '\\"').replace(";", "\\;")


def _rules(
    objects: Iterable[Mapping[str, Any]], *, ceiling: TLP, unmarked: TLP, at: datetime | None, tally: _Tally
) -> list[_Rule]:
    found: dict[str, _Rule] = {}
    detections = _detections(
        objects, kinds=_RULE_KINDS, ceiling=ceiling, unmarked=unmarked, at=at, tally=tally
    )
    for obj, observable in detections:
        if observable.kind == "url" and _http_parts(observable.value) is None:
            tally.add(_HTTPS, obj)
            continue
        key = f"{obj.get('id')}|{observable.kind}|{observable.value}"
        rsit = rsit_of(obj)
        what = rsit.text if rsit is not None else "indicator"
        msg = f"Gotong {what} {observable.value} ({obj.get('id')})"
        found.setdefault(key, _Rule(key, observable, msg))
    return list(found.values())


def _sids(keys: Iterable[str], base: int, count: int) -> dict[str, int]:
    """A stable sid for each key: its hash in the range, or the next free sid after a collision."""
    if base < _MIN_SID or count < 1 or base + count - 1 > _MAX_SID:
        raise Invalid(f"sids must lie within {_MIN_SID:,}..{_MAX_SID:,}; got {base:,} + {count:,}")
    ordered = sorted(keys)
    if len(ordered) > count:
        raise Invalid(f"{len(ordered):,} rules do not fit in {count:,} sids")
    taken: set[int] = set()
    sids: dict[str, int] = {}
    for key in ordered:
        offset = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % count
        while base + offset in taken:
            offset = (offset + 1) % count
        taken.add(base + offset)
        sids[key] = base + offset
    return sids


def _http_parts(url: str) -> tuple[str, str] | None:
    """(Host header, path and query) of an http:// URL, or None for other schemes."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.netloc:
        return None
    host = parts.netloc.rpartition("@")[2]  # user info is not sent in the Host header
    return host, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _suricata(observable: Observable, msg: str, sid: int) -> str:
    kind, value = observable.kind, observable.value
    tail = f"sid:{sid}; rev:1;)"
    if kind in ("ipv4-addr", "ipv6-addr"):
        return f'alert ip $HOME_NET any -> [{value}] any (msg:"{_msg(msg)}"; {tail}'
    if kind == "domain-name":  # the name itself and every name under it
        return (
            f'alert dns $HOME_NET any -> any any (msg:"{_msg(msg)}"; dns.query; dotprefix; '
            f'content:"{_content("." + value)}"; nocase; endswith; {tail}'
        )
    http = _http_parts(value)
    assert http is not None  # _rules keeps http:// URLs only
    host = http[0].rpartition(":")[0] if http[0].rpartition(":")[2].isdigit() else http[0]  # no port
    return (
        f'alert http $HOME_NET any -> any any (msg:"{_msg(msg)}"; flow:established,to_server; '
        f'http.host; content:"{_content(host)}"; startswith; endswith; '
        f'http.uri; content:"{_content(http[1])}"; startswith; endswith; {tail}'
    )


def _dns_labels(name: str) -> str:
    """A domain name in DNS wire format, as content: |07|example|03|com|00|."""
    return "".join(f"|{len(label):02X}|{_content(label)}" for label in name.split(".")) + "|00|"


def _snort(observable: Observable, msg: str, sid: int) -> str:
    kind, value = observable.kind, observable.value
    tail = f"sid:{sid}; rev:1; )"
    if kind in ("ipv4-addr", "ipv6-addr"):
        return f'alert ip $HOME_NET any -> [{value}] any ( msg:"{_msg(msg)}"; {tail}'
    if kind == "domain-name":  # the labels end the query name: the name itself and every name under it
        return (
            f'alert udp $HOME_NET any -> any 53 ( msg:"{_msg(msg)}"; '
            f'content:"{_dns_labels(value)}", nocase; {tail}'
        )
    http = _http_parts(value)
    assert http is not None  # _rules keeps http:// URLs only
    return (
        f'alert http $HOME_NET any -> any any ( msg:"{_msg(msg)}"; flow:established,to_server; '
        f'http_header: field host; content:"{_content(http[0])}", nocase; '
        f'http_uri; content:"{_content(http[1])}"; {tail}'
    )


def _export_rules(
    objects: Iterable[Mapping[str, Any]],
    render: Callable[[Observable, str, int], str],
    *,
    ceiling: TLP,
    sid_base: int,
    sid_count: int,
    unmarked: TLP,
    at: datetime | None,
) -> Export:
    tally = _Tally()
    rules = _rules(objects, ceiling=ceiling, unmarked=unmarked, at=at, tally=tally)
    sids = _sids((r.key for r in rules), sid_base, sid_count)
    lines = sorted((sids[r.key], render(r.observable, r.msg, sids[r.key])) for r in rules)
    return Export("".join(f"{line}\n" for _, line in lines), tally.counts())


def export_suricata(
    objects: Iterable[Mapping[str, Any]],
    *,
    ceiling: TLP,
    sid_base: int = DEFAULT_SID_BASE,
    sid_count: int = DEFAULT_SID_COUNT,
    unmarked: TLP = TLP.AMBER,
    at: datetime | None = None,
) -> Export:
    """Suricata rules, one line each, sorted by sid: IP (``alert ip``), domain (``alert dns`` on
    ``dns.query``) and http:// URL (``alert http`` on ``http.host`` and ``http.uri``) indicators."""
    return _export_rules(
        objects, _suricata, ceiling=ceiling, sid_base=sid_base, sid_count=sid_count, unmarked=unmarked, at=at
    )


def export_snort(
    objects: Iterable[Mapping[str, Any]],
    *,
    ceiling: TLP,
    sid_base: int = DEFAULT_SID_BASE,
    sid_count: int = DEFAULT_SID_COUNT,
    unmarked: TLP = TLP.AMBER,
    at: datetime | None = None,
) -> Export:
    """Snort 3 rules, one line each, sorted by sid: IP, domain (DNS query name over UDP 53) and http://
    URL (``http_header: field host`` and ``http_uri``) indicators; sids as :func:`export_suricata` gives."""
    return _export_rules(
        objects, _snort, ceiling=ceiling, sid_base=sid_base, sid_count=sid_count, unmarked=unmarked, at=at
    )
