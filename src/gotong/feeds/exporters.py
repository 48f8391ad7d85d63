"""Exports of STIX intelligence for tools that do not read STIX: CSV, plain blocklists, Suricata and Snort.

The caller hands over objects it has already filtered through the sharing decision (what the reader may
see); this module only applies the TLP *ceiling* chosen for the export (an object marked above it is left
out, its level taken from object and granular markings, the strictest winning) and turns what is left
into text.  Objects with no TLP marking count as ``unmarked`` (AMBER unless the caller says otherwise, as
for an organisation's default marking).

Blocklists and IDS rules are made from indicators only (an SCO says something was seen, not that it is
bad), never from revoked or ``benign`` ones, nor from patterns whose parts only count together (``AND``,
``FOLLOWEDBY``), nor for addresses in local networks (a rule for 10.0.0.0/8 would fire on the whole
inside).  Given ``at``, indicators not valid at that moment are left out too.

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
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from gotong.correlation.observables import Observable, observables_of
from gotong.errors import Invalid
from gotong.feeds.lines import is_local_network
from gotong.feeds.rsit import rsit_of
from gotong.sharing.tlp import TLP, marking_refs, strictest_tlp
from gotong.stix.timestamps import TimestampError, parse_timestamp

__all__ = [
    "DEFAULT_SID_BASE",
    "DEFAULT_SID_COUNT",
    "BlocklistKind",
    "export_blocklist",
    "export_csv",
    "export_snort",
    "export_suricata",
    "tlp_of",
]

# Local rules start at 1,000,000 by convention; 1,000,000,000 keeps clear of the ranges the public rule
# sets use (Talos below 1,000,000, ET Open 2,000,000-2,999,999), and a span of a billion makes hash
# collisions rare even for a million indicators.  The end stays below 2**31 for tools with signed sids.
DEFAULT_SID_BASE = 1_000_000_000
DEFAULT_SID_COUNT = 1_000_000_000
_MIN_SID, _MAX_SID = 1_000_000, 2**32 - 1
_CSV_COLUMNS = ("id", "type", "kind", "value", "tlp", "valid_from", "valid_until", "labels")
_CONJUNCTION = re.compile(r"\b(?:AND|FOLLOWEDBY)\b")
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'")
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


def tlp_of(obj: Mapping[str, Any], *, unmarked: TLP = TLP.AMBER) -> TLP:
    """The TLP level of an object: the strictest of its object-level and granular TLP markings."""
    level = strictest_tlp(marking_refs(obj))
    return unmarked if level is None else level


def _shown(objects: Iterable[Mapping[str, Any]], ceiling: TLP, unmarked: TLP) -> Iterator[Mapping[str, Any]]:
    for obj in objects:
        if (
            isinstance(obj, Mapping)
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


def _standalone(pattern: str) -> bool:
    """Whether each comparison of a pattern indicates on its own (no AND / FOLLOWEDBY outside strings)."""
    return _CONJUNCTION.search(_STRING_LITERAL.sub("''", pattern)) is None


def _detections(
    objects: Iterable[Mapping[str, Any]], *, ceiling: TLP, unmarked: TLP, at: datetime | None
) -> Iterator[tuple[Mapping[str, Any], Observable]]:
    """(indicator, observable) pairs fit for blocking and detection, in the order given."""
    if at is not None and at.tzinfo is None:
        raise Invalid("'at' must be timezone-aware")
    for obj in _shown(objects, ceiling, unmarked):
        pattern = obj.get("pattern")
        types = obj.get("indicator_types")
        if (
            obj.get("type") != "indicator"
            or not isinstance(pattern, str)
            or not _standalone(pattern)
            or (isinstance(types, list) and "benign" in types)
            or not _valid_at(obj, at)
        ):
            continue
        for observable in observables_of(obj):
            if observable.kind in _RULE_KINDS and not (
                observable.kind in _BLOCKLIST_KINDS[BlocklistKind.IP] and is_local_network(observable.value)
            ):
                yield obj, observable


def export_csv(objects: Iterable[Mapping[str, Any]], *, ceiling: TLP, unmarked: TLP = TLP.AMBER) -> str:
    """One CSV row per observable of each object at or under the ceiling (revoked objects left out).

    Columns: id, type, kind, value, tlp, valid_from, valid_until, labels (joined with ``;``).  Values are
    written exactly, for machines: a spreadsheet user should import the file as text.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for obj in _shown(objects, ceiling, unmarked):
        labels = obj.get("labels")
        label_text = ";".join(x for x in labels if isinstance(x, str)) if isinstance(labels, list) else ""
        tlp = tlp_of(obj, unmarked=unmarked).label
        for observable in observables_of(obj):
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
    return out.getvalue()


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
) -> str:
    """One normalised value per line, deduplicated and sorted (addresses numerically, IPv4 first)."""
    try:
        wanted = BlocklistKind(kind)
    except ValueError:
        raise Invalid(f"unknown blocklist kind {kind!r}; use one of {', '.join(BlocklistKind)}") from None
    kinds = _BLOCKLIST_KINDS[wanted]
    values = {
        o.value for _, o in _detections(objects, ceiling=ceiling, unmarked=unmarked, at=at) if o.kind in kinds
    }
    ordered = sorted(values, key=_address_key) if wanted is BlocklistKind.IP else sorted(values)
    return "".join(f"{value}\n" for value in ordered)


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
    objects: Iterable[Mapping[str, Any]], *, ceiling: TLP, unmarked: TLP, at: datetime | None
) -> list[_Rule]:
    found: dict[str, _Rule] = {}
    for obj, observable in _detections(objects, ceiling=ceiling, unmarked=unmarked, at=at):
        if observable.kind == "url" and _http_parts(observable.value) is None:
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
) -> str:
    rules = _rules(objects, ceiling=ceiling, unmarked=unmarked, at=at)
    sids = _sids((r.key for r in rules), sid_base, sid_count)
    lines = sorted((sids[r.key], render(r.observable, r.msg, sids[r.key])) for r in rules)
    return "".join(f"{line}\n" for _, line in lines)


def export_suricata(
    objects: Iterable[Mapping[str, Any]],
    *,
    ceiling: TLP,
    sid_base: int = DEFAULT_SID_BASE,
    sid_count: int = DEFAULT_SID_COUNT,
    unmarked: TLP = TLP.AMBER,
    at: datetime | None = None,
) -> str:
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
) -> str:
    """Snort 3 rules, one line each, sorted by sid: IP, domain (DNS query name over UDP 53) and http://
    URL (``http_header: field host`` and ``http_uri``) indicators; sids as :func:`export_suricata` gives."""
    return _export_rules(
        objects, _snort, ceiling=ceiling, sid_base=sid_base, sid_count=sid_count, unmarked=unmarked, at=at
    )
