"""STIX 2.1 patterns (``pattern_type: stix``): does a pattern parse with the patterning grammar?

The authority is the OASIS ``stix2-patterns`` package (ANTLR-based, 0.4-1.5 ms a pattern).  Two things
keep it off the hot path:

* results are cached (:func:`functools.lru_cache`, 65,536 entries, patterns up to 2,048 characters);
* the shapes most feeds send -- ``[ipv4-addr:value = '198.51.100.7']``, ``[file:hashes.'SHA-256' = '...']``,
  comparisons with = != < <= > >= LIKE MATCHES against a string or integer, joined by AND/OR inside one
  ``[...]``, observations joined by AND/OR/FOLLOWEDBY -- are recognised by one regular expression built
  from the grammar's lexer rules, a strict subset of the grammar.  What it does not match goes to
  ``stix2-patterns``; the fast path never rejects anything itself.  Tests check it against the parser.

And three things keep a hostile pattern from costing a CPU for minutes (the ANTLR lexer is quadratic in
the escaped quotes of an unterminated string: 2 KB of them cost 1.5 s, 15 KB cost 43 s):

* a pattern is at most :data:`MAX_PATTERN_LENGTH` characters, and one the fast path does not accept
  at most :data:`MAX_PARSED_LENGTH` (MISP malware samples carry their payload in a simple comparison,
  which the fast path reads in linear time whatever its length);
* a linear pre-scan refuses, before the parser sees them, what the lexer would reject slowly anyway:
  an unterminated string literal, an escape other than ``\\'`` and ``\\\\`` in one, and brackets or
  parentheses nested deeper than :data:`MAX_PATTERN_DEPTH`;
* :func:`pattern_budget` gives one request (an envelope) a total of parser time; once it is spent,
  further patterns that need the parser are refused, with words that say so.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import lru_cache

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.object_validator import HASHES_REGEX
from stix2patterns.v21.pattern import Pattern
from stix2patterns.validator import run_validator

__all__ = [
    "MAX_PARSED_LENGTH",
    "MAX_PATTERN_DEPTH",
    "MAX_PATTERN_LENGTH",
    "pattern_budget",
    "pattern_problem",
]

MAX_PATTERN_LENGTH = 1024 * 1024
MAX_PARSED_LENGTH = 16 * 1024
MAX_PATTERN_DEPTH = 32
PARSER_BUDGET_SECONDS = 0.5

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


def _prescan_problem(pattern: str) -> str | None:
    """What the lexer would refuse, found in one pass: strings that do not end, bad escapes, deep nesting."""
    depth = 0
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            start = i
            i += 1
            while i < n and pattern[i] != "'":
                if pattern[i] == "\\":
                    if i + 1 >= n or pattern[i + 1] not in "'\\":
                        return f"pattern is not valid STIX 2.1 patterning: bad escape in a string (at {i})"
                    i += 1
                i += 1
            if i >= n:
                return f"pattern is not valid STIX 2.1 patterning: the string starting at {start} never ends"
        elif c in "([":
            depth += 1
            if depth > MAX_PATTERN_DEPTH:
                return f"pattern nests brackets or parentheses deeper than {MAX_PATTERN_DEPTH}"
        elif c in ")]":
            depth -= 1
        i += 1
    return None


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.left = seconds


_budget: ContextVar[_Budget | None] = ContextVar("gotong_pattern_budget", default=None)


@contextlib.contextmanager
def pattern_budget(seconds: float = PARSER_BUDGET_SECONDS) -> Iterator[None]:
    """Give the patterns checked inside this block ``seconds`` of parser time in all."""
    token = _budget.set(_Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def _problem(pattern: str) -> str | None:
    """The verdict on a pattern of acceptable length, with no budget (what the cache holds)."""
    if not pattern.strip():
        return "pattern is empty"
    return _prescan_problem(pattern) or _parse_problem(pattern)


_cached_problem = lru_cache(maxsize=_CACHE_SIZE)(_problem)


def _budgeted(check: Callable[[str], str | None], pattern: str) -> str | None:
    budget = _budget.get()
    if budget is None:
        return check(pattern)
    if budget.left <= 0:
        return "pattern not checked: this request used up its pattern-parsing time; send the rest separately"
    started = time.perf_counter()
    try:
        return check(pattern)
    finally:
        budget.left -= time.perf_counter() - started


def pattern_problem(pattern: str) -> str | None:
    """None if a `pattern_type: stix` pattern parses with the STIX 2.1 patterning grammar, else one line saying why."""  # noqa: E501
    if not isinstance(pattern, str):
        return "pattern must be a string"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"pattern is longer than {MAX_PATTERN_LENGTH} characters"
    if _fast_accept(pattern):  # the common case: no parser time, no budget
        return None
    if len(pattern) > MAX_PARSED_LENGTH:
        return (
            f"pattern is longer than {MAX_PARSED_LENGTH} characters and not a simple comparison, "
            "too long for the full patterning parser"
        )
    return _budgeted(_problem if len(pattern) > _CACHEABLE_LENGTH else _cached_problem, pattern)
