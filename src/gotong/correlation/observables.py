"""The observables of one STIX object, as (kind, normalised value) pairs for the correlation index.

Read from indicators with ``pattern_type: stix`` (the equality facts of the pattern), from SCOs, and from
the embedded ``objects`` of observed-data (deprecated in 2.1 but common; ``object_refs`` point to SCOs
stored on their own, which are read when those SCOs are).  A pure function: no I/O, never raises; the
index itself is built elsewhere.  Not a pattern matcher: ``[ipv4-addr:value = '1.2.3.4' AND
file:name = 'x']`` yields both values, although only their conjunction indicates anything.

Equality facts are ``=`` comparisons and the members of ``IN (...)`` sets, wherever they stand (AND, OR,
FOLLOWEDBY, qualifiers).  ``!=``, ``NOT``, ``LIKE``, ``MATCHES``, orderings, ``ISSUBSET`` and
``ISSUPERSET`` say nothing that equals one value, and are skipped.

Parsing a pattern with ``stix2-patterns`` (ANTLR) costs about 1.3 ms.  Most feed patterns are a few
``type:path = 'literal'`` comparisons in brackets, so a scanner built from the grammar's lexer rules reads
those (a strict subset of the grammar: anything else goes to the parser, and tests compare the two), and
the results per pattern are cached (:func:`functools.lru_cache`, 65,536 patterns of up to 2,048 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from antlr4 import ParserRuleContext, ParseTreeWalker  # type: ignore[import-untyped]
from stix2patterns.v21.grammars.STIXPatternListener import STIXPatternListener
from stix2patterns.v21.grammars.STIXPatternVisitor import STIXPatternVisitor
from stix2patterns.v21.pattern import Pattern

from gotong.correlation.normalise import hash_algorithm, normalise

__all__ = [
    "Indication",
    "Observable",
    "indication_of",
    "normalise",
    "observables_of",
]  # normalise re-exported for callers that import both


@dataclass(frozen=True, slots=True)
class Observable:
    """One observable: a kind such as ``ipv4-addr`` or ``file:hashes.SHA-256`` and its normalised value."""

    kind: str
    value: str


_Comparison = tuple[str, tuple[str, ...], str]  # (object type, property path, literal as text)

_CACHE_SIZE = 65_536
_CACHEABLE_LENGTH = 2048
_ADDRESS = "ipv4-addr|ipv6-addr|domain-name"  # a network-traffic ref: whichever kind the value is
_PATH_KINDS: dict[tuple[str, tuple[str, ...]], str] = {
    **{(t, ("value",)): t for t in ("ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr")},
    ("file", ("name",)): "file:name",
    ("mutex", ("name",)): "mutex:name",
    ("windows-registry-key", ("key",)): "windows-registry-key:key",
    ("autonomous-system", ("number",)): "autonomous-system:number",
    ("network-traffic", ("src_port",)): "network-traffic:src_port",
    ("network-traffic", ("dst_port",)): "network-traffic:dst_port",
    ("network-traffic", ("src_ref", "value")): _ADDRESS,
    ("network-traffic", ("dst_ref", "value")): _ADDRESS,
    ("email-message", ("from_ref", "value")): "email-addr",
    ("email-message", ("sender_ref", "value")): "email-addr",
    **{("email-message", (refs, "[]", "value")): "email-addr" for refs in ("to_refs", "cc_refs", "bcc_refs")},
}
_HASHED_TYPES = frozenset({"file", "x509-certificate"})
# SCO properties (of objects stored on their own or embedded in observed-data) -> kinds; hashes aside.
_SCO_PROPERTIES: dict[str, tuple[tuple[str, str], ...]] = {
    **{t: (("value", t),) for t in ("ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr")},
    "file": (("name", "file:name"),),
    "x509-certificate": (),
    "mutex": (("name", "mutex:name"),),
    "windows-registry-key": (("key", "windows-registry-key:key"),),
    "autonomous-system": (("number", "autonomous-system:number"),),
    "network-traffic": (("src_port", "network-traffic:src_port"), ("dst_port", "network-traffic:dst_port")),
}

# --- the fast path: lexer rules of STIXPattern.g4, restricted -----------------------------------------
# Lower-case object types, path steps that are identifiers other than keywords or quoted without '.' and
# escapes, '=' only, string and integer literals only, white space around keywords: all of it certainly
# parses, and the same way.  (Keywords win over identifiers of the same length; identifiers are maximal
# munch, so a word must end where the lexer would end it.)
_KEYWORDS = "AND|OR|NOT|FOLLOWEDBY|LIKE|MATCHES|ISSUPERSET|ISSUBSET|EXISTS|LAST|IN|START|STOP|SECONDS|true|false|WITHIN|REPEATS|TIMES"  # noqa: E501
_WS = r"[ \t\r\n]*"
_WORD = rf"(?!(?:{_KEYWORDS})(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*"
_STRING = r"'((?:[^'\\]|\\['\\])*)'"
_OPEN = re.compile(rf"{_WS}\[")
_COMPARISON = re.compile(
    rf"{_WS}((?!(?:true|false):)[a-z_][a-z0-9_-]*):({_WORD}(?:\.(?:{_WORD}|'[^'\\.]*'))*){_WS}={_WS}"
    rf"(?:{_STRING}|(0|[1-9][0-9]*))(?=[ \t\r\n\]])"
)
_JOIN = re.compile(r"[ \t\r\n]+(AND|OR)[ \t\r\n]+")
_CLOSE = re.compile(rf"{_WS}\]")
_NEXT = re.compile(rf"[ \t\r\n]+(AND|OR|FOLLOWEDBY)[ \t\r\n]+(?=\[)|{_WS}\Z")
_ESCAPE = re.compile(r"\\(['\\])")


def _fast_tree(pattern: str) -> _Expr | None:
    """The pattern as a tree of equality comparisons, if it is in the simple subset; else None.

    Inside brackets AND binds tighter than OR; between them AND, then OR, then FOLLOWEDBY (the grammar's
    precedence).  FOLLOWEDBY asks for both sides, so it joins like AND here.
    """
    observations: list[_Expr] = []
    operators: list[str] = []
    pos = 0
    while True:
        opened = _OPEN.match(pattern, pos)
        if opened is None:
            return None
        pos = opened.end()
        alternatives: list[list[_Expr]] = [[]]
        while True:
            comparison = _COMPARISON.match(pattern, pos)
            if comparison is None:
                return None
            object_type, path, string, integer = comparison.groups()
            text = integer if string is None else _ESCAPE.sub(r"\1", string)
            alternatives[-1].append((object_type, tuple(step.strip("'") for step in path.split(".")), text))
            joined = _JOIN.match(pattern, pos := comparison.end())
            if joined is None:
                break
            if joined.group(1) == "OR":
                alternatives.append([])
            pos = joined.end()
        closed = _CLOSE.match(pattern, pos)
        following = closed and _NEXT.match(pattern, closed.end())
        if not following:
            return None
        observations.append(_any(_all(parts) for parts in alternatives))
        if following.end() == len(pattern):  # the other alternative ends before a '['
            return _joined(observations, operators)
        operators.append(following.group(1))
        pos = following.end()


def _joined(observations: list[_Expr], operators: list[str]) -> _Expr:
    """Observations joined by AND / OR / FOLLOWEDBY, with the grammar's precedence."""
    sequence: list[list[list[_Expr]]] = [[[observations[0]]]]  # FOLLOWEDBY of ORs of ANDs
    for operator, observation in zip(operators, observations[1:], strict=True):
        if operator == "FOLLOWEDBY":
            sequence.append([[observation]])
        elif operator == "OR":
            sequence[-1].append([observation])
        else:
            sequence[-1][-1].append(observation)
    return _all(_any(_all(conjunction) for conjunction in disjunction) for disjunction in sequence)


