"""observables_of: the equality facts of STIX patterns, SCOs and observed-data, on real feeds and examples."""

from __future__ import annotations

import csv
import ipaddress
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stix2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gotong.correlation
from gotong.correlation import Observable, observables_of
from gotong.correlation.observables import _cached_pattern_observables, _fast_comparisons, _parsed_comparisons
from tests.conftest import SHARED_DATA

SHA256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
MISP_FEED = SHARED_DATA / "misp-feed-sample"
INTELMQ = SHARED_DATA / "intelmq" / "intelmq" / "tests" / "bots" / "parsers"
EXAMPLES = SHARED_DATA / "cti-documentation" / "examples" / "example_json"
ATTACK = SHARED_DATA / "attack-stix-data" / "enterprise-attack" / "enterprise-attack-18.1.derived-stix21.json"


def indicator(pattern: str, **extra: Any) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1", "pattern_type": "stix", "pattern": pattern, **extra}


def pairs(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(found.kind, found.value) for found in observables_of(obj)]


def of(pattern: str) -> list[tuple[str, str]]:
    return pairs(indicator(pattern))


def literal(value: str) -> str:
    """A STIX pattern string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def test_public_interface() -> None:
    # The whole of __all__ (with the actor verbs) is pinned in tests/api/test_verbs.py.
    assert {"Observable", "normalise", "observables_of"} <= set(gotong.correlation.__all__)
    found = Observable("ipv4-addr", "1.2.3.4")
    assert (
        found == Observable("ipv4-addr", "1.2.3.4") and len({found, Observable("ipv4-addr", "1.2.3.4")}) == 1
    )
    with pytest.raises(AttributeError):
        found.value = "5.6.7.8"  # type: ignore[misc]


# --- which comparisons are equality facts -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[ipv4-addr:value = '198.51.100.7']", [("ipv4-addr", "198.51.100.7")]),
        (
            "[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'Evil.Example']",
            [("ipv4-addr", "198.51.100.7"), ("domain-name", "evil.example")],
        ),
        (
            "[file:hashes.MD5 = '" + MD5.upper() + "' AND file:name = 'a.exe']",
            [("file:hashes.MD5", MD5), ("file:name", "a.exe")],
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2'] OR [url:value = 'http://a.example']",
            [("ipv4-addr", "10.0.0.1"), ("ipv4-addr", "10.0.0.2"), ("url", "http://a.example/")],
        ),
        (
            "[domain-name:value IN ('a.example', 'B.example', 'not a domain')]",
            [("domain-name", "a.example"), ("domain-name", "b.example")],
        ),
        (
            "([file:name = 'a'] FOLLOWEDBY [mutex:name = 'M']) WITHIN 300 SECONDS",
            [("file:name", "a"), ("mutex:name", "M")],
        ),
        (
            "[ipv4-addr:value = '1.2.3.4'] START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'",
            [("ipv4-addr", "1.2.3.4")],
        ),
        ("[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES", [("ipv4-addr", "1.2.3.4")]),
        # not equality facts
        ("[ipv4-addr:value != '1.2.3.4']", []),
        ("[ipv4-addr:value NOT = '1.2.3.4']", []),
        ("[ipv4-addr:value NOT != '1.2.3.4']", []),  # double negation: still not taken, kept simple
        ("[domain-name:value NOT IN ('a.example', 'b.example')]", []),
        ("[url:value LIKE 'http://a.example/%']", []),
        ("[email-message:from_ref.value MATCHES '.+@example\\\\.com$']", []),
        ("[network-traffic:dst_port > 1024 AND network-traffic:dst_port <= 2048]", []),
        ("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", []),
        ("[EXISTS file:hashes.MD5]", []),
        ("[x-acme:value = '1.2.3.4']", []),
        (
            "[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value != '5.6.7.8' AND domain-name:value LIKE '%.x']",
            [("ipv4-addr", "1.2.3.4")],
        ),
    ],
)
def test_equality_facts(pattern: str, expected: list[tuple[str, str]]) -> None:
    assert of(pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[file:hashes.'SHA-256' = '" + SHA256 + "']", [("file:hashes.SHA-256", SHA256)]),
        ("[file:hashes.SHA256 = '" + SHA256.upper() + "']", [("file:hashes.SHA-256", SHA256)]),
        ("[file:hashes.sha256 = '" + SHA256 + "']", [("file:hashes.SHA-256", SHA256)]),
        ("[file:hashes.'SHA1' = '" + "A" * 40 + "']", [("file:hashes.SHA-1", "a" * 40)]),
        (
            "[x509-certificate:hashes.'SHA-1' = '" + "b" * 40 + "']",
            [("x509-certificate:hashes.SHA-1", "b" * 40)],
        ),
        ("[file:hashes.SSDEEP = '96:Aa+/Bb:Cc']", [("file:hashes.SSDEEP", "96:Aa+/Bb:Cc")]),
        ("[file:hashes.MD5 = 'not-a-hash']", []),
        ("[file:hashes.'x_acme' = '" + MD5 + "']", []),
        ("[artifact:hashes.MD5 = '" + MD5 + "']", []),
        (
            "[network-traffic:dst_ref.value = '2001:DB8::1' AND network-traffic:src_ref.value = '10.0.0.1'"
            " AND network-traffic:dst_ref.value = 'C2.Example.' AND network-traffic:dst_ref.value = '-'"
            " AND network-traffic:dst_port = 443 AND network-traffic:src_port = '1036']",
            [
                ("ipv6-addr", "2001:db8::1"),
                ("ipv4-addr", "10.0.0.1"),
                ("domain-name", "c2.example"),
                ("network-traffic:dst_port", "443"),
                ("network-traffic:src_port", "1036"),
            ],
        ),
        ("[network-traffic:dst_port = 70000 OR network-traffic:dst_port = -1]", []),
        ("[network-traffic:dst_ref.type = 'ipv4-addr']", []),
        (
            "[email-message:from_ref.value = 'Bob@Example.COM'"
            " AND email-message:to_refs[*].value = 'a@b.example'"
            " AND email-message:cc_refs[0].value = 'c@d.example' AND email-message:subject = 'x@y.example']",
            [("email-addr", "bob@example.com"), ("email-addr", "a@b.example"), ("email-addr", "c@d.example")],
        ),
        (
            "[windows-registry-key:key = 'HKLM\\\\Software\\\\Microsoft\\\\Windows"
            "\\\\CurrentVersion\\\\Run']",
            [
                (
                    "windows-registry-key:key",
                    "hkey_local_machine\\software\\microsoft\\windows\\currentversion\\run",
                )
            ],
        ),
        ("[autonomous-system:number = 64500]", [("autonomous-system:number", "64500")]),
        ("[mutex:name = 'Global\\\\x']", [("mutex:name", "Global\\x")]),
        ("[file:name = 'it\\'s.exe']", [("file:name", "it's.exe")]),
        ("[file:'name' = 'quoted-path.exe']", [("file:name", "quoted-path.exe")]),
        ("[file:name = b'aGVsbG8=' OR file:name = h'4142' OR file:name = true]", []),
        ("[ipv4-addr:value = 'hxxp://1.2.3.4']", []),
        ("[url:value = 'hxxp://evil[.]example/Payload.exe#x']", [("url", "http://evil.example/Payload.exe")]),
    ],
)
def test_paths_and_kinds(pattern: str, expected: list[tuple[str, str]]) -> None:
    assert of(pattern) == expected


def test_deduplicated_in_order_of_appearance() -> None:
    pattern = (
        "[domain-name:value = 'B.example' OR domain-name:value = 'a.example']"
        " OR [domain-name:value = 'b.example.']"
    )
    assert of(pattern) == [("domain-name", "b.example"), ("domain-name", "a.example")]


@pytest.mark.parametrize(
    "obj",
    [
        indicator("[ipv4-addr:value = '1.2.3.4'", pattern_type="stix"),  # unparseable
        indicator('alert tcp any any -> 1.2.3.4 any (msg:"x";)', pattern_type="snort"),
        indicator("[ipv4-addr:value = '1.2.3.4']", pattern_type="sigma"),
        {"type": "indicator", "pattern": 42},
        {"type": "malware", "name": "x", "pattern": "[ipv4-addr:value = '1.2.3.4']"},
        {"type": "observed-data", "object_refs": ["ipv4-addr--4f3f3bc1-1c4d-5d8c-9c4a-16f7e3d3b4a1"]},
        {"type": ["indicator"], "pattern": "[ipv4-addr:value = '1.2.3.4']"},
        {},
    ],
)
def test_objects_without_observables(obj: dict[str, Any]) -> None:
    assert observables_of(obj) == []


def test_stix20_indicator_without_pattern_type() -> None:
    assert pairs({"type": "indicator", "pattern": "[ipv4-addr:value = '1.2.3.4']"}) == [
        ("ipv4-addr", "1.2.3.4")
    ]


def test_results_are_fresh_lists() -> None:
    first = observables_of(indicator("[ipv4-addr:value = '203.0.113.9']"))
    first.clear()
    assert observables_of(indicator("[ipv4-addr:value = '203.0.113.9']")) == [
        Observable("ipv4-addr", "203.0.113.9")
    ]


def test_patterns_are_cached_and_long_ones_are_not() -> None:
    pattern = "[ipv4-addr:value = '203.0.113.77'] AND [file:hashes.MD5 != 'x']"
    observables_of(indicator(pattern))
    hits = _cached_pattern_observables.cache_info().hits
    observables_of(indicator(pattern))
    assert _cached_pattern_observables.cache_info().hits == hits + 1
    long = "[" + " OR ".join(f"ipv4-addr:value = '10.9.{i // 256}.{i % 256}'" for i in range(100)) + "]"
    assert len(long) > 2048
    size = _cached_pattern_observables.cache_info().currsize
    assert len(observables_of(indicator(long))) == 100
    assert _cached_pattern_observables.cache_info().currsize == size


# --- SCOs and observed-data ---------------------------------------------------------------------------


def test_scos() -> None:
    assert pairs({"type": "ipv4-addr", "value": "198.51.100.0/24"}) == [("ipv4-addr", "198.51.100.0/24")]
    assert pairs({"type": "ipv6-addr", "value": "2001:DB8::1"}) == [("ipv6-addr", "2001:db8::1")]
    assert pairs({"type": "domain-name", "value": "Example.COM."}) == [("domain-name", "example.com")]
    assert pairs({"type": "url", "value": "HTTPS://example.com:443"}) == [("url", "https://example.com/")]
    assert pairs({"type": "email-addr", "value": "A@B.example"}) == [("email-addr", "a@b.example")]
    assert pairs({"type": "mutex", "name": "Global\\x"}) == [("mutex:name", "Global\\x")]
    assert pairs({"type": "autonomous-system", "number": 64500}) == [("autonomous-system:number", "64500")]
    assert pairs({"type": "network-traffic", "src_port": 1036, "dst_port": 443, "src_ref": "x"}) == [
        ("network-traffic:src_port", "1036"),
        ("network-traffic:dst_port", "443"),
    ]
    assert pairs({"type": "windows-registry-key", "key": "HKCU\\Software"}) == [
        ("windows-registry-key:key", "hkey_current_user\\software")
    ]
    assert pairs({"type": "x509-certificate", "hashes": {"SHA-256": SHA256.upper()}}) == [
        ("x509-certificate:hashes.SHA-256", SHA256)
    ]
    assert pairs(
        {"type": "file", "name": "a.exe", "hashes": {"md5": MD5, "x_acme": "1", "SHA-1": "short"}}
    ) == [
        ("file:name", "a.exe"),
        ("file:hashes.MD5", MD5),
    ]


@pytest.mark.parametrize(
    "sco",
    [
        {"type": "ipv4-addr", "value": 16909060},
        {"type": "ipv4-addr"},
        {"type": "network-traffic", "dst_port": True},
        {"type": "network-traffic", "dst_port": 443.0},
        {"type": "file", "hashes": ["MD5", MD5]},
        {"type": "file", "hashes": {1: MD5}},
        {"type": "autonomous-system", "number": -1},
        {"type": "email-message", "from_ref": "email-addr--4f3f3bc1-1c4d-5d8c-9c4a-16f7e3d3b4a1"},
    ],
)
def test_sco_values_of_the_wrong_shape_are_dropped(sco: dict[str, Any]) -> None:
    assert observables_of(sco) == []


def test_observed_data_with_embedded_objects() -> None:
    """STIX 2.0 observed-data, as the OASIS stix2 library writes it (deprecated in 2.1, still common)."""
    observed = stix2.v20.ObservedData(
        first_observed="2024-01-01T00:00:00Z",
        last_observed="2024-01-01T00:00:00Z",
        number_observed=1,
        objects={
            "0": {"type": "ipv4-addr", "value": "198.51.100.7"},
            "1": {"type": "domain-name", "value": "C2.Example.com", "resolves_to_refs": ["0"]},
            "2": {"type": "network-traffic", "src_ref": "0", "dst_port": 8443, "protocols": ["tcp"]},
            "3": {"type": "file", "name": "dropper.exe", "hashes": {"SHA-256": SHA256, "MD5": MD5}},
            "4": {"type": "email-addr", "value": "Phish@Example.com"},
            "5": {"type": "email-message", "is_multipart": False, "from_ref": "4"},
            "6": {"type": "ipv4-addr", "value": "198.51.100.7"},
        },
    )
    assert pairs(json.loads(observed.serialize())) == [
        ("ipv4-addr", "198.51.100.7"),
        ("domain-name", "c2.example.com"),
        ("network-traffic:dst_port", "8443"),
        ("file:name", "dropper.exe"),
        ("file:hashes.SHA-256", SHA256),
        ("file:hashes.MD5", MD5),
        ("email-addr", "phish@example.com"),
    ]
    assert (
        pairs({"type": "observed-data", "objects": {"0": "not an object", "1": {"type": "indicator"}}}) == []
    )


# --- real data: the MISP feed sample ------------------------------------------------------------------


def _misp_pattern(kind: str, value: str) -> str | None:
    """The STIX pattern a MISP attribute of a supported type stands for, as MISP's STIX export writes it."""
    if kind in {"ip-dst", "ip-src"}:
        return f"[{'ipv6-addr' if ':' in value else 'ipv4-addr'}:value = {literal(value)}]"
    single = {"domain": "domain-name:value", "hostname": "domain-name:value", "url": "url:value"}
    single |= {"filename": "file:name", "regkey": "windows-registry-key:key", "mutex": "mutex:name"}
    single |= {"email-src": "email-message:from_ref.value", "port": "network-traffic:dst_port"}
    single |= {h: f"file:hashes.'{h.upper()}'" for h in ("md5", "sha1", "sha256", "sha512", "ssdeep")}
    if kind in single:
        return f"[{single[kind]} = {literal(value)}]"
    if kind.startswith("filename|"):
        name, digest = value.split("|", 1)
        return f"[file:name = {literal(name)} AND file:hashes.'{kind[9:].upper()}' = {literal(digest)}]"
    if kind == "ip-dst|port":
        address, port = value.split("|")
        return f"[network-traffic:dst_ref.value = {literal(address)} AND network-traffic:dst_port = {port}]"
    return None


