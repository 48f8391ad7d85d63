"""Exporters: CSV, plain blocklists, Suricata and Snort rules from indicators parsed out of real feeds, with a
TLP ceiling chosen at export time, deduplicated values and sids that stay put from one export to the next."""

from __future__ import annotations

import csv
import io
import ipaddress
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gotong.correlation.observables import indication_of
from gotong.errors import Invalid
from gotong.feeds import exporters
from gotong.feeds.exporters import (
    DEFAULT_SID_BASE,
    DEFAULT_SID_COUNT,
    BlocklistKind,
    export_blocklist,
    export_csv,
    export_snort,
    export_suricata,
    tlp_of,
)
from gotong.feeds.lines import FeedConfig, is_local_network, parse_feed
from gotong.feeds.misp import read_misp_feed
from gotong.sharing.tlp import TLP
from tests.conftest import SHARED_DATA
from tests.feeds.test_lines import FETCHED, PARSERS, SAMPLES, Sample

SUSPICIOUS = 'http://evil.example/dl;x"q\\r|s:t/ü?id=1'  # every character rules must escape


def sample(path: str) -> Sample:
    return next(s for s in SAMPLES if s.path == path)


def parsed(path: str, tlp: TLP) -> list[dict[str, Any]]:
    found = sample(path)
    text = (PARSERS / path).read_text(encoding="utf-8")
    return parse_feed(text, feed=replace(found.feed, tlp=tlp), source=path, fetched_at=FETCHED).objects


def extra(
    text: str, *, name: str, fmt: str, classification: str, tlp: TLP = TLP.CLEAR
) -> list[dict[str, Any]]:
    config = FeedConfig(name=name, format=fmt, classification=classification, tlp=tlp)
    result = parse_feed(text, feed=config, source=name, fetched_at=FETCHED)
    assert result.problems == []
    return result.objects


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    """Real feeds at each TLP level, and a second feed that repeats a Feodo address."""
    return [
        *parsed("abusech/feodoips.txt", TLP.CLEAR),  # 192.16.238.101
        *parsed("spamhaus/drop.txt", TLP.CLEAR),  # 1.4.0.0/17, 2a06:e480::/29
        *parsed("dshield/block.txt", TLP.CLEAR),  # 43.229.53.0/24, 194.63.140.0/24
        *parsed("abusech/urlhaus.txt", TLP.GREEN),  # 2 URLs
        *parsed("bambenek/c2-dommasterlist.txt", TLP.AMBER),  # sfkh21okrrnlu.com
        *parsed("blocklistde/imap.txt", TLP.RED),  # 6 documentation addresses
        *extra(
            "192.16.238.101\n198.51.100.23\n",
            name="partner-c2",
            fmt="plain-ip",
            classification="malicious-code/c2-server",
        ),
        *extra(
            f"https://secure.example/login\n{SUSPICIOUS}\n",
            name="phish",
            fmt="plain-url",
            classification="fraud/phishing",
        ),
    ]