def _fast_comparisons(pattern: str) -> list[_Comparison] | None:
    """The equality comparisons of a pattern in the simple subset, or None if it is not in it."""
    tree = _fast_tree(pattern)
    return None if tree is None else list(_leaves(tree))


# --- the general path: the stix2-patterns parse tree --------------------------------------------------


class _Equalities(STIXPatternListener):  # type: ignore[misc]  # stix2-patterns is untyped
    """Collects the equality comparisons while walking a parse tree."""

    def __init__(self) -> None:
        self.found: list[_Comparison] = []
        self._type = ""
        self._path: list[str] = []

    def exitObjectType(self, ctx: Any) -> None:
        self._type = ctx.getText()

    def exitFirstPathComponent(self, ctx: Any) -> None:
        self._path = [_name(ctx)]

    def exitKeyPathStep(self, ctx: Any) -> None:
        self._path.append(_name(ctx))

    def exitIndexPathStep(self, ctx: Any) -> None:
        self._path.append("[]")  # which element does not matter for an equality fact

    def exitPropTestEqual(self, ctx: Any) -> None:
        if ctx.EQ() is not None and ctx.NOT() is None:
            self._add(ctx.primitiveLiteral())

    def exitPropTestSet(self, ctx: Any) -> None:
        if ctx.NOT() is None:
            for literal in ctx.setLiteral().primitiveLiteral():
                self._add(literal)

    def _add(self, literal: Any) -> None:
        value = literal.orderableLiteral()
        if value is None:
            return  # a boolean
        if value.StringLiteral() is not None:
            text: str = _ESCAPE.sub(r"\1", value.getText()[1:-1])
        elif value.IntPosLiteral() is not None or value.IntNegLiteral() is not None:
            text = str(int(value.getText()))
        else:
            return  # binary, hex, float and timestamp literals are no observable values
        self.found.append((self._type, tuple(self._path), text))


