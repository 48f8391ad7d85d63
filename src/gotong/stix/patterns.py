"""STIX 2.1 patterns (``pattern_type: stix``): does a pattern parse with the patterning grammar?

The authority is the OASIS ``stix2-patterns`` package (ANTLR-based, 0.4-1.5 ms a pattern).  Two things
keep it off the hot path:

* results are cached (:func:`functools.lru_cache`, 65,536 entries, patterns up to 2,048 characters);
* the shapes most feeds send -- ``[ipv4-addr:value = '198.51.100.7']``, ``[file:hashes.'SHA-256' = '...']``,
  comparisons with = != < <= > >= LIKE MATCHES against a string or integer, joined by AND/OR inside one
  ``[...]``, observations joined by AND/OR/FOLLOWEDBY -- are recognised by one regular expression built
  from the grammar's lexer rules, a strict subset of the grammar.  What it does not match goes to
  ``stix2-patterns``; the fast path never rejects anything itself.  Tests check it against the parser.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from functools import lru_cache

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.object_validator import HASHES_REGEX
from stix2patterns.v21.pattern import Pattern
from stix2patterns.validator import run_validator

__all__ = ["pattern_problem"]

_CACHE_SIZE = 65_536
_CACHEABLE_LENGTH = 2048  # so the cache holds at most ~128 MiB of keys

# Lexer rules of STIXPattern.g4 (2.1), restricted: keywords are case-sensitive and win over identifiers
# of the same length; identifiers are maximal munch, so each word must end where the lexer would end it.
_KEYWORDS = "AND|OR|NOT|FOLLOWEDBY|LIKE|MATCHES|ISSUPERSET|ISSUBSET|EXISTS|LAST|IN|START|STOP|SECONDS|true|false|WITHIN|REPEATS|TIMES"  # noqa: E501
_END = r"(?![A-Za-z0-9_-])"
_WORD = rf"(?!(?:{_KEYWORDS}){_END})[A-Za-z_][A-Za-z0-9_]*{_END}"  # IdentifierWithoutHyphen
_TYPE = rf"(?!(?:{_KEYWORDS}):)[A-Za-z_][A-Za-z0-9_-]*"  # either identifier, followed by ':'
_STRING = r"'[^'\\]*(?:\\['\\][^'\\]*)*'"  # StringLiteral and its two escapes, unrolled
_INT = r"(?:0|[1-9][0-9]*)(?![0-9.])"
_WS = r"[ \t\r\n]*"
_PATH = rf"(?:{_WORD}|{_STRING})(?:\.(?:{_WORD}|{_STRING})|\[(?:\*|{_INT})\])*"
_TEST = rf"{_WS}(?:(?:!=|<=|>=|=|<|>){_WS}(?:{_STRING}|{_INT})|(?:LIKE|MATCHES){_END}{_WS}{_STRING})"
_COMPARISON = rf"{_TYPE}:{_PATH}{_TEST}"
_OBSERVATION = rf"\[{_WS}{_COMPARISON}(?:{_WS}(?:AND|OR){_END}{_WS}{_COMPARISON})*{_WS}\]"
_SIMPLE = re.compile(rf"{_WS}{_OBSERVATION}(?:{_WS}(?:AND|OR|FOLLOWEDBY){_END}{_WS}{_OBSERVATION})*{_WS}\Z")
# To re-read the comparisons of a pattern _SIMPLE matched, for the hash-value check stix2-patterns makes.
_PARTS = re.compile(rf"[A-Za-z0-9_-]+:({_PATH}){_WS}(?:!=|<=|>=|=|<|>|LIKE|MATCHES){_WS}({_STRING}|{_INT})")
_COMPONENT = re.compile(rf"({_STRING})|\[(\*|[0-9]+)\]|([A-Za-z_][A-Za-z0-9_]*)")
_HASH_FORMATS = {name: re.compile(regex) for name, (regex, _label) in HASHES_REGEX.items()}
_LOCATION = re.compile(r"^Error found at line (\d+:\d+)\. ")


def _hashes_ok(pattern: str) -> bool:
    """Mirror stix2-patterns' check of hash values; False means 'let stix2-patterns decide'."""
    for path, value in _PARTS.findall(pattern):
        if "hashes" not in path:
            continue
        parts = _COMPONENT.findall(path)
        names = [
            text[1:-1].replace("\\'", "'").replace("\\\\", "\\") if text else word for text, _i, word in parts
        ]
        if "hashes" not in names:
            continue
        _text, index, _word = parts[-1]
        if index:  # an index step: stix2-patterns crashes on integers; '*' it skips
            if index != "*":
                return False
            continue
        fmt = _HASH_FORMATS.get(names[-1].upper().replace("-", "").replace("'", ""))
        if fmt is not None and not fmt.match(value.replace("'", "")):
            return False
    return True


def _fast_accept(pattern: str) -> bool:
    """True only for patterns in the simple subset, which the STIX 2.1 grammar certainly accepts."""
    return _SIMPLE.match(pattern) is not None and ("hashes" not in pattern or _hashes_ok(pattern))


_quiet_lock = threading.Lock()


def _library_noisy() -> bool:
    """Does a parse print anything (e.g. an ANTLR runtime/tool version warning)?"""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        run_validator("[x-probe:value = 'probe'] AND [x-probe:n > 1]", stix_version="2.1")
    return bool(out.getvalue() or err.getvalue())


_NOISY = _library_noisy()


def _parse_problem(pattern: str) -> str | None:
    try:
        if _NOISY:  # only then swap sys.stdout/sys.stderr, under a lock, for the parse
            with (
                _quiet_lock,
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                errors = run_validator(pattern, stix_version="2.1")
        else:
            errors = run_validator(pattern, stix_version="2.1")
    except RecursionError:
        return "pattern is nested too deeply to parse"
    except Exception as exc:  # its checks after the parse fail on some inputs, e.g. [file:hashes[0] = 'x']
        return _grammar_only(pattern, exc)
    if not errors:
        return None
    why = _LOCATION.sub(r"line \1: ", " ".join(str(errors[0]).removeprefix("FAIL: ").split()))
    return f"pattern is not valid STIX 2.1 patterning: {why if len(why) <= 200 else why[:197] + '...'}"


def _grammar_only(pattern: str, exc: Exception) -> str | None:
    """The grammar's verdict alone, when stix2-patterns' extra checks crashed."""
    try:
        Pattern(pattern)
    except ParseException as parse_error:
        return f"pattern is not valid STIX 2.1 patterning: {' '.join(str(parse_error).split())[:200]}"
    except Exception:
        return f"pattern is not parseable by stix2-patterns ({type(exc).__name__})"
    return None


def _problem(pattern: str) -> str | None:
    if not pattern.strip():
        return "pattern is empty"
    if _fast_accept(pattern):
        return None
    return _parse_problem(pattern)


_cached_problem = lru_cache(maxsize=_CACHE_SIZE)(_problem)


def pattern_problem(pattern: str) -> str | None:
    """None if a `pattern_type: stix` pattern parses with the STIX 2.1 patterning grammar, else one line saying why."""  # noqa: E501
    if not isinstance(pattern, str):
        return "pattern must be a string"
    if len(pattern) > _CACHEABLE_LENGTH:
        return _problem(pattern)
    return _cached_problem(pattern)