def _misp_attributes() -> Iterator[tuple[str, str]]:
    for path in sorted(MISP_FEED.glob("*-*-*-*-*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))["Event"]
        attributes = [*event.get("Attribute", [])]
        attributes += [a for obj in event.get("Object", []) for a in obj.get("Attribute", [])]
        for attribute in attributes:
            yield attribute["type"], attribute["value"]


def test_misp_feed_sample() -> None:
    """Every attribute of a supported type, as an indicator: each yields what its type says, or is
    dropped for a reason checked by hand (below)."""
    yielded: Counter[str] = Counter()
    dropped: dict[str, list[str]] = {}
    for kind, value in _misp_attributes():
        pattern = _misp_pattern(kind, value)
        if pattern is None:
            continue
        found = of(pattern)
        if not found:
            dropped.setdefault(kind, []).append(value)
            continue
        yielded[kind] += 1
        if kind in {"ip-dst", "ip-src"}:
            assert found == [("ipv4-addr", str(ipaddress.ip_address(value)))]
        elif kind in {"domain", "hostname"}:
            assert found == [("domain-name", value.lower())]
        elif kind in {"md5", "sha1", "sha256", "sha512"}:
            name = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha512": "SHA-512"}[kind]
            assert found == [(f"file:hashes.{name}", value.lower())]
        elif kind.startswith("filename|"):
            name, digest = value.split("|", 1)
            assert found[0] == ("file:name", name) and found[1][1] == digest.lower() and len(found) == 2
        elif kind == "ip-dst|port":
            address, port = value.split("|")
            assert found == [("ipv4-addr", address), ("network-traffic:dst_port", port)]
        elif kind == "url":
            assert len(found) == 1 and found[0][1].startswith(("http://", "https://"))
        elif kind == "email-src":
            assert found == [("email-addr", value.lower())]
    assert dict(yielded) == {
        "ip-dst": 156,
        "sha1": 136,
        "md5": 110,
        "sha256": 85,
        "filename": 57,
        "filename|sha256": 47,
        "filename|md5": 46,
        "port": 27,
        "hostname": 26,
        "domain": 22,
        "url": 8,
        "ssdeep": 7,
        "sha512": 5,
        "ip-dst|port": 5,
        "regkey": 3,
        "email-src": 2,
        "filename|sha1": 1,
        "mutex": 1,
    }
    # URLs without a scheme (some not URLs at all), environment-variable file paths filed as registry
    # keys, and an SSDEEP digest with a line break in the middle.
    assert sorted(dropped) == ["regkey", "ssdeep", "url"]
    assert (
        len(dropped["url"]) == 12
        and "decrypttozxybarc.onion" in dropped["url"]
        and "igfxtray.exe" in dropped["url"]
    )
    assert all("://" not in url for url in dropped["url"])
    assert all(key.startswith("%") for key in dropped["regkey"]) and len(dropped["regkey"]) == 5
    assert len(dropped["ssdeep"]) == 1 and "\r\n" in dropped["ssdeep"][0]


def test_misp_url_examples() -> None:
    assert of("[url:value = 'http://198.55.120.143:7386/B/ResN32.dll']") == [
        ("url", "http://198.55.120.143:7386/B/ResN32.dll")
    ]
    assert of("[url:value = 'https://vvrhhhnaijyj6s2m.onion.top']") == [
        ("url", "https://vvrhhhnaijyj6s2m.onion.top/")
    ]
    assert of(
        "[windows-registry-key:key = 'HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run']"
    ) == [
        ("windows-registry-key:key", "hkey_current_user\\software\\microsoft\\windows\\currentversion\\run")
    ]
    assert of("[mutex:name = 'Global\\\\冰ǣ']") == [("mutex:name", "Global\\冰ǣ")]


# --- real data: IntelMQ's feed samples ----------------------------------------------------------------


def _rows(path: Path, comment: str = "#") -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return list(csv.reader(line for line in lines if line.strip() and not line.startswith(comment)))


def test_feodo_tracker_ips() -> None:
    rows = _rows(INTELMQ / "abusech" / "feodoips.txt")[1:]  # after the header row
    patterns = [
        f"[network-traffic:dst_ref.value = {literal(ip)} AND network-traffic:dst_port = {port}]"
        for _first, ip, port, *_rest in rows
    ]
    assert [of(p) for p in patterns] == [
        [("ipv4-addr", "10.213.75.205"), ("network-traffic:dst_port", "443")],
        [("ipv4-addr", "192.16.238.101"), ("network-traffic:dst_port", "443")],
    ]


def test_urlhaus_and_ransomware_tracker() -> None:
    found = []
    for _added, url, _status, _threat, host, ip, asn, _cc in _rows(INTELMQ / "abusech" / "urlhaus.txt"):
        found += of(
            f"[url:value = {literal(url)}] AND [domain-name:value = {literal(host)}]"
            f" AND [ipv4-addr:value = {literal(ip)}] AND [autonomous-system:number = {asn}]"
        )
    assert found == [
        ("url", "http://marconuenlist.ch/verif.accounts.docs.net/"),
        ("domain-name", "marconuenlist.ch"),
        ("ipv4-addr", "62.241.37.242"),
        ("autonomous-system:number", "29083"),
        ("url", "http://cbd-planet.ch/sec.myacc.send.com/"),
        ("domain-name", "cbd-planet.ch"),
        ("ipv4-addr", "83.166.138.63"),
        ("autonomous-system:number", "29222"),
    ]
    per_row = []
    for _seen, _threat, _malware, host, url, _status, _registrar, ips, *_rest in _rows(
        INTELMQ / "abusech" / "ransomwaretracker.csv"
    ):
        ip_set = ", ".join(literal(ip) for ip in ips.split("|"))
        per_row.append(of(f"[url:value = {literal(url)} OR domain-name:value = {literal(host)}"
                          f" OR ipv4-addr:value IN ({ip_set})]"))  # fmt: skip
    assert per_row == [
        [
            ("url", "http://motefugue.com/645d5"),
            ("domain-name", "motefugue.com"),
            ("ipv4-addr", "213.176.241.230"),
            ("ipv4-addr", "67.171.65.64"),
        ],
        [
            ("url", "http://ojmekzw4mujvqeju.minitili.at/"),
            ("domain-name", "ojmekzw4mujvqeju.minitili.at"),
            ("ipv4-addr", "5.79.96.33"),
        ],
        [
            ("url", "http://ojmekzw4mujvqeju.minitili.at/"),
            ("domain-name", "ojmekzw4mujvqeju.minitili.at"),
            ("ipv4-addr", "0.0.0.0"),
        ],
    ]


def test_blocklists_of_addresses_networks_and_domains() -> None:
    def first_column(path: Path, comment: str = "#") -> list[str]:
        return [row[0].split(";")[0].strip() for row in _rows(path, comment) if row]

    def observe(kind: str, values: list[str]) -> list[tuple[str, str]]:
        return [found for value in values for found in of(f"[{kind}:value = {literal(value)}]")]

    assert observe("ipv4-addr", first_column(INTELMQ / "abusech" / "zeusips.txt")) == [
        ("ipv4-addr", "101.200.81.187")
    ]
    assert observe("domain-name", first_column(INTELMQ / "abusech" / "feododomains.txt")) == [
        ("domain-name", "arta.romail3arnest.info")
    ]
    assert observe("ipv4-addr", first_column(INTELMQ / "bambenek" / "c2-ipmasterlist.txt")) == [
        ("ipv4-addr", "213.247.47.190")
    ]
    assert observe("domain-name", first_column(INTELMQ / "bambenek" / "c2-dommasterlist.txt")) == [
        ("domain-name", "sfkh21okrrnlu.com")
    ]
    malc0de = first_column(INTELMQ / "malc0de" / "IP_Blacklist.txt")  # two '//' comment lines come along
    assert observe("ipv4-addr", malc0de) == [("ipv4-addr", "192.88.99.4"), ("ipv4-addr", "192.0.0.5")]
    drop = first_column(INTELMQ / "spamhaus" / "drop.txt", comment=";")
    assert [*observe("ipv4-addr", drop), *observe("ipv6-addr", drop)] == [
        ("ipv4-addr", "1.4.0.0/17"),
        ("ipv6-addr", "2a06:e480::/29"),
    ]
    asns = first_column(INTELMQ / "spamhaus" / "asndrop.txt", comment=";")
    assert [of(f"[autonomous-system:number = {literal(a)}]") for a in asns] == [
        [("autonomous-system:number", "260")],
        [("autonomous-system:number", "10516")],
    ]
    dshield = [line.split("\t") for line in (INTELMQ / "dshield" / "block.txt").read_text().splitlines()]
    blocks = [f"{row[0]}/{row[2]}" for row in dshield if len(row) > 2 and row[0][:1].isdigit()]
    assert observe("ipv4-addr", blocks) == [("ipv4-addr", "43.229.53.0/24"), ("ipv4-addr", "194.63.140.0/24")]
    sites = first_column(INTELMQ / "dshield" / "suspiciousdomains_High.txt")  # with a header 'Site'
    assert observe("domain-name", sites) == [("domain-name", "example.com"), ("domain-name", "example.org")]
    phish = first_column(INTELMQ / "openphish" / "feed.txt")  # both are broken: 'www..example.com'
    assert len(phish) == 2 and observe("url", phish) == []


def test_spamhaus_cert_network_traffic() -> None:
    """Source, destination (an IP, a domain, a URL, host:port, '-', '?') and ports of Spamhaus CERT rows."""
    counts: Counter[str] = Counter()
    rows = _rows(INTELMQ / "spamhaus" / "cert.txt", comment=";")
    for source, asn, _cc, _ts, _malware, destination, dst_ip, dst_port, src_port, _proto in rows:
        tests = [f"network-traffic:src_ref.value = {literal(source)}"]
        tests += [f"network-traffic:dst_ref.value = {literal(d)}" for d in (destination, dst_ip) if d]
        tests += [
            f"network-traffic:{name} = {literal(p)}"
            for name, p in (("dst_port", dst_port), ("src_port", src_port))
        ]
        found = of(f"[{' AND '.join(tests)}] AND [autonomous-system:number = {literal(asn)}]")
        assert found[0] == ("ipv4-addr", source) and found[-1] == ("autonomous-system:number", asn[2:])
        counts.update(kind for kind, _value in found)
    assert len(rows) == 19
    assert of(
        "[network-traffic:dst_ref.value = 'dxxt.sinkhole.dk'"
        " AND network-traffic:dst_ref.value = '212.227.20.19']"
    ) == [("domain-name", "dxxt.sinkhole.dk"), ("ipv4-addr", "212.227.20.19")]
    # 19 sources, and 9 rows with a valid destination address (counted by hand); 'http://example.com/',
    # '192.168.255.154:8080', '-' and '?' are dropped; ports '?' and '192.168.46.8:1660:darkmailer2' too.
    assert counts == {
        "ipv4-addr": 19 + 9,
        "domain-name": 1,
        "network-traffic:dst_port": 17,
        "network-traffic:src_port": 6,
        "autonomous-system:number": 19,
    }


# --- real data: STIX ----------------------------------------------------------------------------------


def test_attack_bundle_has_no_observables() -> None:
    objects = json.loads(ATTACK.read_text(encoding="utf-8"))["objects"]
    assert len(objects) > 20_000
    started = time.perf_counter()
    assert all(observables_of(obj) == [] for obj in objects)
    assert time.perf_counter() - started < 5  # about 30 ms: no pattern, nothing to parse


def _example(name: str) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))["objects"]
    return objects