def _name(ctx: Any) -> str:
    string = ctx.StringLiteral()
    if string is None:
        return str(ctx.IdentifierWithoutHyphen().getText())
    return _ESCAPE.sub(r"\1", string.getText()[1:-1])


class _Root(STIXPatternVisitor):  # type: ignore[misc]  # stix2-patterns is untyped
    """Hands back the parse tree itself, which :class:`Pattern` keeps to itself otherwise."""

    def visit(self, tree: Any) -> Any:
        return tree


_SIMPLE_RULES = (
    "Pattern",
    "ObservationExpressions",
    "ObservationExpressionOr",
    "ObservationExpressionAnd",
    "ComparisonExpression",
    "ComparisonExpressionAnd",
)
_ENCLOSING_RULES = ("ObservationExpressionSimple", "ObservationExpressionCompound", "PropTestParen")
_QUALIFIED_RULES = (
    "ObservationExpressionRepeated",
    "ObservationExpressionWithin",
    "ObservationExpressionStartStop",
)


def _tree_of(ctx: Any) -> _Expr:
    """The expression tree of a parse-tree node (recursing as deep as the tree is)."""
    rule = type(ctx).__name__.removesuffix("Context")
    if rule in _SIMPLE_RULES:
        children = [c for c in ctx.getChildren() if isinstance(c, ParserRuleContext)]
        if len(children) == 1:
            return _tree_of(children[0])
        operator = ctx.getChild(1).getText()
        parts = [_tree_of(c) for c in children]
        return _any(parts) if operator == "OR" else _all(parts)  # AND, FOLLOWEDBY: both sides
    if rule in _ENCLOSING_RULES:
        return _tree_of(ctx.getChild(1))
    if rule in _QUALIFIED_RULES:
        return _Opaque("a qualifier (REPEATS, WITHIN, START/STOP)", (_tree_of(ctx.getChild(0)),))
    if rule in ("PropTestEqual", "PropTestSet"):
        listener = _Equalities()
        ParseTreeWalker.DEFAULT.walk(listener, ctx)
        if ctx.NOT() is not None or (rule == "PropTestEqual" and ctx.EQ() is None):
            return _Opaque("a comparison other than equality (!=, NOT)")
        if not listener.found:
            return _Opaque("a value that is no observable (a boolean, binary or float literal)")
        return _any(listener.found)
    return _Opaque(f"a comparison other than equality ({_OPERATORS.get(rule, rule)})")


_OPERATORS = {
    "PropTestExists": "EXISTS",
    "PropTestRegex": "MATCHES",
    "PropTestOrder": "<, >, <=, >=",
    "PropTestLike": "LIKE",
    "PropTestIsSubset": "ISSUBSET",
    "PropTestIsSuperset": "ISSUPERSET",
}


def _parsed_tree(pattern: str) -> _Expr | None:
    """The pattern as the STIX 2.1 grammar reads it; None if it does not parse."""
    try:
        return _tree_of(Pattern(pattern).visit(_Root()))
    except Exception:  # ParseException; RecursionError on deep nesting; whatever else ANTLR may throw
        return None


