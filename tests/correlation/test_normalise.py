"""normalise: one canonical text per observable value, None for values that are not of their kind."""

from __future__ import annotations

import pytest

from gotong.correlation.normalise import hash_algorithm, normalise

SHA256 = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
TLSH = "1a2b" * 17 + "3c"  # 70 hex digits

CANONICAL = [
    # IPv4: canonical text, CIDR blocks with host bits cleared, /32 collapses, defanged forms
    ("ipv4-addr", "198.51.100.7", "198.51.100.7"),
    ("ipv4-addr", " 198.51.100.7\n", "198.51.100.7"),
    ("ipv4-addr", "10.0.0.0/8", "10.0.0.0/8"),
    ("ipv4-addr", "10.1.2.3/8", "10.0.0.0/8"),
    ("ipv4-addr", "198.51.100.7/32", "198.51.100.7"),
    ("ipv4-addr", "10.0.0.0/255.0.0.0", "10.0.0.0/8"),
    ("ipv4-addr", "1.2.3[.]4", "1.2.3.4"),
    ("ipv4-addr", "1[.]2(.)3{.}4", "1.2.3.4"),
    ("ipv4-addr", "1[dot]2[DOT]3[.]4", "1.2.3.4"),
    # IPv6: RFC 5952 compression and lower case, CIDR, /128 collapses, IPv4-mapped as ::ffff:a.b.c.d
    ("ipv6-addr", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
    ("ipv6-addr", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("ipv6-addr", "2a06:e480::/29", "2a06:e480::/29"),
    ("ipv6-addr", "2001:db8::1/64", "2001:db8::/64"),
    ("ipv6-addr", "2001:db8::1/128", "2001:db8::1"),
    ("ipv6-addr", "::ffff:1.2.3.4", "::ffff:1.2.3.4"),
    ("ipv6-addr", "::FFFF:0102:0304", "::ffff:1.2.3.4"),
    # domains: lower case, trailing dot, IDNA (IDNA 2003: ß -> ss), defanged, ideographic full stop
    ("domain-name", "Evil.Example.COM", "evil.example.com"),
    ("domain-name", "evil.example.com.", "evil.example.com"),
    ("domain-name", "example[.]com", "example.com"),
    ("domain-name", "bücher.de", "xn--bcher-kva.de"),
    ("domain-name", "BÜCHER.de", "xn--bcher-kva.de"),
    ("domain-name", "xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("domain-name", "пример.рф", "xn--e1afmkfd.xn--p1ai"),
    ("domain-name", "例え。テスト", "xn--r8jz45g.xn--zckzah"),
    ("domain-name", "straße.de", "strasse.de"),
    ("domain-name", "_dmarc.example.com", "_dmarc.example.com"),
    ("domain-name", "decrypttozxybarc.onion", "decrypttozxybarc.onion"),
    # URLs: scheme and host lower case, default ports dropped, fragment removed, the rest as given
    ("url", "HTTP://Example.COM/Path?Q=A#frag", "http://example.com/Path?Q=A"),
    ("url", "http://example.com:80/a", "http://example.com/a"),
    ("url", "https://example.com:443/a", "https://example.com/a"),
    ("url", "http://example.com:443/a", "http://example.com:443/a"),
    ("url", "https://example.com:8443/a", "https://example.com:8443/a"),
    ("url", "http://example.com:080/a", "http://example.com/a"),
    ("url", "http://example.com", "http://example.com/"),
    ("url", "http://example.com.:8080", "http://example.com:8080/"),
    ("url", "hxxp://example[.]com/x", "http://example.com/x"),
    ("url", "hXXps[:]//example[.]com/x", "https://example.com/x"),
    ("url", "fxp://files.example.com/a", "ftp://files.example.com/a"),
    ("url", "http://User:PassWord@Example.com/", "http://User:PassWord@example.com/"),
    ("url", "http://bücher.de/ü", "http://xn--bcher-kva.de/ü"),
    ("url", "http://198.51.100.7:8080/x", "http://198.51.100.7:8080/x"),
    ("url", "http://[2001:DB8:0::1]:80/x", "http://[2001:db8::1]/x"),
    ("url", "http://example.com/a%2fb?x=%2F", "http://example.com/a%2fb?x=%2F"),
    ("url", "http://example.com/?", "http://example.com/"),
    ("url", "ssh://example.com", "ssh://example.com"),
    # e-mail: domain as a domain, local part lower-cased too (see the module docstring), defanged
    ("email-addr", "John.Doe@Example.COM", "john.doe@example.com"),
    ("email-addr", "john.doe[at]example[.]com", "john.doe@example.com"),
    ("email-addr", "mailto:Bob@example.com", "bob@example.com"),
    ("email-addr", "bob@bücher.de", "bob@xn--bcher-kva.de"),
    # hashes: lower-case hex; SSDEEP is case-sensitive; TLSH gets its version prefix
    ("file:hashes.SHA-256", SHA256.upper(), SHA256),
    ("file:hashes.SHA256", SHA256, SHA256),
    ("file:hashes.sha-256", SHA256, SHA256),
    ("file:hashes.MD5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"),
    ("x509-certificate:hashes.SHA-1", "A" * 40, "a" * 40),
    ("file:hashes.SSDEEP", "96:Aa+/Bb:Cc", "96:Aa+/Bb:Cc"),
    ("file:hashes.TLSH", TLSH.upper(), "t1" + TLSH),
    ("file:hashes.TLSH", "T1" + TLSH.upper(), "t1" + TLSH),
    # registry keys: hive aliases, empty components, lower case
    ("windows-registry-key:key", "HKLM\\Software\\Run", "hkey_local_machine\\software\\run"),
    ("windows-registry-key:key", "hkcu\\Software\\Run\\", "hkey_current_user\\software\\run"),
    ("windows-registry-key:key", "HKLM:\\Software", "hkey_local_machine\\software"),
    ("windows-registry-key:key", "HKEY_USERS\\S-1-5-21\\X", "hkey_users\\s-1-5-21\\x"),
    ("windows-registry-key:key", "\\REGISTRY\\MACHINE\\SYSTEM\\x", "hkey_local_machine\\system\\x"),
    ("windows-registry-key:key", "HKCR\\\\.exe", "hkey_classes_root\\.exe"),
    # numbers as decimal text
    ("network-traffic:dst_port", "443", "443"),
    ("network-traffic:src_port", "0", "0"),
    ("network-traffic:dst_port", "65535", "65535"),
    ("network-traffic:dst_port", "0080", "80"),
    ("autonomous-system:number", "AS64500", "64500"),
    ("autonomous-system:number", "4294967295", "4294967295"),
    # names as given (file names in NFC)
    ("file:name", "Invoice .PDF.exe", "Invoice .PDF.exe"),
    ("file:name", "re\u0301sume\u0301.pdf", "résumé.pdf"),
    ("mutex:name", "Global\\冰ǣ", "Global\\冰ǣ"),
]

INVALID = [
    ("ipv4-addr", "2001:db8::1"),
    ("ipv4-addr", "256.1.1.1"),
    ("ipv4-addr", "1.2.3"),
    ("ipv4-addr", "010.1.1.1"),  # leading zeros: octal to some parsers, decimal to others
    ("ipv4-addr", "1.2.3.4/33"),
    ("ipv4-addr", ""),
    ("ipv6-addr", "198.51.100.7"),
    ("ipv6-addr", "fe80::1%eth0"),
    ("ipv6-addr", "2001:db8:::1"),
    ("domain-name", "localhost"),
    ("domain-name", "example..com"),
    ("domain-name", "domain autuo.xicp.net"),  # from the OASIS Poison Ivy example
    ("domain-name", "1.2.3.4"),
    ("domain-name", "*.example.com"),
    ("domain-name", "a" * 64 + ".com"),
    ("domain-name", ("a" * 60 + ".") * 5 + "com"),
    ("domain-name", "exa mple.com"),
    ("url", "www.example.com/path"),  # no scheme: a guess would also turn 'igfxtray.exe' into a URL
    ("url", "example.com"),
    ("url", "mailto:bob@example.com"),
    ("url", "http://"),
    ("url", "http://www..example.com/phishing"),  # from the OpenPhish sample
    ("url", "http://example.com:99999/"),
    ("url", "http://example.com:port/"),
    ("url", "http://exa mple.com/"),
    ("url", "http://example.com/a b"),
    ("url", "http://[::1"),
    ("url", "http://[fe80::1%25eth0]/"),
    ("email-addr", "bob"),
    ("email-addr", "@example.com"),
    ("email-addr", "bob@localhost"),
    ("email-addr", "Bob <bob@example.com>"),
    ("email-addr", "a" * 65 + "@example.com"),
    ("file:hashes.MD5", "d41d8cd98f00b204e9800998ecf8427"),
    ("file:hashes.MD5", "z41d8cd98f00b204e9800998ecf8427e"),
    ("file:hashes.SHA-256", "d41d8cd98f00b204e9800998ecf8427e"),
    ("file:hashes.SSDEEP", "3072:Gx\r\ngp:Gx4"),
    ("file:hashes.TLSH", "t1abc"),
    ("file:hashes.WHIRLPOOL", "a" * 128),  # not in the STIX vocabulary: not indexed
    ("artifact:hashes.MD5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("windows-registry-key:key", "Software\\Microsoft\\Windows\\CurrentVersion\\Run"),
    ("windows-registry-key:key", "%APPDATA%\\microsoft\\mmc\\"),
    ("windows-registry-key:key", "\\\\"),
    ("network-traffic:dst_port", "65536"),
    ("network-traffic:dst_port", "-1"),
    ("network-traffic:dst_port", "²"),
    ("network-traffic:dst_port", "?"),
    ("autonomous-system:number", "4294967296"),
    ("autonomous-system:number", "ASN"),
    ("file:name", ""),
    ("file:name", "a\x00b"),
    ("mutex:name", ""),
    ("x-acme:value", "anything"),
    ("ipv4-addr", "1" * 10_000),
]


@pytest.mark.parametrize(("kind", "raw", "expected"), CANONICAL)
def test_canonical_form(kind: str, raw: str, expected: str) -> None:
    assert normalise(kind, raw) == expected


@pytest.mark.parametrize(("kind", "raw"), INVALID)
def test_invalid_values_are_none(kind: str, raw: str) -> None:
    assert normalise(kind, raw) is None


@pytest.mark.parametrize(("kind", "raw", "expected"), CANONICAL)
def test_canonical_form_is_a_fixed_point(kind: str, raw: str, expected: str) -> None:
    """Normalising twice changes nothing, so stored values can be looked up with normalise again."""
    assert normalise(kind, expected) == expected


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("md5", "MD5"),
        ("SHA1", "SHA-1"),
        ("sha-1", "SHA-1"),
        ("SHA256", "SHA-256"),
        ("sha_256", "SHA-256"),
        ("SHA2-256", "SHA-256"),
        ("sha512", "SHA-512"),
        ("SHA3-256", "SHA3-256"),
        ("sha3512", "SHA3-512"),
        ("ssdeep", "SSDEEP"),
        ("tlsh", "TLSH"),
        ("imphash", None),
        ("x_acme_hash", None),
    ],
)
def test_hash_algorithm_aliases(name: str, canonical: str | None) -> None:
    assert hash_algorithm(name) == canonical


def test_non_string_values_are_none() -> None:
    assert normalise("network-traffic:dst_port", 443) is None  # type: ignore[arg-type]
    assert normalise(["ipv4-addr"], "1.2.3.4") is None  # type: ignore[arg-type]
