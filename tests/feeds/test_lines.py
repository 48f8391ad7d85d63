"""parse_feed: real line and CSV feeds (the IntelMQ parser samples) to STIX 2.1 indicators, one parameterised
parser per format, every skipped line reported, the same ids on every run."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import stix2
from stix2validator import ValidationOptions, validate_instance

from gotong.correlation import observables_of
from gotong.errors import Invalid
from gotong.feeds import lines
from gotong.feeds.lines import FeedConfig, ParsedFeed, feed_formats, is_local_network, parse_feed
from gotong.feeds.rsit import RSIT_VERSION, RsitClassification, rsit_of, taxonomy
from gotong.sharing.tlp import TLP
from gotong.stix.validate import validate_object
from tests.conftest import SHARED_DATA

PARSERS = SHARED_DATA / "intelmq" / "intelmq" / "tests" / "bots" / "parsers"
SHADOWSERVER = PARSERS / "shadowserver" / "testdata"
FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
OWNER = "identity--2d3e5f70-8a1b-4c2d-9e0f-1a2b3c4d5e6f"
LOCAL = "is a local or reserved network, never a public indicator"


@dataclass(frozen=True)
class Sample:
    """A real feed sample, the row of configuration that reads it, and what it must give."""

    path: str
    feed: FeedConfig
    count: int
    first: tuple[str, str]  # (kind, value) of the first indicator
    problems: list[str] = field(default_factory=list)


def feed(name: str, fmt: str, classification: str, **extra: Any) -> FeedConfig:
    return FeedConfig(name=name, format=fmt, classification=classification, **extra)


C2, DISTRIBUTION, INFECTED = (
    "malicious-code/c2-server",
    "malicious-code/malware-distribution",
    "malicious-code/infected-system",
)
SCANNER, BRUTE = "information-gathering/scanner", "intrusion-attempts/brute-force"
SAMPLES = [
    Sample(
        "abusech/feodoips.txt",
        feed("feodo-ip", "abusech-feodo", C2, confidence=90, owner=OWNER),
        1,
        ("ipv4-addr", "192.16.238.101"),
        [f"abusech/feodoips.txt:10: 10.213.75.205 {LOCAL}"],
    ),
    Sample(
        "abusech/feododomains.txt",
        feed("feodo-domain", "plain-domain", C2),
        1,
        ("domain-name", "arta.romail3arnest.info"),
    ),
    Sample("abusech/zeusips.txt", feed("zeus-ip", "plain-ip", C2), 1, ("ipv4-addr", "101.200.81.187")),
    Sample(
        "abusech/urlhaus.txt",
        feed("urlhaus-ch", "abusech-csv", DISTRIBUTION),
        2,
        ("url", "http://marconuenlist.ch/verif.accounts.docs.net/"),
    ),
    Sample(
        "abusech/ransomwaretracker.csv",  # the third line repeats the second URL: one indicator
        feed("ransomware-tracker", "abusech-csv", DISTRIBUTION),
        2,
        ("url", "http://motefugue.com/645d5"),
    ),
    Sample(
        "bambenek/c2-ipmasterlist.txt",
        feed("bambenek-c2-ip", "csv-noheader", C2, columns={"ip": 0, "description": 1, "first_seen": 2}),
        1,
        ("ipv4-addr", "213.247.47.190"),
    ),
    Sample(
        "bambenek/c2-dommasterlist.txt",
        feed(
            "bambenek-c2-domain", "csv-noheader", C2, columns={"domain": 0, "description": 1, "first_seen": 2}
        ),
        1,
        ("domain-name", "sfkh21okrrnlu.com"),
    ),
    Sample(
        "bambenek/dga-feed.txt",
        feed("bambenek-dga", "csv-noheader", C2, columns={"domain": 0, "description": 1, "first_seen": 2}),
        1,
        ("domain-name", "xqmclnusaswvof.com"),
    ),
    Sample(
        "blocklistde/imap.txt", feed("blocklistde-imap", "plain-ip", BRUTE), 6, ("ipv4-addr", "192.0.2.4")
    ),
    Sample(
        "cert_bund/example.csv",  # one address on two lines: one indicator, both families
        feed(
            "cert-bund",
            "csv",
            INFECTED,
            tlp=TLP.AMBER,
            columns={"ip": "ip", "first_seen": "timestamp", "malware": "malware"},
        ),
        1,
        ("ipv4-addr", "192.0.2.1"),
    ),
    Sample(
        "dataplane/sshpwauth.txt",  # the third line has pipes inside the AS name
        feed("dataplane-sshpwauth", "dataplane", BRUTE),
        3,
        ("ipv4-addr", "170.239.104.183"),
    ),
    Sample(
        "dataplane/dnsrd.txt",
        feed("dataplane-dnsrd", "dataplane", SCANNER),
        1,
        ("ipv4-addr", "185.142.236.35"),
    ),
    Sample(
        "dataplane/telnetlogin.txt",
        feed("dataplane-telnet", "dataplane", BRUTE),
        1,
        ("ipv4-addr", "24.220.77.46"),
    ),
    Sample(
        "dshield/block.txt",
        feed("dshield-block", "dshield-block", SCANNER),
        2,
        ("ipv4-addr", "43.229.53.0/24"),
    ),
    Sample(
        "dshield/suspiciousdomains_High.txt",  # lines end with a tab: an empty extra field
        feed("dshield-suspicious", "tsv", "other/undetermined", columns={"domain": "Site"}),
        2,
        ("domain-name", "example.com"),
    ),
    Sample(
        "malc0de/IP_Blacklist.txt", feed("malc0de", "plain-ip", DISTRIBUTION), 2, ("ipv4-addr", "192.88.99.4")
    ),
    Sample(
        "openphish/feed.txt",  # the sample's two URLs have an empty label (www..example.com)
        feed("openphish", "plain-url", "fraud/phishing"),
        0,
        ("", ""),
        [
            "openphish/feed.txt:1: 'http://www..example.com/phishing' is not a valid url",
            "openphish/feed.txt:2: 'http://www..example.invalid/phishing' is not a valid url",
        ],
    ),
    Sample(
        "spamhaus/drop.txt",
        feed("spamhaus-drop", "spamhaus-drop", "abusive-content/spam"),
        2,
        ("ipv4-addr", "1.4.0.0/17"),
    ),
    Sample(
        "spamhaus/cert.txt",
        feed("spamhaus-cert", "spamhaus-cert", INFECTED),
        6,
        ("ipv4-addr", "109.126.64.2"),
        [
            f"spamhaus/cert.txt:8: 245.16.92.48 {LOCAL}",
            f"spamhaus/cert.txt:9: 245.16.92.48 {LOCAL}",
            f"spamhaus/cert.txt:10: 172.20.148.81 {LOCAL}",
            f"spamhaus/cert.txt:11: 172.20.148.81 {LOCAL}",
            f"spamhaus/cert.txt:13: 192.168.46.8 {LOCAL}",
            f"spamhaus/cert.txt:15: 10.56.59.94 {LOCAL}",
            f"spamhaus/cert.txt:16: 10.56.59.94 {LOCAL}",
            f"spamhaus/cert.txt:17: 10.56.59.94 {LOCAL}",
            f"spamhaus/cert.txt:19: 172.20.148.82 {LOCAL}",
            f"spamhaus/cert.txt:20: 172.20.148.82 {LOCAL}",
        ],
    ),
    Sample(
        "turris/greylist-latest.csv",
        feed("turris-greylist", "csv", SCANNER, columns={"ip": "Address"}),
        2,
        ("ipv4-addr", "1.1.1.2"),
    ),
    Sample(
        "netlab_360/dga.txt",
        feed("netlab-dga", "tsv-noheader", C2, columns={"malware": 0, "domain": 1, "first_seen": 2}),
        2,
        ("domain-name", "difficultdress.net"),
    ),
    Sample(
        "cymru/certname_20190327.txt",  # the sample's every address is in 172.16.0.0/12
        feed("cymru-certname", "team-cymru", INFECTED),
        0,
        ("", ""),
        [f"cymru/certname_20190327.txt:{n}: 172.16.0.21 {LOCAL}" for n in range(4, 39)],
    ),
    Sample(
        "generic/sample_report.csv",  # comments behind spaces and tabs, blank lines of white space
        feed("generic-report", "tsv-noheader", "test/test", columns={"first_seen": 0, "ip": 6, "domain": 7}),
        3,
        ("ipv4-addr", "198.105.221.5"),
    ),
    Sample(
        "shadowserver/testdata/scan_ssl_freak.csv",
        feed("shadowserver-freak", "shadowserver", "vulnerable/weak-crypto"),
        41,  # 45 lines, 41 distinct addresses
        ("ipv4-addr", "198.51.100.232"),
    ),
    Sample(
        "shadowserver/testdata/Open-TFTP.csv",  # two fields hold \x1c / \x1e, which are not line ends
        feed("shadowserver-tftp", "shadowserver", "vulnerable/potentially-unwanted-accessible"),
        80,  # 93 lines, 80 distinct addresses
        ("ipv4-addr", "198.51.100.152"),
    ),
]


def parse(sample: Sample, *, fetched_at: datetime = FETCHED) -> ParsedFeed:
    return parse_feed(
        (PARSERS / sample.path).read_text(encoding="utf-8"),
        feed=sample.feed,
        source=sample.path,
        fetched_at=fetched_at,
    )


def oasis_valid(obj: dict[str, Any]) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(validate_instance(obj, ValidationOptions(version="2.1")).is_valid)


def test_public_interface() -> None:
    assert lines.__all__ == [
        "FeedConfig",
        "FeedFormat",
        "ParsedFeed",
        "feed_formats",
        "is_local_network",
        "parse_feed",
    ]


# --- the data files -----------------------------------------------------------------------------------


def test_rsit_taxonomy_is_version_1003_with_11_classes_and_39_types() -> None:
    classes = taxonomy()
    assert RSIT_VERSION == 1003
    assert len(classes) == 11 and sum(len(types) for types in classes.values()) == 39
    assert list(classes["malicious-code"]) == [
        "infected-system",
        "c2-server",
        "malware-distribution",
        "malware-configuration",
    ]
    assert (
        classes["vulnerable"]["potentially-unwanted-accessible"] == "Potentially Unwanted Accessible Services"
    )
    assert classes["other"] == {"other": "Uncategorised", "undetermined": "Undetermined"}


def test_rsit_pairs_are_read_in_every_written_form_and_checked_against_the_taxonomy() -> None:
    pair = RsitClassification("malicious-code", "c2-server")
    assert RsitClassification.parse("malicious-code/c2-server") == pair
    assert RsitClassification.parse('rsit:malicious-code="c2-server"') == pair
    assert pair.tag == 'rsit:malicious-code="c2-server"' and pair.text == "malicious-code/c2-server"
    assert pair.as_property() == {"classification": "malicious-code", "type": "c2-server"}
    assert RsitClassification.parse("fraud").tag == "rsit:fraud"  # the type is optional in RSIT
    with pytest.raises(Invalid, match="unknown RSIT classification 'malware'"):
        RsitClassification.parse("malware/c2-server")
    with pytest.raises(Invalid, match="'phishing' is not an RSIT type of 'malicious-code'"):
        RsitClassification.parse("malicious-code/phishing")
    assert rsit_of({"labels": ["x", 'rsit:fraud="phishing"']}) == RsitClassification("fraud", "phishing")
    assert rsit_of({"labels": ['rsit:nonsense="x"']}) is None


def test_every_format_is_described_and_readable() -> None:
    formats = feed_formats()
    assert {"plain-ip", "plain-domain", "plain-url", "csv", "tsv", "shadowserver", "abusech-csv"} <= set(
        formats
    )
    for name, fmt in formats.items():
        assert fmt.description, name
        assert fmt.header in ("none", "row", "comment") and fmt.time_format in ("iso", "epoch")


def test_local_networks_are_never_indicators() -> None:
    assert is_local_network("10.1.2.3") and is_local_network("0.0.0.0/0") and is_local_network("fe80::1")
    assert is_local_network("8.0.0.0/7") is False and is_local_network("example.com") is False
    assert is_local_network("192.0.2.1") is False  # documentation ranges are harmless to list


# --- real samples -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.path for s in SAMPLES])
def test_real_samples_give_valid_indicators_and_report_every_skipped_line(sample: Sample) -> None:
    result = parse(sample)
    assert len(result.objects) == sample.count
    assert result.problems == sample.problems
    rsit = RsitClassification.parse(sample.feed.classification)
    for obj in result.objects:
        assert validate_object(obj) == []
        assert oasis_valid(obj)
        stix2.parse(obj, allow_custom=True)
        (observable,) = observables_of(obj)
        assert obj["name"] == observable.value
        assert obj["labels"] == [rsit.tag]
        assert obj["x_gotong_rsit"] == rsit.as_property()
        assert obj["object_marking_refs"] == [sample.feed.tlp.marking_id]
        assert obj["x_gotong_feed"] == sample.feed.name
        assert obj["created"] <= obj["modified"] and obj["valid_from"] < obj["valid_until"]
    if sample.count:
        first = observables_of(result.objects[0])[0]
        assert (first.kind, first.value) == sample.first


def test_feodo_indicator_in_full() -> None:
    """Every property of one indicator, the id included: a change of id scheme would orphan every copy."""
    (obj,) = parse(SAMPLES[0]).objects
    assert obj == {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--f0e83d60-86ee-5332-9527-9ded57759c2f",
        "created": "2021-01-17T07:44:46.000Z",
        "modified": "2021-02-10T00:00:00.000Z",  # last_online
        "name": "192.16.238.101",
        "description": "malicious-code/c2-server (Dridex), listed by feed feodo-ip",
        "indicator_types": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '192.16.238.101']",
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": "2021-01-17T07:44:46.000Z",
        "valid_until": "2021-03-12T00:00:00.000Z",  # last seen + 30 days
        "labels": ['rsit:malicious-code="c2-server"'],
        "object_marking_refs": [TLP.CLEAR.marking_id],
        "x_gotong_rsit": {"classification": "malicious-code", "type": "c2-server"},
        "x_gotong_feed": "feodo-ip",
        "x_gotong_malware": ["Dridex"],
        "confidence": 90,
        "created_by_ref": OWNER,
    }


def test_a_value_on_several_lines_is_one_indicator_from_its_first_to_its_last_date() -> None:
    (obj,) = parse(next(s for s in SAMPLES if s.path == "cert_bund/example.csv")).objects
    assert (obj["created"], obj["modified"]) == ("2020-08-11T18:04:47.000Z", "2020-08-11T22:53:53.000Z")
    assert obj["x_gotong_malware"] == ["andromeda", "tinba"]
    assert obj["object_marking_refs"] == [TLP.AMBER.marking_id]


def test_lines_without_dates_are_dated_by_fetched_at_and_lines_with_dates_by_themselves() -> None:
    plain = parse(next(s for s in SAMPLES if s.path == "spamhaus/drop.txt"))
    assert {o["created"] for o in plain.objects} == {"2024-05-01T12:00:00.000Z"}
    assert {o["valid_until"] for o in plain.objects} == {"2024-05-31T12:00:00.000Z"}
    epoch = parse(next(s for s in SAMPLES if s.path == "spamhaus/cert.txt"))
    assert epoch.objects[0]["created"] == "2015-08-31T08:16:10.000Z"  # 1441008970


def test_every_shadowserver_report_is_read_with_one_format() -> None:
    found, reasons = 0, Counter[str]()
    for path in sorted(SHADOWSERVER.glob("*.csv")):
        result = parse_feed(
            path.read_text(encoding="utf-8"),
            feed=feed("shadowserver", "shadowserver", "vulnerable/potentially-unwanted-accessible"),
            source=path.name,
            fetched_at=FETCHED,
        )
        found += len(result.objects)
        for problem in result.problems:
            reason = problem.split(": ", 1)[1]
            reasons[
                "local"
                if reason.endswith(LOCAL)
                else "columns"
                if "columns where the header has" in reason
                else "no observable column"
                if "has no column for an observable" in reason
                else reason
            ] += 1
        assert all(validate_object(o) == [] for o in result.objects)
    assert found == 4814
    assert reasons == {
        "local": 139,  # the samples' scans are of 192.168.0.0/16, 10.10.10.10, fe80::1 ...
        "columns": 23,  # rows one field short or long of their header (microsoft_sinkhole, scan_rdp ...)
        "no observable column": 2,  # sandbox_dns (no address) and event4_sinkhole_http_referer
        "'37.120.178.9.10' is not a valid ip": 2,
    }


# --- what is skipped, and why -------------------------------------------------------------------------


def test_broken_lines_in_a_copy_of_a_real_feed_are_reported_and_the_rest_kept(tmp_path: Path) -> None:
    lines = (PARSERS / "abusech/feodoips.txt").read_text(encoding="utf-8").split("\n")
    broken = [
        '"2021-01-18 00:00:00","999.1.2.3","443","online","2021-02-10","Emotet"',
        '"2021-01-18 00:00:00","","443","online","2021-02-10","Emotet"',
        '"2021-01-18 00:00:00","198.51.100.7","443","online"',
        '"yesterday","198.51.100.8","443","online","2021-02-10","Emotet"',
        '"2021-01-19 10:00:00","198.51.100[.]9","443","online","","Emotet"',  # defanged: re-fanged
    ]
    copy = tmp_path / "feodo.csv"
    copy.write_text("\n".join([*lines[:11], *broken, *lines[11:]]), encoding="utf-8")
    with copy.open(encoding="utf-8", newline="") as handle:  # lines from a file object, not one string
        result = parse_feed(handle, feed=SAMPLES[0].feed, source="feodo.csv", fetched_at=FETCHED)
    assert [observables_of(o)[0].value for o in result.objects] == ["192.16.238.101", "198.51.100.9"]
    assert result.problems == [
        f"feodo.csv:10: 10.213.75.205 {LOCAL}",
        "feodo.csv:12: '999.1.2.3' is not a valid ip",
        "feodo.csv:13: no value in the ip column",
        "feodo.csv:14: 4 columns where the header has 6",
        "feodo.csv:15: first_seen 'yesterday' is not a date",
    ]
    assert result.objects[1]["created"] == result.objects[1]["modified"] == "2021-01-19T10:00:00.000Z"


def test_plain_lists_report_what_is_not_a_value(tmp_path: Path) -> None:
    text = (PARSERS / "blocklistde/imap.txt").read_text(encoding="utf-8")
    text += "not-an-ip\n198.51.100.1 extra\n\n300.1.1.1\n127.0.0.1\n::1\n2001:db8::1\n# done\n"
    result = parse_feed(text, feed=SAMPLES[8].feed, source="imap", fetched_at=FETCHED)
    assert len(result.objects) == 7
    assert result.problems == [
        "imap:7: 'not-an-ip' is not a valid ip",
        "imap:8: '198.51.100.1 extra' is not a valid ip",
        "imap:10: '300.1.1.1' is not a valid ip",
        f"imap:11: 127.0.0.1 {LOCAL}",
        f"imap:12: ::1 {LOCAL}",
    ]


def test_a_quoted_field_may_span_lines_and_line_numbers_stay_true() -> None:
    text = (
        '"timestamp","ip","banner"\n'
        '"2024-01-01 00:00:00","198.51.100.1","line one\nline two"\n'
        '"2024-01-01 00:00:01","198.51.100.2","x"\n'
        '"2024-01-01 00:00:02","bad","x"\n'
    )
    result = parse_feed(text, feed=feed("s", "shadowserver", SCANNER), source="s.csv", fetched_at=FETCHED)
    assert len(result.objects) == 2
    assert result.problems == ["s.csv:5: 'bad' is not a valid ip"]


def test_a_header_without_the_observable_column_stops_the_feed_with_one_problem() -> None:
    text = "Address,Country\n1.1.1.2,AU\n"
    result = parse_feed(
        text, feed=feed("t", "csv", SCANNER, columns={"ip": "ip"}), source="t.csv", fetched_at=FETCHED
    )
    assert result.objects == []
    assert result.problems == [
        "t.csv:1: the header has no column for an observable (ip: 'ip'); feed not read"
    ]
    no_header = "1.1.1.2,AU\n"
    result = parse_feed(
        no_header, feed=feed("u", "abusech-csv", DISTRIBUTION), source="u", fetched_at=FETCHED
    )
    assert result.problems == ["u:1: no header comment before the first line of data; feed not read"]


def test_hashes_emails_and_column_overrides() -> None:
    sha256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
    text = f"sha256,sender,url\n{sha256.upper()},Bob@Example.COM,hxxp://bad[.]example/x\n"
    config = feed("mixed", "csv", DISTRIBUTION, columns={"sha256": "sha256", "email": "sender"})
    result = parse_feed(text, feed=config, source="m", fetched_at=FETCHED)
    assert [o["pattern"] for o in result.objects] == [
        "[email-addr:value = 'bob@example.com']",
        f"[file:hashes.'SHA-256' = '{sha256}']",
    ]
    dropped = feed("urls-only", "shadowserver", "fraud/phishing", columns={"ip": None, "url": "url"})
    assert "ip" not in dropped.layout.columns and dropped.layout.columns["url"] == ("url",)


# --- idempotence ----------------------------------------------------------------------------------------


def test_rerunning_a_feed_gives_the_same_objects() -> None:
    dated = SAMPLES[3]  # URLhaus: every line has its date
    assert parse(dated).objects == parse(dated).objects
    assert parse(dated, fetched_at=FETCHED + timedelta(days=3)).objects == parse(dated).objects
    undated = next(s for s in SAMPLES if s.path == "blocklistde/imap.txt")
    later = parse(undated, fetched_at=FETCHED + timedelta(days=1)).objects
    assert [o["id"] for o in later] == [o["id"] for o in parse(undated).objects]
    assert later[0]["created"] == "2024-05-02T12:00:00.000Z"


def test_ids_are_per_feed_and_value() -> None:
    one = parse_feed("198.51.100.1\n", feed=feed("a", "plain-ip", SCANNER), source="a", fetched_at=FETCHED)
    same = parse_feed("198.51.100[.]1\n", feed=feed("a", "plain-ip", BRUTE), source="a", fetched_at=FETCHED)
    other = parse_feed("198.51.100.1\n", feed=feed("b", "plain-ip", SCANNER), source="b", fetched_at=FETCHED)
    assert one.objects[0]["id"] == same.objects[0]["id"] != other.objects[0]["id"]


# --- configuration ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "xml"}, "unknown feed format 'xml'"),
        ({"classification": "malicious-code/spam"}, "'spam' is not an RSIT type of 'malicious-code'"),
        ({"confidence": 101}, "confidence must be from 0 to 100"),
        ({"valid_days": 0}, "valid_days must be at least 1"),
        ({"owner": "org-1"}, "owner must be an identity id"),
        ({"columns": {"ip": None}}, "maps no column to an observable"),
        ({"columns": {"colour": 1}}, "unknown column role 'colour'"),
        ({"columns": {"ip": -1}}, "a column is a position"),
        ({"format": "csv-noheader", "columns": {"ip": "address"}}, "has no header, so columns are positions"),
    ],
)
def test_feed_configuration_is_checked(changes: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {"name": "f", "format": "plain-ip", "classification": SCANNER} | changes
    with pytest.raises(Invalid, match=message):
        FeedConfig(**settings)


def test_fetched_at_must_carry_a_timezone() -> None:
    with pytest.raises(Invalid, match="timezone-aware"):
        parse_feed("198.51.100.1", feed=SAMPLES[8].feed, source="x", fetched_at=datetime(2024, 5, 1))