def _parsed_comparisons(pattern: str) -> list[_Comparison]:
    """The equality comparisons the STIX 2.1 grammar reads in a pattern; [] if it does not parse."""
    tree = _parsed_tree(pattern)
    return [] if tree is None else list(_leaves(tree))


# --- the tree, and the observables that indicate on their own ------------------------------------------


@dataclass(frozen=True, slots=True)
class _Opaque:
    """A part of a pattern that is no equality fact (its equality facts, if any, below it)."""

    reason: str
    parts: tuple[_Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class _All:
    parts: tuple[_Expr, ...]


@dataclass(frozen=True, slots=True)
class _Any:
    parts: tuple[_Expr, ...]


_Expr = _Comparison | _Opaque | _All | _Any


def _all(parts: Iterable[_Expr]) -> _Expr:
    found = tuple(parts)
    return found[0] if len(found) == 1 else _All(found)


def _any(parts: Iterable[_Expr]) -> _Expr:
    found = tuple(parts)
    return found[0] if len(found) == 1 else _Any(found)


def _leaves(expr: _Expr) -> Iterator[_Comparison]:
    """The equality comparisons of a tree, in the order they were written."""
    if isinstance(expr, tuple):
        yield expr
    else:
        for part in expr.parts:
            yield from _leaves(part)


_MAX_ALTERNATIVES = 256
_TOGETHER = "facts about more than one value, which count only together (AND, FOLLOWEDBY)"


def _alternatives(expr: _Expr) -> list[tuple[_Comparison | _Opaque, ...]] | None:
    """The pattern as alternatives (disjunctive normal form), each the facts that must all hold;
    None past :data:`_MAX_ALTERNATIVES`."""
    if isinstance(expr, tuple | _Opaque):
        return [(expr,)]
    branches = [_alternatives(part) for part in expr.parts]
    if any(b is None for b in branches):
        return None
    if isinstance(expr, _Any):
        found = [alternative for branch in branches if branch is not None for alternative in branch]
        return found if len(found) <= _MAX_ALTERNATIVES else None
    product: list[tuple[_Comparison | _Opaque, ...]] = [()]
    for branch in branches:
        assert branch is not None
        if len(product) * len(branch) > _MAX_ALTERNATIVES:
            return None
        product = [done + more for done in product for more in branch]
    return product


def _single(alternative: tuple[_Comparison | _Opaque, ...]) -> Observable | str:
    """The one observable an alternative's facts describe, or why they describe no single one.

    ``network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = 'X'`` (as misp-stix
    writes addresses) is one address: a ``type`` fact agreeing with the value beside it adds nothing.
    """
    found: dict[Observable, set[tuple[str, tuple[str, ...]]]] = {}
    types: list[tuple[str, tuple[str, ...], str]] = []
    for fact in alternative:
        if isinstance(fact, _Opaque):
            return fact.reason
        object_type, path, text = fact
        if path[-1:] == ("type",) and len(path) > 1:
            types.append((object_type, path[:-1], text))
            continue
        kind = _kind(object_type, path)
        if kind is None:
            return f"a fact that is no observable ({object_type}:{'.'.join(path)})"
        observable = _observable(kind, text)
        if observable is None:
            return f"a value that is not a valid {kind.split('|')[0]}"
        found.setdefault(observable, set()).add((object_type, path[:-1]))
    if len(found) != 1:
        return _TOGETHER if found else "no value to match"
    [(observable, places)] = found.items()
    if any((t, where) not in places or text != observable.kind for t, where, text in types):
        return _TOGETHER
    return observable


@dataclass(frozen=True, slots=True)
class Indication:
    """What an indicator's pattern says on its own terms: the observables each of which, seen alone,
    matches it; and why the rest of the pattern (if any) cannot be read as such single values."""

    observables: tuple[Observable, ...]
    unexpressed: tuple[str, ...] = ()


def _pattern_indication(pattern: str) -> Indication:
    tree = _fast_tree(pattern)
    if tree is None:
        tree = _parsed_tree(pattern)
    if tree is None:
        return Indication((), ("a pattern that does not parse",))
    alternatives = _alternatives(tree)
    if alternatives is None:
        return Indication((), (f"more than {_MAX_ALTERNATIVES} alternatives",))
    singles = [_single(alternative) for alternative in alternatives]
    return Indication(
        tuple(dict.fromkeys(s for s in singles if isinstance(s, Observable))),
        tuple(dict.fromkeys(s for s in singles if isinstance(s, str))),
    )


_cached_pattern_indication = lru_cache(maxsize=_CACHE_SIZE)(_pattern_indication)


def indication_of(obj: Mapping[str, Any]) -> Indication:
    """The observables of an indicator that each indicate on their own (see :class:`Indication`).

    ``[ipv4-addr:value = 'a' OR domain-name:value = 'b']`` gives both; ``[ipv4-addr:value = 'a' AND
    network-traffic:dst_port = 25]`` gives none, with the reason.  Objects that are no indicator give
    nothing and no reason.  Never raises.
    """
    if not isinstance(obj, Mapping) or obj.get("type") != "indicator":
        return Indication(())
    pattern, pattern_type = obj.get("pattern"), obj.get("pattern_type", "stix")
    if pattern_type != "stix":
        return Indication((), (f"a pattern in {pattern_type!r}, not STIX",))
    if not isinstance(pattern, str):
        return Indication((), ("no pattern",))
    if len(pattern) > _CACHEABLE_LENGTH:
        return _pattern_indication(pattern)
    return _cached_pattern_indication(pattern)


# --- from comparisons and SCO properties to observables -----------------------------------------------


def _kind(object_type: str, path: tuple[str, ...]) -> str | None:
    if len(path) == 2 and path[0] == "hashes" and object_type in _HASHED_TYPES:
        algorithm = hash_algorithm(path[1])
        return None if algorithm is None else f"{object_type}:hashes.{algorithm}"
    return _PATH_KINDS.get((object_type, path))


def _observable(kind: str, value: object) -> Observable | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    for each in kind.split("|"):  # _ADDRESS: the first kind the value is valid for
        normalised = normalise(each, value)
        if normalised is not None:
            return Observable(each, normalised)
    return None


def _unique(candidates: Iterable[Observable | None]) -> list[Observable]:
    return [found for found in dict.fromkeys(candidates) if found is not None]


def _pattern_observables(pattern: str) -> tuple[Observable, ...]:
    comparisons = _fast_comparisons(pattern)
    if comparisons is None:
        comparisons = _parsed_comparisons(pattern)
    found = ((_kind(t, path), text) for t, path, text in comparisons)
    return tuple(_unique(_observable(kind, text) for kind, text in found if kind is not None))


_cached_pattern_observables = lru_cache(maxsize=_CACHE_SIZE)(_pattern_observables)


def _sco_candidates(sco: Mapping[str, Any]) -> Iterator[Observable | None]:
    object_type = sco.get("type")
    if not isinstance(object_type, str):
        return
    for prop, kind in _SCO_PROPERTIES.get(object_type, ()):
        yield _observable(kind, sco.get(prop))
    hashes = sco.get("hashes") if object_type in _HASHED_TYPES else None
    if isinstance(hashes, Mapping):
        for name, digest in hashes.items():
            algorithm = hash_algorithm(name) if isinstance(name, str) else None
            if algorithm is not None:
                yield _observable(f"{object_type}:hashes.{algorithm}", digest)


def observables_of(obj: Mapping[str, Any]) -> list[Observable]:
    """The observables of a STIX object (indicator, observed-data or SCO): deduplicated, in the order
    they appear, normalised (see :mod:`gotong.correlation.normalise`); invalid values are left out.

    Other objects, indicators of other pattern types and unparseable patterns give [].  Never raises.
    """
    if not isinstance(obj, Mapping):
        return []
    object_type = obj.get("type")
    if object_type == "indicator":
        pattern = obj.get("pattern")
        if obj.get("pattern_type", "stix") != "stix" or not isinstance(pattern, str):  # 2.0: no type
            return []
        if len(pattern) > _CACHEABLE_LENGTH:
            return list(_pattern_observables(pattern))
        return list(_cached_pattern_observables(pattern))
    if object_type == "observed-data":
        embedded = obj.get("objects")
        if not isinstance(embedded, Mapping):
            return []
        scos = (sco for sco in embedded.values() if isinstance(sco, Mapping))
        return _unique(found for sco in scos for found in _sco_candidates(sco))
    return _unique(_sco_candidates(obj))
