"""pattern_problem: the STIX 2.1 patterning grammar via stix2-patterns, cached, with a checked fast path."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from gotong.stix import patterns
from gotong.stix.patterns import pattern_problem

VALID = [
    "[ipv4-addr:value = '198.51.100.7']",
    "[ipv4-addr:value = '198.51.100.0/24']",
    "[domain-name:value = 'evil.example.com'] OR [url:value = 'http://evil.example.com/x']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[file:hashes.MD5 = '3773a88f65a5e780c8dff9cdc3a056f3' AND file:size = 4096]",
    "[email-message:from_ref.value MATCHES '.+\\\\banking@g0thamnatl\\\\.com$']",
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\System\\\\Foo']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = 443]",
    "[process:command_line LIKE '%powershell -enc%'] FOLLOWEDBY [file:name = 'x.exe']",
    "[x-acme-widget:colour = 'red']",
    "[network-traffic:protocols[*] = 'tcp']",
    "([file:name = 'a'] AND [file:name = 'b']) WITHIN 300 SECONDS",
    "[ipv4-addr:value = '1.2.3.4'] START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'",
    "[file:size > 1000 AND file:size <= 2000] REPEATS 5 TIMES",
    "[artifact:payload_bin = b'aGVsbG8=']",
    "[file:hashes[0] = 'x']",  # grammatical; stix2-patterns' extra hash check crashes on it
    "[x:a NOT IN ('b', 'c')]",
]
INVALID = [
    "[foo]",
    "ipv4-addr:value = '1.2.3.4'",
    "[ipv4-addr:value = '1.2.3.4'",
    "[ipv4-addr:value == ]",
    "[file:hashes.MD5 = 'not-a-hash']",
    "[file:hashes.'SHA-256' = 'abc']",
    "[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS",
    "[x:AND = 'a']",
    "[x:a-b = 'c']",
    "[x:a = 'b'] AND",
    "[x:a = 'unterminated]",
    "[x:a = 1.5.5]",
    "(" * 400 + "[x:a = 'b']" + ")" * 400,
]


@pytest.mark.parametrize("pattern", VALID)
def test_valid_patterns(pattern: str) -> None:
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize("pattern", INVALID)
def test_invalid_patterns_get_one_line(pattern: str) -> None:
    problem = pattern_problem(pattern)
    assert (
        problem is not None and problem.startswith("pattern ") and "\n" not in problem and len(problem) < 300
    )


@pytest.mark.parametrize("thing", ["", "   ", None, 5, ["[a:b = 'c']"]])
def test_empty_and_non_strings(thing: object) -> None:
    problem = pattern_problem(thing)  # type: ignore[arg-type]
    assert problem in ("pattern is empty", "pattern must be a string")


def test_parse_errors_say_where() -> None:
    assert pattern_problem("[foo]") == (
        "pattern is not valid STIX 2.1 patterning: line 1:4: no viable alternative at input 'foo]'"
    )
    assert pattern_problem("[file:hashes.MD5 = 'abc']") == (
        "pattern is not valid STIX 2.1 patterning: 'abc' is not a valid MD5 hash"
    )


def test_nothing_is_printed(capfd: pytest.CaptureFixture[str]) -> None:
    for pattern in INVALID + VALID:
        pattern_problem(pattern + " ")  # not cached yet
    assert capfd.readouterr() == ("", "")


def test_results_are_cached_with_a_bound() -> None:
    assert patterns._cached_problem.cache_info().maxsize == 65_536
    pattern = "[ipv4-addr:value = '203.0.113.99'] AND [x:a = 1.5]"
    before = patterns._cached_problem.cache_info().hits
    assert pattern_problem(pattern) is None
    assert pattern_problem(pattern) is None
    assert patterns._cached_problem.cache_info().hits == before + 1


@pytest.mark.parametrize("pattern", VALID + INVALID)
def test_fast_path_never_accepts_what_the_grammar_rejects(pattern: str) -> None:
    if patterns._fast_accept(pattern):
        assert run_validator(pattern, stix_version="2.1") == []


def test_fast_path_takes_the_common_shapes() -> None:
    for pattern in VALID[:11]:
        assert patterns._fast_accept(pattern), pattern


# Pieces from which to build near-valid patterns, so that the generated ones land both inside and just
# outside the fast path's subset.
_WORDS = [
    "ipv4-addr",
    "file",
    "x-acme",
    "value",
    "name",
    "hashes",
    "MD5",
    "SHA-256",
    "AND",
    "OR",
    "true",
    "t",
    "b",
    "h",
    "NOT",
    "IN",
    "LIKE",
    "a-b",
    "_x",
    "Z9",
]
_PIECES = st.sampled_from(
    [
        "[",
        "]",
        ":",
        ".",
        "=",
        "!=",
        "<",
        ">=",
        "<>",
        "==",
        " ",
        "  ",
        "\t",
        "\n",
        "'abc'",
        "'a\\'b'",
        "'a\\\\b'",
        "''",
        "'d41d8cd98f00b204e9800998ecf8427e'",
        "0",
        "7",
        "443",
        "-1",
        "1.5",
        "*",
        "[*]",
        "[0]",
        " AND ",
        " OR ",
        " FOLLOWEDBY ",
        " LIKE ",
        " MATCHES ",
        "(",
        ")",
        "/* c */",
        "'",
        "\\",
        "\u00a0",
        "b'aGk='",
        "t'2024-01-01T00:00:00Z'",
    ]
) | st.sampled_from(_WORDS)
_SKELETON = st.builds(
    lambda t, p, op, v: f"[{t}:{p} {op} {v}]",
    st.sampled_from(_WORDS),
    st.sampled_from([*_WORDS, "hashes.MD5", "hashes.'SHA-256'", "a[*].b", "'x y'"]),
    st.sampled_from(["=", "!=", "<", ">=", "LIKE", "MATCHES", "=="]),
    st.sampled_from(["'abc'", "'d41d8cd98f00b204e9800998ecf8427e'", "443", "0443", "true", "'it\\'s'"]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.lists(_PIECES, max_size=14).map("".join),
        st.lists(_SKELETON, min_size=1, max_size=3).map(" OR ".join),
        st.lists(_SKELETON, min_size=1, max_size=3).map(" AND ".join),
    )
)
def test_fast_path_agrees_with_stix2_patterns(pattern: str) -> None:
    if patterns._fast_accept(pattern):
        assert run_validator(pattern, stix_version="2.1") == [], pattern
        assert pattern_problem(pattern) is None