def test_public_interface() -> None:
    assert exporters.__all__ == [
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


# --- TLP ----------------------------------------------------------------------------------------------


def test_tlp_of_takes_the_strictest_marking_object_level_or_granular() -> None:
    green = {"object_marking_refs": [TLP.GREEN.marking_id]}
    assert tlp_of(green) is TLP.GREEN
    granular = green | {"granular_markings": [{"marking_ref": TLP.RED.marking_id, "selectors": ["pattern"]}]}
    assert tlp_of(granular) is TLP.RED
    assert (
        tlp_of({"object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]})
        is TLP.CLEAR
    )  # 1.0 WHITE
    assert tlp_of({}) is TLP.AMBER and tlp_of({}, unmarked=TLP.GREEN) is TLP.GREEN


def test_granular_red_keeps_an_object_out_of_a_green_export(objects: list[dict[str, Any]]) -> None:
    marked = dict(
        objects[0], granular_markings=[{"marking_ref": TLP.RED.marking_id, "selectors": ["pattern"]}]
    )
    assert export_blocklist([marked], kind="ip", ceiling=TLP.GREEN).text == ""
    assert export_blocklist([marked], kind="ip", ceiling=TLP.RED).text == "192.16.238.101\n"


# --- CSV --------------------------------------------------------------------------------------------------


def test_csv_has_a_row_per_observable_under_the_ceiling(objects: list[dict[str, Any]]) -> None:
    rows = list(csv.DictReader(io.StringIO(export_csv(objects, ceiling=TLP.GREEN).text)))
    assert list(rows[0]) == ["id", "type", "kind", "value", "tlp", "valid_from", "valid_until", "labels"]
    assert (
        len(rows) == 1 + 2 + 2 + 2 + 2 + 2
    )  # feodo, drop, dshield, urlhaus, partner, phish: no AMBER or RED
    assert {r["tlp"] for r in rows} == {"TLP:CLEAR", "TLP:GREEN"}
    feodo = rows[0]
    assert feodo == {
        "id": objects[0]["id"],
        "type": "indicator",
        "kind": "ipv4-addr",
        "value": "192.16.238.101",
        "tlp": "TLP:CLEAR",
        "valid_from": "2021-01-17T07:44:46.000Z",
        "valid_until": "2021-03-12T00:00:00.000Z",
        "labels": 'rsit:malicious-code="c2-server"',
    }
    everything = list(csv.DictReader(io.StringIO(export_csv(objects, ceiling=TLP.RED).text)))
    assert len(everything) == len(objects) and {r["tlp"] for r in everything} >= {"TLP:AMBER", "TLP:RED"}
    assert export_csv([], ceiling=TLP.RED).text == "id,type,kind,value,tlp,valid_from,valid_until,labels\n"


def test_csv_lists_observables_of_any_object_but_not_revoked_ones(objects: list[dict[str, Any]]) -> None:
    sco = {
        "type": "ipv4-addr",
        "id": "ipv4-addr--0a8e4a9a-3c61-5b71-9f07-2d9f0c4a7a11",
        "value": "203.0.113.9",
    }
    revoked = dict(objects[0], revoked=True)
    rows = list(csv.DictReader(io.StringIO(export_csv([sco, revoked], ceiling=TLP.AMBER).text)))
    assert [(r["type"], r["value"], r["tlp"]) for r in rows] == [("ipv4-addr", "203.0.113.9", "TLP:AMBER")]


# --- blocklists --------------------------------------------------------------------------------------------


def test_ip_blocklist_is_deduplicated_and_sorted_by_address(objects: list[dict[str, Any]]) -> None:
    assert export_blocklist(objects, kind=BlocklistKind.IP, ceiling=TLP.CLEAR).text == (
        "1.4.0.0/17\n43.229.53.0/24\n192.16.238.101\n194.63.140.0/24\n198.51.100.23\n2a06:e480::/29\n"
    )
    red = export_blocklist(objects, kind="ip", ceiling=TLP.RED).text.splitlines()
    assert len(red) == 6 + 6 and len(set(red)) == len(red)
    assert red.index("192.0.2.4") < red.index("192.0.2.45") < red.index("192.16.238.101")


def test_domain_and_url_blocklists(objects: list[dict[str, Any]]) -> None:
    assert export_blocklist(objects, kind="domain", ceiling=TLP.GREEN).text == ""
    assert export_blocklist(objects, kind="domain", ceiling=TLP.AMBER).text == "sfkh21okrrnlu.com\n"
    assert export_blocklist(objects, kind="url", ceiling=TLP.GREEN).text.splitlines() == [
        "http://cbd-planet.ch/sec.myacc.send.com/",
        SUSPICIOUS,
        "http://marconuenlist.ch/verif.accounts.docs.net/",
        "https://secure.example/login",
    ]
    with pytest.raises(Invalid, match="unknown blocklist kind 'hash'"):
        export_blocklist(objects, kind="hash", ceiling=TLP.RED)


def test_blocklists_leave_out_what_must_not_be_blocked(objects: list[dict[str, Any]]) -> None:
    base = objects[0]
    cases = {
        "revoked": dict(base, revoked=True),
        "benign": dict(base, indicator_types=["benign"]),
        "conjunction": dict(
            base, pattern="[ipv4-addr:value = '198.51.100.77' AND network-traffic:dst_port = 25]"
        ),
        "local network": dict(base, pattern="[ipv4-addr:value = '10.0.0.0/8']"),
        "an observation, not an indicator": {
            "type": "ipv4-addr",
            "id": "ipv4-addr--1",
            "value": "198.51.100.78",
        },
    }
    for why, obj in cases.items():
        assert export_blocklist([obj], kind="ip", ceiling=TLP.RED).text == "", why
    either = dict(base, pattern="[ipv4-addr:value = '198.51.100.79'] OR [ipv4-addr:value = '198.51.100.80']")
    assert export_blocklist([either], kind="ip", ceiling=TLP.RED).text == "198.51.100.79\n198.51.100.80\n"
    literal = dict(
        base, pattern="[url:value = 'http://x.example/AND']"
    )  # AND inside a string is no conjunction
    assert export_blocklist([literal], kind="url", ceiling=TLP.RED).text == "http://x.example/AND\n"


def test_blocklists_at_a_moment_leave_out_expired_and_future_indicators(
    objects: list[dict[str, Any]],
) -> None:
    feodo = objects[0]  # valid 2021-01-17T07:44:46Z .. 2021-03-12T00:00:00Z
    assert export_blocklist([feodo], kind="ip", ceiling=TLP.CLEAR, at=datetime(2021, 2, 1, tzinfo=UTC)).text
    assert (
        export_blocklist([feodo], kind="ip", ceiling=TLP.CLEAR, at=datetime(2021, 3, 12, tzinfo=UTC)).text
        == ""
    )
    assert (
        export_blocklist([feodo], kind="ip", ceiling=TLP.CLEAR, at=datetime(2021, 1, 1, tzinfo=UTC)).text
        == ""
    )
    with pytest.raises(Invalid, match="timezone-aware"):
        export_blocklist([feodo], kind="ip", ceiling=TLP.CLEAR, at=datetime(2021, 2, 1))


# --- IDS rules: a syntax check of our own -------------------------------------------------------------------

_HEADER = re.compile(
    r"(?P<action>alert) (?P<proto>ip|udp|dns|http) (?P<src>\$HOME_NET) (?P<sport>any) -> "
    r"(?P<dst>any|\[[^\]\s]+\]) (?P<dport>any|\d{1,5}) \((?P<options>.*)\)\Z"
)
_STRING = r'"(?:[^"\\;]|\\[\\";])*"'  # a quoted rule string: ", \ and ; only escaped
_CONTENT_TEXT = re.compile(r'"((?:[^"\\;:|]|\|[0-9A-F]{2}(?: [0-9A-F]{2})*\|)*)"\Z')
_OPTION = re.compile(rf"\s*([a-z_.]+)(?:\s*:\s*({_STRING}[^;]*|[^;\"]*))?\s*;")
_SURICATA_OPTIONS = {"msg", "sid", "rev", "flow", "content", "nocase", "startswith", "endswith", "dotprefix"}
_SURICATA_BUFFERS = {"dns.query", "http.host", "http.uri"}
_SNORT_OPTIONS = {"msg", "sid", "rev", "flow", "content", "http_uri", "http_header"}


def _decode(content: str) -> bytes:
    """The bytes a content string stands for (only the forms the check allows)."""
    match = _CONTENT_TEXT.match(content)
    assert match is not None, f"bad content string {content}"
    parts = re.split(r"(\|[0-9A-F ]+\|)", match.group(1))
    return b"".join(bytes.fromhex(p[1:-1]) if p.startswith("|") else p.encode("ascii") for p in parts)


def check_rule(line: str, dialect: str) -> dict[str, Any]:
    """Check one rule line of our generated shapes; return its sid, msg, destination and decoded contents."""
    header = _HEADER.match(line)
    assert header is not None, f"bad rule header: {line}"
    if header["dst"] != "any":
        ipaddress.ip_network(header["dst"][1:-1])
    options, rest, position = [], header["options"], 0
    while position < len(rest.rstrip()):
        option = _OPTION.match(rest, position)
        assert option is not None, f"bad option at {rest[position : position + 40]!r} in {line}"
        options.append((option[1], option[2]))
        position = option.end()
    names = [name for name, _ in options]
    allowed = _SURICATA_OPTIONS | _SURICATA_BUFFERS if dialect == "suricata" else _SNORT_OPTIONS
    assert set(names) <= allowed, line
    assert names[0] == "msg" and names[-2:] == ["sid", "rev"] and names.count("sid") == 1, line
    contents: list[bytes] = []
    for i, (name, value) in enumerate(options):
        if name in ("nocase", "startswith", "endswith"):
            assert value is None and options[i - 1][0] in ("content", "nocase", "startswith", "endswith"), (
                line
            )
        elif name == "dotprefix":
            assert options[i - 1][0] == "dns.query" and options[i + 1][0] == "content", line
        elif name == "content":
            assert value is not None
            text, _, modifiers = value.partition('", ')
            text = text if text.endswith('"') else text + '"'
            assert modifiers in ("", "nocase") and (dialect == "snort" or not modifiers), line
            contents.append(_decode(text))
        elif name == "http_header":
            assert value == "field host", line
        elif name in _SURICATA_BUFFERS or name == "http_uri":
            assert value is None and options[i + 1][0] in ("content", "dotprefix"), line
    sid = int(dict(options)["sid"] or "")
    assert dict(options)["rev"] == "1" and 1_000_000 <= sid < 2**32
    return {
        "sid": sid,
        "msg": dict(options)["msg"],
        "proto": header["proto"],
        "dst": header["dst"],
        "contents": contents,
    }


def check_rules(text: str, dialect: str) -> list[dict[str, Any]]:
    assert text.endswith("\n")
    rules = [check_rule(line, dialect) for line in text.splitlines()]
    sids = [r["sid"] for r in rules]
    assert sids == sorted(set(sids)), "sids unique and in order"
    return rules


def test_suricata_rules_have_valid_syntax_and_match_the_values(objects: list[dict[str, Any]]) -> None:
    rules = check_rules(export_suricata(objects, ceiling=TLP.AMBER).text, "suricata")
    by_proto = {p: [r for r in rules if r["proto"] == p] for p in ("ip", "dns", "http")}
    # IPs: feodo, drop (2), dshield (2), partner (2, one shared with feodo: a rule per indicator); the domain;
    # http URLs: urlhaus (2) and the suspicious one; the https URL has no rule.
    assert (len(by_proto["ip"]), len(by_proto["dns"]), len(by_proto["http"])) == (7, 1, 3)
    assert {r["dst"] for r in by_proto["ip"]} >= {"[192.16.238.101]", "[2a06:e480::/29]", "[43.229.53.0/24]"}
    assert by_proto["dns"][0]["contents"] == [b".sfkh21okrrnlu.com"]
    suspicious = next(r for r in by_proto["http"] if r["contents"][0] == b"evil.example")
    assert suspicious["contents"][1] == '/dl;x"q\\r|s:t/ü?id=1'.encode()
    assert 'http://evil.example/dl\\;x\\"q\\\\r|s:t/\\\\xfc?id=1' in suspicious["msg"]
    assert all(r["msg"].startswith('"Gotong ') for r in rules)


def test_snort_rules_have_valid_syntax_and_the_same_sids(objects: list[dict[str, Any]]) -> None:
    snort = check_rules(export_snort(objects, ceiling=TLP.AMBER).text, "snort")
    suricata = check_rules(export_suricata(objects, ceiling=TLP.AMBER).text, "suricata")
    assert [r["sid"] for r in snort] == [r["sid"] for r in suricata]
    dns = next(r for r in snort if r["proto"] == "udp")
    assert dns["contents"] == [b"\x0dsfkh21okrrnlu\x03com\x00"]
    suspicious = next(r for r in snort if r["contents"] and r["contents"][0] == b"evil.example")
    assert suspicious["contents"][1] == '/dl;x"q\\r|s:t/ü?id=1'.encode()


def test_rules_respect_the_ceiling(objects: list[dict[str, Any]]) -> None:
    clear = check_rules(export_suricata(objects, ceiling=TLP.CLEAR).text, "suricata")
    red = check_rules(export_suricata(objects, ceiling=TLP.RED).text, "suricata")
    assert (len(clear), len(red)) == (7 + 1, 7 + 1 + 3 + 6)  # CLEAR: IPs and the phish feed's http URL
    assert export_suricata([], ceiling=TLP.RED).text == export_snort([], ceiling=TLP.RED).text == ""


def test_sids_are_stable_across_exports_and_additions(objects: list[dict[str, Any]]) -> None:
    first = export_suricata(objects, ceiling=TLP.RED).text
    assert export_suricata(list(reversed(objects)), ceiling=TLP.RED).text == first
    more = objects + extra("203.0.113.200\n", name="later", fmt="plain-ip", classification="other/other")
    grown = set(export_suricata(more, ceiling=TLP.RED).text.splitlines())
    assert set(first.splitlines()) < grown and len(grown) == len(first.splitlines()) + 1
    sids = [r["sid"] for r in check_rules(first, "suricata")]
    assert all(DEFAULT_SID_BASE <= s < DEFAULT_SID_BASE + DEFAULT_SID_COUNT for s in sids)


def test_sid_collisions_move_to_the_next_free_sid(objects: list[dict[str, Any]]) -> None:
    rules = check_rules(
        export_suricata(objects, ceiling=TLP.RED, sid_base=3_000_000, sid_count=20).text, "suricata"
    )
    assert len(rules) == 17 and all(3_000_000 <= r["sid"] < 3_000_020 for r in rules)
    with pytest.raises(Invalid, match="do not fit"):
        export_suricata(objects, ceiling=TLP.RED, sid_base=3_000_000, sid_count=5)
    with pytest.raises(Invalid, match="sids must lie within"):
        export_snort(objects, ceiling=TLP.RED, sid_base=999_999)
    with pytest.raises(Invalid, match="sids must lie within"):
        export_snort(objects, ceiling=TLP.RED, sid_base=2**32 - 10, sid_count=100)


# --- the real Suricata, where there is one ---------------------------------------------------------------

SURICATA = shutil.which("suricata")
SURICATA_CONFIG = Path("/etc/suricata/suricata.yaml")


@pytest.mark.skipif(
    SURICATA is None or not SURICATA_CONFIG.exists(),
    reason="suricata is not installed (Debian bookworm has no suricata package); the syntax checks still ran",
)
def test_suricata_loads_the_rules(objects: list[dict[str, Any]], tmp_path: Path) -> None:
    rules = tmp_path / "gotong.rules"
    rules.write_text(export_suricata(objects, ceiling=TLP.RED).text, encoding="utf-8")
    done = subprocess.run(
        [str(SURICATA), "-T", "-S", str(rules), "-c", str(SURICATA_CONFIG), "-l", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- the pattern shapes producers write, read as the correlation index reads them -------------------------

MISP_SAMPLE = SHARED_DATA / "misp-feed-sample"


def _indicator(pattern: str, **extra: Any) -> dict[str, Any]:
    return {"type": "indicator", "id": f"indicator--{abs(hash(pattern))}", "pattern": pattern, **extra}


def test_blocklists_read_the_shapes_misp_stix_and_others_write() -> None:
    shapes = {
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.1']": [
            "198.51.100.1"
        ],
        "[network-traffic:src_ref.type = 'ipv6-addr' AND network-traffic:src_ref.value = '2001:db8::2']": [
            "2001:db8::2"
        ],
        "[ipv4-addr:value IN ('198.51.100.3', '198.51.100.4')]": ["198.51.100.3", "198.51.100.4"],
        "[ipv4-addr:value = '198.51.100.5' OR domain-name:value = 'five.example']": ["198.51.100.5"],
        "[ipv4-addr:value = '198.51.100.6'] OR [ipv4-addr:value = '198.51.100.7' AND file:name = 'x']": [
            "198.51.100.6"
        ],
    }
    for pattern, expected in shapes.items():
        done = export_blocklist([_indicator(pattern)], kind="ip", ceiling=TLP.RED)
        assert done.text.split() == expected, pattern
    partial = export_blocklist(
        [_indicator(next(p for p in shapes if "file:name" in p))], kind="ip", ceiling=TLP.RED
    )
    assert partial.left_out == {
        "facts about more than one value, which count only together (AND, FOLLOWEDBY)": 1
    }


def test_facts_that_only_count_together_are_counted_with_their_reason() -> None:
    cases = {
        "[ipv4-addr:value = '198.51.100.8' AND network-traffic:dst_port = 25]": "count only together",
        "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = '198.51.100.9']": (
            "count only together"  # the type fact does not agree with the value: no single address
        ),
        "[ipv4-addr:value = '198.51.100.10'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.11']": "count only",
        "[ipv4-addr:value = '198.51.100.12'] REPEATS 5 TIMES": "qualifier",
        "[ipv4-addr:value != '198.51.100.13']": "other than equality",
        "[url:value LIKE 'http://198.51.100.14/%']": "other than equality (LIKE)",
        "[ipv4-addr:value = 'not an address']": "not a valid ipv4-addr",
        "[ipv4-addr:value = ": "does not parse",
    }
    for pattern, reason in cases.items():
        done = export_blocklist([_indicator(pattern)], kind="ip", ceiling=TLP.RED)
        assert done.text == "", pattern
        [(said, count)] = done.left_out.items()
        assert reason in said and count == 1, (pattern, said)
    hashed = export_blocklist(
        [_indicator("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']")], kind="ip", ceiling=TLP.RED
    )
    assert hashed.left_out == {"no value this format holds (IP address)": 1}
    snort = export_blocklist(
        [_indicator("alert ip any any -> any any", pattern_type="snort")], kind="ip", ceiling=TLP.RED
    )
    assert snort.left_out == {"a pattern in 'snort', not STIX": 1}
    assert "1 for a pattern in 'snort', not STIX" in snort.summary()
    assert export_blocklist([], kind="ip", ceiling=TLP.RED).summary() == "every indicator was expressed"


def test_every_address_of_the_misp_sample_reaches_the_blocklist_and_the_rules() -> None:
    """Regression: the CIRCL sample's IP attributes (misp-stix writes network-traffic dst_ref/src_ref
    patterns with AND) gave 3 blocklist lines; every address the index reads must be in it now."""
    objects = [o for _, converted in read_misp_feed(MISP_SAMPLE) for o in converted.objects]
    indicators = [o for o in objects if o["type"] == "indicator"]
    indexed = {
        o.value
        for i in indicators
        for o in indication_of(i).observables
        if o.kind == "ipv4-addr" and not is_local_network(o.value)
    }
    dst_ref = [i for i in indicators if "network-traffic:dst_ref.value" in i["pattern"]]
    assert len(dst_ref) > 100, "the sample's shape: misp-stix's network-traffic patterns"
    blocklist = export_blocklist(objects, kind="ip", ceiling=TLP.RED)
    assert set(blocklist.text.split()) == indexed and len(indexed) == 139
    assert (
        "facts about more than one value, which count only together (AND, FOLLOWEDBY)" in blocklist.left_out
    )
    suricata = export_suricata(objects, ceiling=TLP.RED)
    snort = export_snort(objects, ceiling=TLP.RED)
    addressed = {
        found.group(1)
        for line in suricata.text.splitlines()
        if " ip " in line and (found := re.search(r"-> \[([^\]]+)\]", line)) is not None
    }
    assert addressed == indexed
    assert len(snort.text.splitlines()) == len(suricata.text.splitlines()) == 168
    assert suricata.left_out == snort.left_out
    assert suricata.left_out["a pattern in 'yara', not STIX"] == 1
    ruled = set(re.findall(r"\((indicator--[0-9a-f-]+)\)", suricata.text))
    assert len(ruled) + sum(suricata.left_out.values()) >= len(indicators) == 579, "each is used or counted"
    domains = export_blocklist(objects, kind="domain", ceiling=TLP.RED)
    assert len(domains.text.split()) == 24