def test_oasis_examples_by_hand() -> None:
    url = [pairs(o) for o in _example("indicator-for-malicious-url.json") if o["type"] == "indicator"]
    assert url == [[("url", "http://x4z9arb.cn/4712/")]]
    file_hash = [
        pairs(o) for o in _example("malware-indicator-for-file-hash.json") if o["type"] == "indicator"
    ]
    assert file_hash == [[("file:hashes.SHA-256", SHA256)]]
    sighting = {o["id"]: pairs(o) for o in _example("sighting-of-observed-data.json")}
    assert sighting["file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d"] == [
        ("file:name", "resume.pdf"),
        ("file:hashes.MD5", "1717b7fff97d37a1e1a0029d83492de1"),
        ("file:hashes.SHA-1", "c79a326f8411e9488bdc3779753e1e3489aaedea"),
    ]
    assert sighting["windows-registry-key--16b80d14-d574-5620-abad-10ff304b1c26"] == [
        ("windows-registry-key:key", "hkey_local_machine\\system\\controlset001\\services\\wsalg2")
    ]
    assert sighting["observed-data--cf8eaa41-6f4c-482e-89b9-9cd2d6a83cb1"] == []  # object_refs only
    apt1 = [pairs(o) for o in _example("apt1.json") if o["type"] == "indicator"]
    assert [("ipv4-addr", "223.166.0.0/15")] in apt1 and [("domain-name", "hugesoft.org")] in apt1
    assert [("file:hashes.MD5", "001dd76872d80801692ff942308c64e6")] in apt1
    assert apt1.count([]) == 2  # x509 issuer and serial number: not indexed kinds
    poison = [pairs(o) for o in _example("poisonivy.json") if o["type"] == "indicator"]
    assert poison[1] == [
        ("domain-name", "www.webserver.dynssl.com"),
        *[("ipv4-addr", ip) for ip in ("113.10.246.30", "219.90.112.203", "75.126.95.138")],
        *[("ipv4-addr", ip) for ip in ("219.90.112.197", "202.65.222.45")],
    ]
    # 'domain autuo.xicp.net' is not a domain name; the address next to it stays
    assert [("ipv4-addr", "60.10.1.115")] in poison
    granular = [pairs(o) for o in _example("using-granular-markings.json") if o["type"] == "indicator"]
    assert granular == [[]]  # MATCHES is no equality


