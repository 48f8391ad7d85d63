"""STIX 2.1 patterns (``pattern_type: stix``): does a pattern parse with the patterning grammar?

The authority is the OASIS ``stix2-patterns`` package (ANTLR-based, about 0.4-1.5 ms a pattern).  Two
things keep it off the hot path:

* results are cached (:func:`functools.lru_cache`, 65,536 entries, patterns up to 16 KiB);
* the shapes most feeds send -- ``[ipv4-addr:value = '198.51.100.7']``, ``[file:hashes.'SHA-256' = '...']``,
  comparisons joined with AND/OR inside one ``[...]``, observations joined with AND/OR -- are recognised
  by a small tokenizer that accepts only a strict subset of the grammar.  Whatever it is not sure of goes
  to ``stix2-patterns``; it never rejects anything itself.  The tests check it against the real parser.
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
_CACHEABLE_LENGTH = 16 * 1024

# Tokens of the subset: whitespace, string literal (with the grammar's two escapes), word, operator,
# punctuation, non-negative index.  Anything else (comments, numbers, qualifiers, other literals) fails.
_TOKEN = re.compile(
    r"""[ \t\r\n]+|('(?:[^'\\]|\\['\\])*')|([A-Za-z_][A-Za-z0-9_-]*)|(!=|<=|>=|=|<|>)|([\[\]:.*])|(0|[1-9][0-9]*)(?![0-9.])"""
)
_KEYWORDS = frozenset(
    [
        "AND",
        "OR",
        "NOT",
        "FOLLOWEDBY",
        "LIKE",
        "MATCHES",
        "ISSUPERSET",
        "ISSUBSET",
        "EXISTS",
        "LAST",
        "IN",
        "START",
        "STOP",
        "SECONDS",
        "true",
        "false",
        "WITHIN",
        "REPEATS",
        "TIMES",
    ]
)
_STAR = object()
_LOCATION = re.compile(r"^Error found at line (\d+:\d+)\. ")
_HASH_FORMATS = {name: re.compile(regex) for name, (regex, _label) in HASHES_REGEX.items()}

_Token = tuple[str, str]  # (kind, text) with kind one of: str word op punct int


def _tokens(pattern: str) -> list[_Token] | None:
    out: list[_Token] = []
    pos, end = 0, len(pattern)
    while pos < end:
        match = _TOKEN.match(pattern, pos)
        if match is None:
            return None
        pos = match.end()
        kind = match.lastindex
        if kind is not None:
            out.append((("str", "word", "op", "punct", "int")[kind - 1], match.group(kind)))
    return out


def _unquote(literal: str) -> str:
    return literal[1:-1].replace("\\'", "'").replace("\\\\", "\\")


class _Subset:
    """Recursive-descent recogniser for: obs ((AND|OR|FOLLOWEDBY) obs)*, obs = '[' cmp ((AND|OR) cmp)* ']',
    cmp = type ':' path (=|!=|<|<=|>|>=) (string|integer) | type ':' path (LIKE|MATCHES) string."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("eof", "")

    def take(self, kind: str, text: str | None = None) -> str | None:
        tok_kind, tok_text = self.peek()
        if tok_kind != kind or (text is not None and tok_text != text):
            return None
        self.pos += 1
        return tok_text

    def connector(self) -> bool:
        kind, text = self.peek()
        if kind == "word" and text in ("AND", "OR"):
            self.pos += 1
            return True
        return False

    def pattern(self) -> bool:
        if not self.observation():
            return False
        while self.connector() or self.take("word", "FOLLOWEDBY") is not None:
            if not self.observation():
                return False
        return self.pos == len(self.tokens)

    def observation(self) -> bool:
        if self.take("punct", "[") is None or not self.comparison():
            return False
        while self.connector():
            if not self.comparison():
                return False
        return self.take("punct", "]") is not None

    def identifier(self, hyphen_ok: bool) -> str | None:
        word = self.take("word")
        if word is None or word in _KEYWORDS or (not hyphen_ok and "-" in word):
            return None
        return word

    def comparison(self) -> bool:
        if self.identifier(hyphen_ok=True) is None or self.take("punct", ":") is None:
            return False
        path: list[object] = []
        first = self.take("str")
        path.append(_unquote(first) if first is not None else self.identifier(hyphen_ok=False))
        if path[0] is None:
            return False
        while True:
            if self.take("punct", ".") is not None:
                literal = self.take("str")
                step = _unquote(literal) if literal is not None else self.identifier(hyphen_ok=False)
                if step is None:
                    return False
                path.append(step)
            elif self.take("punct", "[") is not None:
                number = self.take("int")
                if (number is None and self.take("punct", "*") is None) or self.take("punct", "]") is None:
                    return False
                path.append(_STAR if number is None else int(number))
            else:
                break
        operator = self.take("op")
        if operator is None:
            kind, text = self.peek()
            if kind != "word" or text not in ("LIKE", "MATCHES"):
                return False
            self.pos += 1
        value = self.take("str") or (self.take("int") if operator is not None else None)
        return value is not None and _hash_ok(path, value)


def _hash_ok(path: list[object], literal: str) -> bool:
    """Mirror stix2-patterns' hash-value check; False means 'let the real parser decide'."""
    if "hashes" not in path:
        return True
    last = path[-1]
    if last is _STAR:
        return True
    if not isinstance(last, str):
        return False
    fmt = _HASH_FORMATS.get(last.upper().replace("-", "").replace("'", ""))
    return fmt is None or fmt.match(literal.replace("'", "")) is not None


def _fast_accept(pattern: str) -> bool:
    """True only for patterns in the simple subset, which the STIX 2.1 grammar certainly accepts."""
    tokens = _tokens(pattern)
    return tokens is not None and _Subset(tokens).pattern()


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
    """None if a `pattern_type: stix` pattern parses with the STIX 2.1 patterning grammar, else one line saying why."""
    if not isinstance(pattern, str):
        return "pattern must be a string"
    if len(pattern) > _CACHEABLE_LENGTH:
        return _problem(pattern)
    return _cached_problem(pattern)
