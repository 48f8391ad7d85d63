"""MISP warninglists: is an observable a known-benign value (a public resolver, an RFC 1918 address, a
top site, the hash of an empty file)?  A hit is a flag shown next to the observable, never a verdict.

Reads the MISP warninglists layout (``lists/<id>/list.json``) and matches like MISP, per list type:

* ``cidr`` -- ipv4-addr/ipv6-addr values (an address, or a network inside a listed one).  A network is
  stored as the integer of its prefix bits in a dict per (IP version, prefix length); a lookup shifts
  the address once per prefix length present (26 for IPv4, 51 for IPv6), whether 3 networks are listed
  or 150,000.  Sorted ranges with ``bisect`` would need extra work for nested and overlapping networks.
* ``hostname`` -- the domain, the host of a URL or the domain of an e-mail address equals a listed
  hostname or is below one: one dict for all lists, probed once per label suffix.
* ``string`` -- exact match, both sides lower-cased (domains and hex hashes are case-blind): one dict.
* ``substring`` -- the lower-cased value contains an entry: entries bucketed by their first characters,
  one dict probe per position (~100,000 values a second against the 8,201 disposable-email entries,
  where one alternation regex managed ~700 and a loop over the entries ~1,000).
* ``regex`` -- PCRE ``/pattern/flags`` entries compiled once with :mod:`re`, searched in list order.

A list applies to the kinds its ``matching_attributes`` (MISP attribute types) map to, or to every
kind when it has none.  At most one hit per list: the widest network, shortest hostname suffix,
leftmost substring, first regex.  Unreadable lists and unusable entries are skipped and described in
``problems``: bad data never raises, only a missing directory does.  Read-only once loaded.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

__all__ = ["KINDS", "MISP_TYPE_KINDS", "WarningHit", "Warninglists"]

_IP_KINDS = ("ipv4-addr", "ipv6-addr")
_HASHES = {  # MISP hash type -> STIX hash name: sha256 -> SHA-256, sha3-256 -> SHA3-256
    m: re.sub(r"^SHA(\d+)$", r"SHA-\1", m.upper())
    for m in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3-256", "sha3-512", "ssdeep", "tlsh")
}
_EMAIL_TYPES = ("email", "email-src", "email-dst", "target-email", "whois-registrant-email", "dns-soa-email")

# MISP attribute types -> Gotong observable kinds.  Types with no STIX observable (phone-number,
# azure-application-id, ...) map to nothing, so lists that only name those never match.
MISP_TYPE_KINDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("ip-src", "ip-dst", "ip-src|port", "ip-dst|port"), _IP_KINDS),
    "domain|ip": ("domain-name", *_IP_KINDS),
    **dict.fromkeys(("domain", "hostname", "hostname|port"), ("domain-name",)),
    "url": ("url",),
    **dict.fromkeys(_EMAIL_TYPES, ("email-addr",)),
    **{t: (f"file:hashes.{a}",) for m, a in _HASHES.items() for t in (m, f"filename|{m}")},
    **{
        f"x509-fingerprint-{m}": (f"x509-certificate:hashes.{_HASHES[m]}",) for m in ("md5", "sha1", "sha256")
    },
}
KINDS = frozenset(kind for kinds in MISP_TYPE_KINDS.values() for kind in kinds)

_TYPES = ("cidr", "hostname", "string", "substring", "regex")
_PCRE_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0, "g": 0}
_BRACKETS = {"(": ")", "[": "]", "{": "}", "<": ">"}


@dataclass(frozen=True)
class WarningHit:
    list_name: str  # the list's "name"
    list_id: str  # the folder name, e.g. "rfc1918"
    kind: str  # the list's type: cidr, hostname, string, substring or regex
    matched: str  # the entry that matched, as written in the list


class Warninglists:
    """The loaded lists and their indexes; build with :meth:`load`.  Lists are numbered in folder order
    and a set of lists is an int with one bit per list, so one probe answers for every list at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._lists: list[tuple[str, str, str]] = []  # (name, list_id, type) by list number
        self._applies: dict[str, int] = {}  # kind -> the lists that apply to it
        # bits -> prefix length -> prefix as an integer -> (list number, entry as written)
        self._networks: dict[int, dict[int, dict[int, list[tuple[int, str]]]]] = {32: {}, 128: {}}
        self._prefixes: dict[int, list[int]] = {32: [], 128: []}  # bits -> prefix lengths, widest first
        self._hostnames: dict[str, int] = {}  # hostname -> the hostname lists that hold it
        self._strings: dict[str, int] = {}  # lower-cased entry -> the string lists that hold it
        self._entries: dict[int, dict[str, str]] = {}  # list number -> key -> entry as written
        self._substrings: list[tuple[int, _Substrings]] = []
        self._regexes: list[tuple[int, list[tuple[re.Pattern[str], str]]]] = []

    @classmethod
    def load(cls, directory: str | Path, *, only: Collection[str] | None = None) -> Warninglists:
        """Load ``<directory>/lists/*/list.json`` (or ``<directory>/*/list.json``); only ``only``'s ids."""
        root = Path(directory)
        if (root / "lists").is_dir():
            root = root / "lists"
        if not root.is_dir():
            raise FileNotFoundError(f"no warninglists directory at {root}")
        self, wanted = cls(), None if only is None else set(only)
        folders = sorted(path.name for path in root.iterdir() if path.is_dir())
        for list_id in folders:
            if wanted is None or list_id in wanted:
                self._add(list_id, root / list_id / "list.json")
        self.problems.extend(
            f"{list_id}: no such list" for list_id in sorted((wanted or set()) - set(folders))
        )
        self._prefixes = {bits: sorted(by_length) for bits, by_length in self._networks.items()}
        return self

    def __len__(self) -> int:
        return len(self._lists)

    def check(self, kind: str, value: str) -> list[WarningHit]:
        """The lists that ``value`` (of ``kind``, already normalised) is on, in list-id order."""
        applies = self._applies.get(kind, 0)
        if not applies:
            return []
        found: dict[int, str] = {}
        if kind in _IP_KINDS:
            self._check_network(value, applies, found)
        if host := _host_of(kind, value):
            for suffix in _suffixes(host):  # shortest first, so a list answers with its widest entry
                for number in _numbers(self._hostnames.get(suffix, 0) & applies):
                    found.setdefault(number, self._entries[number][suffix])
        lowered = value.lower()
        for number in _numbers(self._strings.get(lowered, 0) & applies):
            found[number] = self._entries[number][lowered]
        for number, substrings in self._substrings:
            if applies >> number & 1 and (raw := substrings.find(lowered)) is not None:
                found[number] = raw
        for number, patterns in self._regexes:
            if applies >> number & 1:
                raw = next((raw for pattern, raw in patterns if pattern.search(value)), None)
                if raw is not None:
                    found[number] = raw
        return [WarningHit(*self._lists[number], matched=found[number]) for number in sorted(found)]

    def _check_network(self, value: str, applies: int, found: dict[int, str]) -> None:
        try:
            bits, length, key = _parse_network(value)
        except ValueError:
            return
        by_length = self._networks[bits]
        for prefix in self._prefixes[bits]:
            if prefix > length:
                break
            for number, raw in by_length[prefix].get(key >> (length - prefix), ()):
                if applies >> number & 1:  # widest network first
                    found.setdefault(number, raw)

    def _add(self, list_id: str, path: Path) -> None:
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            self.problems.append(f"{list_id}: unreadable list.json: {exc}")
            return
        if (problem := _shape_problem(data)) is not None:
            self.problems.append(f"{list_id}: {problem}")
            return
        entries = [entry for entry in data["list"] if isinstance(entry, str) and entry]
        if len(entries) < sum(1 for entry in data["list"] if entry):
            self.problems.append(f"{list_id}: skipped entries that are not strings")
        number, list_type = len(self._lists), data["type"]
        self._lists.append((data["name"], list_id, list_type))
        attributes = data.get("matching_attributes") or ()
        kinds = {kind for attribute in attributes for kind in MISP_TYPE_KINDS.get(attribute, ())}
        for kind in kinds if attributes else KINDS:
            self._applies[kind] = self._applies.get(kind, 0) | 1 << number
        if list_type == "substring":
            self._substrings.append((number, _Substrings((raw.lower(), raw) for raw in entries)))
        elif list_type == "regex":
            self._regexes.append((number, []))
            for raw in entries:
                try:
                    self._regexes[-1][1].append((_compile_pcre(raw), raw))
                except (re.error, ValueError, OverflowError, RecursionError) as exc:
                    self.problems.append(f"{list_id}: skipped regex entry {raw!r}: {exc}")
        elif list_type == "cidr":
            for raw in entries:
                try:
                    bits, length, key = _parse_network(raw)
                except ValueError as exc:
                    self.problems.append(f"{list_id}: skipped cidr entry {raw!r}: {exc}")
                    continue
                self._networks[bits].setdefault(length, {}).setdefault(key, []).append((number, raw))
        elif list_type == "hostname":  # as MISP: lower-cased, dots trimmed (".bmw.de": bmw.de and below)
            self._index(number, self._hostnames, {raw.strip().strip(".").lower(): raw for raw in entries})
        else:
            self._index(number, self._strings, {raw.lower(): raw for raw in entries})

    def _index(self, number: int, index: dict[str, int], entries: dict[str, str]) -> None:
        self._entries[number] = entries
        bit = 1 << number
        for key in entries:
            index[key] = index.get(key, 0) | bit


