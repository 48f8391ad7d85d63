"""Canonical text of observable values, so that one address, name or hash written many ways is one key.

``normalise(kind, value)`` returns the form the correlation index stores, or None when the value is not a
valid one of its kind.  It is for matching, not for display, and it is not the STIX validator (that is
:mod:`gotong.stix.validate`): it accepts what CERT feeds actually send, defanged values included.

The decisions where the standards leave room:

* IP addresses: ``ipaddress`` canonical text; CIDR blocks as network/prefix (host bits cleared), a /32 or
  /128 as the plain address; IPv4-mapped IPv6 always as ``::ffff:a.b.c.d`` (Python 3.13 changed how
  ``ipaddress`` prints them, and the index must not change with the interpreter); scoped addresses
  (``fe80::1%eth0``) are rejected, as a zone is local to one host.
* Domains: lower case, one trailing dot removed, Unicode labels to punycode with the standard library's
  IDNA 2003 codec (so ``ß`` becomes ``ss``), at least two labels, a last label that is not all digits.
* URLs: scheme and authority required; scheme and host lower case (host as a domain or IP above), default
  ports dropped (http 80, https 443, ws 80, wss 443, ftp 21), an empty path of those schemes becomes
  ``/`` (RFC 3986 6.2.3), the fragment removed, user info, path and query kept as given.
* E-mail addresses: the domain as above, and the local part lower-cased too: providers treat it
  case-insensitively in practice, and a missed correlation costs more than a rare false one.
* Hashes: the STIX hash-algorithm vocabulary, aliases accepted (``sha256``, ``SHA256``, ``SHA-256``);
  hex digests lower case and of the algorithm's length; SSDEEP kept as given (it is case-sensitive);
  TLSH lower case with its ``t1`` version prefix added when missing.  Other algorithms are not indexed.
* Registry keys: hive aliases expanded (``HKLM``, ``HKLM:``, ``\\REGISTRY\\MACHINE``), empty components
  removed, all lower case (Windows compares key names case-insensitively); a key without a hive is rejected.
* Ports and AS numbers: decimal text of the number (``AS64500`` is accepted as 64500).
* File names and mutex names: kept as given (file names in Unicode NFC), as case matters on most systems.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from encodings import idna
from urllib.parse import urlsplit

__all__ = ["address_span", "hash_algorithm", "normalise"]

_MAX_LENGTH = 8192  # longer values are not observables worth a key in the index

# Defanging as CERT feeds write it: hxxp://, fxp://, example[.]com, 1.2.3(.)4, bob[at]example.com, http[:]//
_FANGS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [  # (pattern, replacement)
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}", re.IGNORECASE), "."),
    (re.compile(r"\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\}", re.IGNORECASE), "@"),
    (re.compile(r"\[:\]|\[://\]"), lambda m: m.group()[1:-1]),
    (re.compile(r"\Ahxxp(?=s?(?::|\[:))", re.IGNORECASE), "http"),
    (re.compile(r"\Afxp(?=:|\[:)", re.IGNORECASE), "ftp"),
]
_IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_LABEL = re.compile(r"[a-z0-9_-]{1,63}\Z")
_BAD_CHARACTER = re.compile(r"[\x00-\x20\x7f]")
_BAD_LOCAL_PART = re.compile(r"[\x00-\x20\x7f<>()\[\],;:\"\\]")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
_HASH_ALIASES = {
    "MD5": "MD5",
    "SHA1": "SHA-1",
    "SHA256": "SHA-256",
    "SHA2256": "SHA-256",
    "SHA512": "SHA-512",
    "SHA2512": "SHA-512",
    "SHA3256": "SHA3-256",
    "SHA3512": "SHA3-512",
    "SSDEEP": "SSDEEP",
    "TLSH": "TLSH",
}
_HEX_LENGTHS = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "SHA3-256": 64, "SHA3-512": 128}
_HEX = {n: re.compile(f"[0-9a-f]{{{n}}}\\Z") for n in set(_HEX_LENGTHS.values())}
_SSDEEP = re.compile(r"[0-9]{1,10}:[A-Za-z0-9/+]{1,64}:[A-Za-z0-9/+]{1,64}\Z")
_TLSH = re.compile(r"(?:t1)?[0-9a-f]{70}\Z")
_HIVES = {
    "HKLM": "hkey_local_machine",
    "HKCU": "hkey_current_user",
    "HKCR": "hkey_classes_root",
    "HKU": "hkey_users",
    "HKCC": "hkey_current_config",
    "HKPD": "hkey_performance_data",
}
_HIVES |= {long.upper(): long for long in _HIVES.values()}
_KERNEL_HIVES = {"MACHINE": "hkey_local_machine", "USER": "hkey_users"}  # \REGISTRY\MACHINE\...


def hash_algorithm(name: str) -> str | None:
    """The STIX hash-algorithm-ov name for an algorithm name or alias ('sha256' -> 'SHA-256'), or None."""
    return _HASH_ALIASES.get(name.upper().replace("-", "").replace("_", ""))


def _refang(value: str) -> str:
    if "[" in value or "(" in value or "{" in value or value[:1] in "hHfF":
        for pattern, replacement in _FANGS:
            value = pattern.sub(replacement, value)
    return value.strip()


def _address_text(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return address.compressed


def _ip(value: str, version: int) -> str | None:
    value = _refang(value)
    if "%" in value:
        return None
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    if network.version != version:
        return None
    text = _address_text(network.network_address)
    return text if network.prefixlen == network.max_prefixlen else f"{text}/{network.prefixlen}"


def _ipv4(value: str) -> str | None:
    return _ip(value, 4)


def _ipv6(value: str) -> str | None:
    return _ip(value, 6)


def _host(name: str) -> str | None:
    """A domain name already re-fanged and stripped, as its canonical ASCII form."""
    name = name.translate(_IDEOGRAPHIC_DOTS).lower()
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    if len(labels) < 2:
        return None
    for i, label in enumerate(labels):
        if not label.isascii():
            try:
                labels[i] = label = idna.ToASCII(label).decode("ascii")
            except UnicodeError:
                return None
        if _LABEL.match(label) is None:
            return None
    if labels[-1].isdigit():
        return None
    name = ".".join(labels)
    return name if len(name) <= 253 else None


def _domain(value: str) -> str | None:
    return _host(_refang(value))


def _url_host(hostname: str, *, literal: bool) -> str | None:
    """The host of a URL: an [IPv6] literal, an IPv4 address or a domain name (urlsplit lower-cased it)."""
    try:
        if literal:
            return None if "%" in hostname else f"[{_address_text(ipaddress.IPv6Address(hostname))}]"
        return str(ipaddress.IPv4Address(hostname))
    except ValueError:
        return None if literal else _host(hostname)


def _url(value: str) -> str | None:
    value = _refang(value)
    if _BAD_CHARACTER.search(value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme, hostname = parts.scheme, parts.hostname
    if _SCHEME.match(scheme) is None or not hostname:
        return None
    userinfo, at, authority = parts.netloc.rpartition("@")
    host = _url_host(hostname, literal=authority.startswith("["))
    if host is None:
        return None
    default = _DEFAULT_PORTS.get(scheme)
    netloc = f"{userinfo}{at}{host}" + (f":{port}" if port is not None and port != default else "")
    path = parts.path or ("/" if default is not None else "")
    return f"{scheme}://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def _email(value: str) -> str | None:
    value = _refang(value)
    if value[:7].lower() == "mailto:":
        value = value[7:]
    local, at, domain = value.rpartition("@")
    if not at or not local or len(local) > 64 or _BAD_LOCAL_PART.search(local):
        return None
    host = _host(domain)
    return None if host is None else f"{local.lower()}@{host}"


def _hash(algorithm: str, value: str) -> str | None:
    value = value.strip()
    if algorithm == "SSDEEP":
        return value if _SSDEEP.match(value) else None
    value = value.lower()
    if algorithm == "TLSH":
        return None if _TLSH.match(value) is None else value if value.startswith("t1") else f"t1{value}"
    length = _HEX_LENGTHS.get(algorithm)
    return value if length is not None and _HEX[length].match(value) else None


def _registry_key(value: str) -> str | None:
    parts = [part for part in value.strip().split("\\") if part]
    if not parts:
        return None
    if len(parts) > 1 and value.lstrip().startswith("\\") and parts[0].upper() == "REGISTRY":
        hive, rest = _KERNEL_HIVES.get(parts[1].upper()), parts[2:]
    else:
        hive, rest = _HIVES.get(parts[0].upper().removesuffix(":")), parts[1:]
    return None if hive is None else "\\".join([hive, *rest]).lower()


def _number(value: str, limit: int) -> str | None:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return str(number) if number <= limit else None


def _port(value: str) -> str | None:
    return _number(value, 65_535)


def _as_number(value: str) -> str | None:
    value = value.strip()
    return _number(value[2:] if value[:2].upper() == "AS" else value, 4_294_967_295)


def _file_name(value: str) -> str | None:
    return unicodedata.normalize("NFC", value) if value and "\x00" not in value else None


def _exact(value: str) -> str | None:
    return value if value and "\x00" not in value else None


_RULES: dict[str, Callable[[str], str | None]] = {
    "ipv4-addr": _ipv4,
    "ipv6-addr": _ipv6,
    "domain-name": _domain,
    "url": _url,
    "email-addr": _email,
    "file:name": _file_name,
    "mutex:name": _exact,
    "windows-registry-key:key": _registry_key,
    "autonomous-system:number": _as_number,
    "network-traffic:src_port": _port,
    "network-traffic:dst_port": _port,
}
_HASHED_TYPES = ("file", "x509-certificate")


def normalise(kind: str, value: str) -> str | None:
    """The canonical text of `value` as an observable of `kind`, or None if it is not a valid one.

    Kinds: the keys of the rule table above, and ``file:hashes.<ALG>`` / ``x509-certificate:hashes.<ALG>``
    for the STIX hash algorithms (aliases such as ``SHA256`` accepted).  Never raises.
    """
    if not isinstance(value, str) or not isinstance(kind, str) or len(value) > _MAX_LENGTH:
        return None
    rule = _RULES.get(kind)
    if rule is not None:
        return rule(value)
    object_type, dot, algorithm = kind.partition(":hashes.")
    canonical = hash_algorithm(algorithm) if dot and object_type in _HASHED_TYPES else None
    return None if canonical is None else _hash(canonical, value)


def address_span(kind: str, value: str) -> tuple[str, str] | None:
    """The first and last address of a normalised IP address or network, as text that sorts as the
    numbers do (``4:`` and 8 hex digits, ``6:`` and 32), for range lookups by CIDR; None for other kinds.

    ``198.51.100.0/24`` spans ``4:c6336400`` .. ``4:c63364ff``; ``198.51.100.23`` is one address.
    """
    if kind not in ("ipv4-addr", "ipv6-addr"):
        return None
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    if (network.version == 4) != (kind == "ipv4-addr"):
        return None
    width = 8 if network.version == 4 else 32
    first, last = int(network.network_address), int(network.broadcast_address)
    return f"{network.version}:{first:0{width}x}", f"{network.version}:{last:0{width}x}"