def test_all_oasis_examples() -> None:
    counts: Counter[str] = Counter()
    for path in sorted(EXAMPLES.glob("*.json")):
        for obj in _example(path.name):
            counts.update(found.kind for found in observables_of(obj))
    assert counts == {
        "ipv4-addr": 45,  # distinct per indicator, counted with a regular expression over the patterns
        "domain-name": 27,  # the same, less 'domain autuo.xicp.net'
        "file:hashes.MD5": 4,
        "file:name": 3,
        "url": 2,
        "file:hashes.SHA-256": 1,
        "file:hashes.SHA-1": 1,
        "windows-registry-key:key": 1,
    }


# --- the fast path reads what the parser reads ---------------------------------------------------------


def _corpus_patterns() -> list[str]:
    patterns = [
        o["pattern"] for p in sorted(EXAMPLES.glob("*.json")) for o in _example(p.name) if "pattern" in o
    ]
    patterns += [p for kind, value in _misp_attributes() if (p := _misp_pattern(kind, value)) is not None]
    return patterns


def test_fast_path_agrees_with_the_parser_on_real_patterns() -> None:
    patterns = _corpus_patterns()
    fast = [(p, _fast_comparisons(p)) for p in patterns]
    assert (
        sum(found is not None for _p, found in fast) >= len(patterns) * 0.95
    )  # it does take the common ones
    for pattern, found in fast:
        if found is not None:
            assert found == _parsed_comparisons(pattern), pattern