class _Substrings:
    """Literal needles bucketed by their first ``width`` characters (the shortest needle's length): a
    search probes the dict once per position of the value, then checks the few needles in that bucket."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:  # (needle, entry as written)
        ordered = sorted(set(pairs), key=lambda pair: (len(pair[0]), pair[0]))
        self._width = min((len(needle) for needle, _ in ordered), default=1)
        self._buckets: dict[str, list[tuple[str, str]]] = {}
        for needle, raw in ordered:
            self._buckets.setdefault(needle[: self._width], []).append((needle, raw))

    def find(self, value: str) -> str | None:
        """The entry of the leftmost (then shortest) needle that ``value`` contains."""
        get, width = self._buckets.get, self._width
        for start in range(len(value) - width + 1):
            for needle, raw in get(value[start : start + width], ()):
                if value.startswith(needle, start):
                    return raw
        return None


def _numbers(bits: int) -> Iterator[int]:
    """The list numbers in a set of lists, lowest first."""
    while bits:
        low = bits & -bits
        yield low.bit_length() - 1
        bits ^= low


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "list.json is not a JSON object"
    if not isinstance(data.get("name"), str):
        return "no name"
    if data.get("type") not in _TYPES:
        return f"unknown type {data.get('type')!r}"
    if not isinstance(data.get("list"), list | dict):  # MISP also takes {entry: comment}
        return "no list of entries"
    attrs = data.get("matching_attributes")
    if attrs is not None and not (isinstance(attrs, list) and all(isinstance(a, str) for a in attrs)):
        return "matching_attributes is not a list of strings"
    return None


def _parse_network(text: str) -> tuple[int, int, int]:
    """``(bits, prefix length, prefix as an integer)`` of an address or CIDR network; host bits dropped."""
    address, slash, length_text = text.strip().partition("/")
    family, bits = (socket.AF_INET6, 128) if ":" in address else (socket.AF_INET, 32)
    try:  # inet_pton is strict and ~6x faster than ipaddress, which matters for 140,000 entries
        packed = socket.inet_pton(family, address)
    except (OSError, ValueError) as exc:
        raise ValueError("not an IP address") from exc
    if slash and not (length_text.isascii() and length_text.isdigit() and int(length_text) <= bits):
        raise ValueError("bad prefix length")
    length = int(length_text) if slash else bits
    return bits, length, int.from_bytes(packed, "big") >> (bits - length)


def _host_of(kind: str, value: str) -> str | None:
    """The host name that hostname lists are matched against, for the kinds that have one."""
    if kind == "domain-name":
        host: str | None = value
    elif kind == "url":
        try:  # a URL without a scheme ("example.com/x") still has its host first
            host = urlsplit(value if "//" in value else f"//{value}").hostname
        except ValueError:
            return None
    elif kind == "email-addr" and "@" in value:
        host = value.rpartition("@")[2]
    else:
        return None
    return host.rstrip(".").lower() if host else None


def _suffixes(host: str) -> Iterator[str]:
    """``a.b.c`` -> ``c``, ``b.c``, ``a.b.c``."""
    end = len(host)
    while True:
        dot = host.rfind(".", 0, end)
        yield host[dot + 1 :]
        if dot < 0:
            return
        end = dot


def _compile_pcre(entry: str) -> re.Pattern[str]:
    """A ``/pattern/flags`` entry, as MISP hands it to PHP's ``preg_match``.  The JavaScript ``g`` flag
    that some lists carry means nothing for a yes/no match and is ignored (PHP rejects it)."""
    if len(entry) < 3 or entry[0].isalnum() or entry[0].isspace() or entry[0] == "\\":
        raise ValueError("not delimited like /pattern/flags")
    end = entry.rfind(_BRACKETS.get(entry[0], entry[0]))
    if end < 2:
        raise ValueError("no closing delimiter or an empty pattern")
    flags = 0
    for flag in entry[end + 1 :]:
        if flag not in _PCRE_FLAGS:
            raise ValueError(f"unsupported modifier {flag!r}")
        flags |= _PCRE_FLAGS[flag]
    return re.compile(entry[1:end], flags)
