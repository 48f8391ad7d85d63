"""Warninglists: the real MISP lists, real benign values, and lists that are broken on purpose."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gotong.correlation.warninglists import KINDS, WarningHit, Warninglists
from tests.conftest import SHARED_DATA

MISP = SHARED_DATA / "misp-warninglists"
CONTACT_REGEX = r"/^(security|noc|soc|abuse)\@.*\..*$/i"
_IP = {"matching_attributes": ["ip-src", "ip-dst"]}


@pytest.fixture(scope="module")
def lists() -> Warninglists:
    return Warninglists.load(MISP)


def hits(lists: Warninglists, kind: str, value: str) -> dict[str, str]:
    """list_id -> matched entry."""
    return {hit.list_id: hit.matched for hit in lists.check(kind, value)}


def test_every_real_list_loads_without_problems(lists: Warninglists) -> None:
    assert len(lists) == len(list(MISP.glob("lists/*/list.json"))) > 100
    assert lists.problems == []


@pytest.mark.parametrize(
    ("address", "network"),
    [("10.1.2.3", "10.0.0.0/8"), ("172.16.5.4", "172.16.0.0/12"), ("192.168.0.1", "192.168.0.0/16")],
)
def test_rfc1918_addresses(lists: Warninglists, address: str, network: str) -> None:
    found = lists.check("ipv4-addr", address)
    assert WarningHit("List of RFC 1918 CIDR blocks", "rfc1918", "cidr", network) in found
    assert hits(lists, "ipv4-addr", address)["rfc5735"] == network  # a second list with the same block


@pytest.mark.parametrize("resolver", ["8.8.8.8", "1.1.1.1", "9.9.9.9"])
def test_public_resolvers(lists: Warninglists, resolver: str) -> None:
    found = hits(lists, "ipv4-addr", resolver)
    assert found["public-dns-v4"] == resolver
    assert "rfc1918" not in found


def test_networks_match_when_inside_a_listed_network(lists: Warninglists) -> None:
    assert hits(lists, "ipv4-addr", "10.0.0.0/8")["rfc1918"] == "10.0.0.0/8"
    assert hits(lists, "ipv4-addr", "10.1.0.0/16")["rfc1918"] == "10.0.0.0/8"
    assert "rfc1918" not in hits(lists, "ipv4-addr", "10.0.0.0/7")  # wider than the listed block
    assert "public-dns-v4" not in hits(lists, "ipv4-addr", "1.1.1.0/24")  # only 1.1.1.1 is listed


def test_ipv6_documentation_link_local_and_resolvers(lists: Warninglists) -> None:
    # Entries come back as written in the list (upper case), though matched case-blind.
    assert hits(lists, "ipv6-addr", "2001:db8::1") == {"rfc3849": "2001:DB8::/32"}
    assert hits(lists, "ipv6-addr", "fe80::1") == {"ipv6-linklocal": "FE80::/10"}
    assert hits(lists, "ipv6-addr", "2001:4860:4860::8888")["public-dns-v6"] == "2001:4860:4860::8888"
    assert lists.check("ipv6-addr", "fd12:3456::1") == []  # no list carries the fc00::/7 ULA block


def test_well_known_domains(lists: Warninglists) -> None:
    google = hits(lists, "domain-name", "google.com")
    assert google["google"] == "google.com"  # a string list: exact match
    assert google["cloudflare-top1k"] == "google.com"
    www = hits(lists, "domain-name", "www.google.com")
    assert www["alexa"] == "google.com"  # a hostname list: subdomains of a listed name match
    assert www["google"] == "www.google.com"
    mail = hits(lists, "domain-name", "mail.google.com")
    assert mail["alexa"] == "google.com"
    assert "google" not in mail  # the string list has no mail.google.com
    assert hits(lists, "domain-name", "GOOGLE.COM")["google"] == "google.com"
    assert hits(lists, "domain-name", "com")["tlds"] == "COM"


def test_hostname_entries_with_a_leading_dot_cover_the_domain_and_below(lists: Warninglists) -> None:
    assert hits(lists, "domain-name", "foo.appspot.com")["lots-project"] == ".appspot.com"
    assert hits(lists, "domain-name", "www.bmw.de") == {"dax30": ".bmw.de"}
    assert hits(lists, "domain-name", "bmw.de")["dax30"] == ".bmw.de"


def test_hostname_lists_apply_to_url_hosts_where_their_attributes_allow(lists: Warninglists) -> None:
    for url in ("https://foo.appspot.com:8443/x?y=1", "http://user@FOO.appspot.com./", "foo.appspot.com/x"):
        assert hits(lists, "url", url)["lots-project"] == ".appspot.com"
    # lots-project names domain, hostname and url but no e-mail attribute: its domains are not benign
    # senders.  dax30 names no url attribute.
    assert "lots-project" not in hits(lists, "email-addr", "someone@foo.appspot.com")
    assert "dax30" not in hits(lists, "url", "https://www.bmw.de/")


def test_example_domains(lists: Warninglists) -> None:
    assert hits(lists, "domain-name", "example.com")["rfc6761"] == "example.com"
    www = hits(lists, "domain-name", "www.example.com")
    assert "rfc6761" not in www  # a string list: exact names only
    assert www == {"public-dns-hostname": "example.com", "tranco10k": "example.com"}
    assert lists.check("domain-name", "host.example") == []  # no list carries the example TLD


def test_regex_list(lists: Warninglists) -> None:
    assert hits(lists, "email-addr", "abuse@example.org") == {"common-contact-emails": CONTACT_REGEX}
    assert hits(lists, "email-addr", "Security@Example.org") == {"common-contact-emails": CONTACT_REGEX}
    assert lists.check("email-addr", "john.doe@example.org") == []
    assert lists.check("domain-name", "abuse@example.org") == []  # the list is for e-mail addresses


def test_substring_lists(lists: Warninglists) -> None:
    assert hits(lists, "email-addr", "someone@mailinator.com") == {"disposable-email": "mailinator.com"}
    found = hits(lists, "url", "https://app.any.run/tasks/0b1c")
    assert found["automated-malware-analysis"] == "app.any.run"


def test_hash_lists(lists: Warninglists) -> None:
    empty_md5, empty_sha256 = hashlib.md5(b"").hexdigest(), hashlib.sha256(b"").hexdigest()
    assert hits(lists, "file:hashes.MD5", empty_md5)["empty-hashes"] == empty_md5
    assert hits(lists, "file:hashes.MD5", empty_md5.upper())["empty-hashes"] == empty_md5
    assert hits(lists, "file:hashes.SHA-256", empty_sha256)["empty-hashes"] == empty_sha256
    ca = "010c0695a6981914ffbf5fc6b0b695ea29e912a6"
    assert hits(lists, "x509-certificate:hashes.SHA-1", ca) == {"mozilla-CA": ca}
    assert lists.check("domain-name", empty_md5) == []  # hash lists do not apply to domains


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("ipv4-addr", "41.77.1.9"),
        ("ipv4-addr", "not an address"),
        ("domain-name", "qwzx-nothing-here.invalid"),
        ("url", "https://qwzx-nothing-here.invalid/a"),
        ("email-addr", "john.doe@qwzx-nothing-here.invalid"),
        ("file:hashes.SHA-1", "0" * 40),
        ("mutex", "google.com"),  # unknown kinds
        ("", "10.1.2.3"),
    ],
)
def test_values_on_no_list(lists: Warninglists, kind: str, value: str) -> None:
    assert lists.check(kind, value) == []


def test_only_loads_the_named_lists(lists: Warninglists) -> None:
    some = Warninglists.load(MISP / "lists", only=["rfc1918", "public-dns-v4", "no-such-list"])
    assert len(some) == 2
    assert hits(some, "ipv4-addr", "10.1.2.3") == {"rfc1918": "10.0.0.0/8"}  # not rfc5735
    assert hits(some, "ipv4-addr", "8.8.8.8") == {"public-dns-v4": "8.8.8.8"}  # not vpn-ipv4
    assert some.check("domain-name", "google.com") == []
    assert some.problems == ["no-such-list: no such list"]
    assert len(Warninglists.load(MISP, only=[])) == 0


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Warninglists.load(tmp_path / "nowhere")


def _write(root: Path, list_id: str, content: dict[str, Any] | str) -> None:
    (root / "lists" / list_id).mkdir(parents=True)
    text = content if isinstance(content, str) else json.dumps(content)
    (root / "lists" / list_id / "list.json").write_text(text, encoding="utf-8")


def _list(list_type: str, entries: list[Any], **extra: Any) -> dict[str, Any]:
    return {"name": f"test {list_type}", "version": 1, "type": list_type, "list": entries, **extra}


def test_malformed_lists_are_recorded_and_the_rest_loads(tmp_path: Path) -> None:
    _write(tmp_path, "bad-json", '{"name": "broken", "list": [')
    _write(tmp_path, "not-an-object", "[1, 2]")
    _write(tmp_path, "unknown-type", _list("glob", ["*.example"]))
    _write(tmp_path, "no-entries", {"name": "x", "type": "string"})
    _write(tmp_path, "bad-attributes", _list("string", ["x"], matching_attributes="domain"))
    _write(tmp_path, "regexes", _list("regex", ["/[unclosed/", "bare.*", "//", "/x/Q", r"/^c2\d+\./g"]))
    _write(tmp_path, "networks", _list("cidr", ["192.0.2.0/24", "192.0.2.300", "10.0.0.0/33", 7], **_IP))
    (tmp_path / "lists" / "empty-folder").mkdir()
    lists = Warninglists.load(tmp_path)
    assert len(lists) == 2  # regexes and networks, minus their bad entries
    problems = "\n".join(lists.problems)
    for expected in [
        "bad-json: unreadable list.json",
        "not-an-object: list.json is not a JSON object",
        "unknown-type: unknown type 'glob'",
        "no-entries: no list of entries",
        "bad-attributes: matching_attributes is not a list of strings",
        "regexes: skipped regex entry '/[unclosed/'",
        "regexes: skipped regex entry 'bare.*': not delimited like /pattern/flags",
        "regexes: skipped regex entry '//'",
        "regexes: skipped regex entry '/x/Q': unsupported modifier 'Q'",
        "networks: skipped cidr entry '192.0.2.300': not an IP address",
        "networks: skipped cidr entry '10.0.0.0/33': bad prefix length",
        "networks: skipped entries that are not strings",
        "empty-folder: unreadable list.json",
    ]:
        assert expected in problems
    assert len(lists.problems) == 13
    # The usable entries still match; the JavaScript-style "g" flag is accepted and ignored.
    assert hits(lists, "domain-name", "c2123.example.net") == {"regexes": r"/^c2\d+\./g"}
    assert hits(lists, "ipv4-addr", "192.0.2.55") == {"networks": "192.0.2.0/24"}
    assert hits(lists, "domain-name", "192.0.2.55") == {}  # networks names only IP attributes


def test_a_list_without_matching_attributes_applies_to_every_kind(tmp_path: Path) -> None:
    _write(tmp_path, "anything", _list("string", ["Shared-Value"]))
    _write(
        tmp_path, "named", {"name": "entry: comment", "type": "hostname", "list": {"corp.example": "ours"}}
    )
    lists = Warninglists.load(tmp_path)
    for kind in KINDS:
        assert hits(lists, kind, "shared-value") == {"anything": "Shared-Value"}
    assert lists.check("mutex", "shared-value") == []
    assert hits(lists, "email-addr", "ceo@mail.corp.example") == {"named": "corp.example"}


_VALUES = st.one_of(
    st.text(),
    st.ip_addresses().map(str),
    st.from_regex(r"[0-9a-fA-F:./%\[\]@-]{0,45}", fullmatch=True),
    st.from_regex(r"(https?://)?[a-z0-9.@:-]{0,30}(/[ -~]{0,20})?", fullmatch=True),
)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from([*sorted(KINDS), "mutex", ""]), value=_VALUES)
def test_check_never_raises(lists: Warninglists, kind: str, value: str) -> None:
    found = lists.check(kind, value)
    ids = [hit.list_id for hit in found]
    assert ids == sorted(set(ids))  # at most one hit per list, in list-id order