def _mostly(good: list[str], noise: list[str]) -> st.SearchStrategy[str]:
    """Mostly well-formed pieces, so that many patterns take the fast path, with lexer traps mixed in."""
    return st.sampled_from(good * (12 * len(noise) // len(good) + 1) + noise)


_TYPES = _mostly(["ipv4-addr", "file", "x-acme-1", "network-traffic", "a_b"], ["true", "Url", "AND", "1a"])
_PATHS = _mostly(
    ["value", "name", "hashes.MD5", "hashes.'SHA-256'", "src_ref.value", "x_y", "Value", "hashes.INx"],
    ["to_refs[*].value", "true", "AND", "a-b", "hashes.'a.b'", "'value'", "hashes.'\\''", "hashes.IN"],
)
_OPS = _mostly(["="], ["!=", "==", "NOT =", "IN", "LIKE", ">", "= ="])
_LITERALS = st.one_of(
    st.text(alphabet="ab'\\ ]=.:[", max_size=6).map(literal),
    st.text(alphabet="ab'\\ ]=.:[", max_size=6).map(literal),
    st.integers(0, 70_000).map(str),
    st.text(alphabet="ab'\\", max_size=4).map(lambda s: f"'{s}'"),  # maybe badly escaped
    _mostly(
        ["''"], ["0443", "-1", "1.5", "b'AA=='", "h'41'", "true", "t'2024-01-01T00:00:00Z'", "('a', 'b')"]
    ),
)
_SPACE = _mostly([" "], ["", "  ", "\n", "\t", "\r\n", "\u00a0", "\u000b"])


@st.composite
def _patterns(draw: st.DrawFn) -> str:
    def comparison() -> str:
        space = draw(_SPACE)
        return f"{draw(_TYPES)}:{draw(_PATHS)}{space}{draw(_OPS)}{draw(_SPACE)}{draw(_LITERALS)}"

    def observation() -> str:
        joins = [
            f"{draw(_SPACE)}{draw(_mostly(['AND', 'OR'], ['and', 'FOLLOWEDBY']))}{draw(_SPACE)}"
            for _ in range(3)
        ]
        parts = [comparison() for _ in range(draw(st.integers(1, 3)))]
        body = parts[0] + "".join(j + p for j, p in zip(joins, parts[1:], strict=False))
        return f"{draw(_SPACE)}[{draw(_SPACE)}{body}{draw(_SPACE)}]"

    pattern = observation()
    for _ in range(draw(st.integers(0, 2))):
        pattern += draw(_mostly([" AND ", " OR ", " FOLLOWEDBY "], ["AND", " XOR ", "\nOR"])) + observation()
    return pattern + draw(_mostly(["", " "], [" WITHIN 5 SECONDS", "]", " //"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_patterns())
def test_fast_path_agrees_with_the_parser(pattern: str) -> None:
    found = _fast_comparisons(pattern)
    if found is not None:
        assert found == _parsed_comparisons(pattern)
        assert found, "the fast path only accepts patterns that have comparisons"


# --- never raises -------------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_SCO_KEYS = ["type", "value", "name", "key", "number", "hashes", "src_port", "dst_port", "objects", "pattern"]
_OBJECT_TYPES = [
    "indicator",
    "observed-data",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "file",
    "x509-certificate",
    "mutex",
    "windows-registry-key",
    "autonomous-system",
    "network-traffic",
]
_OBJECTS = st.dictionaries(
    st.sampled_from(_SCO_KEYS) | st.text(max_size=8),
    _JSON | st.sampled_from(_OBJECT_TYPES),
    max_size=6,
).map(lambda d: {**d, "type": d.get("type", "indicator")})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_OBJECTS | _JSON)
def test_never_raises_on_json_like_input(obj: Any) -> None:
    result = observables_of(obj)
    assert isinstance(result, list) and all(isinstance(o, Observable) for o in result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), _patterns()))
def test_never_raises_on_any_pattern(pattern: str) -> None:
    result = observables_of(indicator(pattern))
    assert len(result) == len(set(result))


@pytest.mark.parametrize("depth", [1, 100, 3000])
def test_deeply_nested_patterns(depth: int) -> None:
    """ANTLR recurses as deep as the nesting; past Python's recursion limit the pattern yields nothing."""
    found = of("(" * depth + "[ipv4-addr:value = '1.2.3.4']" + ")" * depth)
    assert found == ([("ipv4-addr", "1.2.3.4")] if depth < 1000 else [])


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_OBJECT_TYPES[2:]), _JSON, st.dictionaries(st.text(max_size=8), _JSON, max_size=3))
def test_observed_data_never_raises(sco_type: str, value: Any, hashes: dict[str, Any]) -> None:
    sco = {"type": sco_type, "value": value, "name": value, "key": value, "hashes": hashes, "dst_port": value}
    assert isinstance(observables_of({"type": "observed-data", "objects": {"0": sco, "1": value}}), list)
