"""A fast, strict STIX 2.1 object validator for the ingest path.

The per-type knowledge (required properties, property kinds, formats, closed enumerations, rules across
properties) lives in ``data/stix21.json``; it is compiled once, at import, into tables of small check
functions, so validating an object is a handful of dict look-ups and cheap tests.  The decisions where the
spec leaves room (precision of ``created``/``modified``, custom properties, what SCOs may carry) are
explained and pinned in ``tests/stix/test_validate_rules.py``.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from gotong.stix.patterns import pattern_problem
from gotong.stix.timestamps import TimestampError, parse_timestamp, timestamp_precision

__all__ = ["extension_properties", "validate_object"]

Check = Callable[[Any, str], "str | None"]  # (value, property path) -> message, or None when fine
Rule = Callable[[Mapping[str, Any], str], "str | None"]  # (object, subject for messages) -> message

_DATA: dict[str, Any] = json.loads(
    resources.files("gotong.stix").joinpath("data", "stix21.json").read_text(encoding="utf-8")
)
_FORMATS = {name: (re.compile(f"(?:{rx})\\Z"), what) for name, (rx, what) in _DATA["formats"].items()}
_UUID, _TYPE, _PROPERTY_NAME = _FORMATS["uuid"][0], _FORMATS["type"][0], _FORMATS["property-name"][0]
_ID = re.compile(f"({_DATA['formats']['type'][0]})--(?:{_DATA['formats']['uuid'][0]})\\Z")
_HASH_FORMATS = {name: re.compile(f"(?:{rx})\\Z") for name, rx in _DATA["hash_formats"].items()}
_RESERVED = frozenset(_DATA["reserved_properties"])
_NEW_TYPE_CATEGORY: dict[str, str] = _DATA["new_type_extensions"]
_TLP: dict[str, str] = _DATA["tlp"]
_GROUPS: dict[str, set[str]] = {"sdo": set(), "sro": set(), "sco": set(), "smo": {"bundle"}}
for _name, _facts in _DATA["types"].items():
    _GROUPS[_facts["category"] if _facts["category"] in _GROUPS else "smo"].add(_name)
_EXAMPLE_TIME = "2024-01-31T23:59:59.123Z"
_good_names: set[str] = set()  # custom property names already found well formed


def _show(value: object) -> str:
    """A short rendering of a bad value for a message (never the whole of a big one)."""
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) or abs(value) < 10**18 else "a very large number"
    return "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a value"


def _names(props: list[str]) -> str:
    return ", ".join(f"'{p}'" for p in props)


def _parsed(value: str) -> tuple[tuple[datetime, str], int] | None:
    """(sort key, fractional digits) of a valid timestamp, else None; cached, as feeds repeat them."""
    return _parsed_cached(value) if len(value) <= 64 else _parse(value)  # only small keys in the cache


def _parse(value: str) -> tuple[tuple[datetime, str], int] | None:
    try:
        moment = parse_timestamp(value)
    except TimestampError:
        return None
    dot = value.find(".")  # the key keeps digits beyond microseconds, for exact comparisons
    return (moment, value[dot + 7 : -1].rstrip("0") if dot != -1 else ""), timestamp_precision(value)


_parsed_cached = lru_cache(maxsize=32_768)(_parse)


def _ts_key(value: object) -> tuple[datetime, str] | None:
    info = _parsed(value) if isinstance(value, str) else None
    return info and info[0]


@lru_cache(maxsize=32_768)
def _ref_type_cached(value: str) -> str | None:
    match = _ID.match(value)
    return None if match is None else match.group(1)


def _ref_type(value: str) -> str | None:
    """The type part of an identifier, or None; cached, as feeds repeat identity and marking ids."""
    return _ref_type_cached(value) if len(value) <= 300 else None  # types are at most 250 characters


# --- property kinds (see the "about" entry of stix21.json) ------------------------------------------


def _noop(v: Any, p: str) -> str | None:
    return None


def _typed(test: Callable[[Any], bool], what: str) -> Check:
    return lambda v, p: None if test(v) else f"property '{p}' must be {what}, not {_show(v)}"


def _instance(kind: type, what: str) -> Check:  # _typed for a plain isinstance test, one call cheaper
    return lambda v, p: None if isinstance(v, kind) else f"property '{p}' must be {what}, not {_show(v)}"


def _strings(v: Any, p: str) -> str | None:
    if isinstance(v, list) and v:
        for i, x in enumerate(v):
            if not isinstance(x, str):
                return f"property '{p}[{i}]' must be a string, not {_show(x)}"
        return None
    return f"property '{p}' must be a non-empty list of strings"


def _ranged(arg: str, integer: bool) -> Check:
    low, _, high = arg.partition(":")
    lo, hi = float(low) if low else -math.inf, float(high) if high else math.inf
    bounds = f" from {low} to {high}" if high else f" of at least {low}" if low else ""

    def test(v: Any) -> bool:  # bool is an int to Python, and JSON numbers are finite
        if isinstance(v, bool) or not isinstance(v, int if integer else int | float):
            return False
        return lo <= v <= hi and (isinstance(v, int) or math.isfinite(v))

    return _typed(test, ("an integer" if integer else "a number") + bounds)


def _timestamp(precision: str) -> Check:
    def check(v: Any, p: str) -> str | None:
        info = _parsed(v) if isinstance(v, str) else None
        if info is None:
            return f"property '{p}' must be an RFC 3339 UTC timestamp like {_EXAMPLE_TIME}, not {_show(v)}"
        if precision == "ms" and info[1] < 3:
            return f"property '{p}' must have millisecond precision or finer, like {_EXAMPLE_TIME}"
        if precision == "s" and info[1] != 0:
            return f"property '{p}' must be in whole seconds, like 2024-01-31T23:59:59Z"
        return None

    return check


def _ipv6(v: Any) -> bool:
    try:
        ipaddress.IPv6Network(v, strict=False)
    except (ValueError, TypeError):
        return False
    return isinstance(v, str)


def _ref(arg: str) -> Check:
    negate, targets = arg.startswith("!"), set[str]()
    for name in arg.lstrip("!").split("|") if arg else ():
        targets |= _GROUPS[name[1:]] if name.startswith("@") else {name}
    wanted = " or ".join(sorted(targets))
    example = sorted(targets)[0] if targets and not negate else "<type>"

    def check(v: Any, p: str) -> str | None:
        kind = _ref_type(v) if isinstance(v, str) else None
        if kind is None:
            return f"property '{p}' must be an identifier like '{example}--<UUID>', not {_show(v)}"
        if targets and (kind in targets) == negate:
            if negate:
                return f"property '{p}' cannot refer to a {kind!r} object"
            return f"property '{p}' must refer to {wanted}, not {kind!r}"
        return None

    return check


def _list_of(item: Check, what: str) -> Check:
    def check(v: Any, p: str) -> str | None:
        if not isinstance(v, list) or not v:
            return f"property '{p}' must be a non-empty list of {what}"
        for i, x in enumerate(v):
            if item(x, p) is not None:  # the exact path is only worth building for a message
                return item(x, f"{p}[{i}]")
        return None

    return check


def _dictionary(key: re.Pattern[str], value: Check) -> Check:
    def check(v: Any, p: str) -> str | None:
        if not isinstance(v, dict) or not v:
            return f"property '{p}' must be a non-empty object"
        for k, x in v.items():
            if not isinstance(k, str) or not key.match(k):
                return f"property '{p}' has an invalid key {_show(k)}"
            msg = value(x, f"{p}.{k}")
            if msg:
                return msg
        return None

    return check


def _hash_value(v: Any, p: str) -> str | None:
    name = p.rpartition(".")[2]  # hash names have no '.'
    fmt = _HASH_FORMATS.get(name)
    if isinstance(v, str) and v and (fmt is None or fmt.match(v)):
        return None
    return f"property '{p}' must be a valid {name} hash, not {_show(v)}"


def _kind(kind: str) -> Check:
    name, _, arg = kind.partition(":")
    if name in ("hex", "binary", "mac", "ipv4", "slug", "lang"):
        regex, what = _FORMATS[name]
        return _typed(lambda v: isinstance(v, str) and regex.match(v) is not None, what)
    if name in ("extensions", "granular-markings", "definition"):
        return _noop  # checked by the rules that see the whole object
    if name.startswith("timestamp"):
        return _timestamp(name.partition("-")[2])
    if name in ("langs", "enums"):
        return _list_of(_kind("lang" if name == "langs" else f"enum:{arg}"), "strings")
    if name in ("integer", "number"):
        return _ranged(arg, name == "integer")
    if name in ("ref", "refs"):
        return _ref(arg) if name == "ref" else _list_of(_ref(arg), "identifiers")
    if name in ("object", "objects"):
        embedded = lambda v, p: _check_embedded(_EMBEDDED[arg], v, p)  # noqa: E731 - resolved lazily
        return embedded if name == "object" else _list_of(embedded, "objects")
    if name == "enum":
        allowed = frozenset(arg.split("|"))
        return _typed(lambda v: isinstance(v, str) and v in allowed, f"one of {_names(arg.split('|'))}")
    key, lang = _FORMATS["dictionary-key"][0], _FORMATS["lang"][0]
    return {
        "string": _instance(str, "a string"),
        "boolean": _instance(bool, "true or false"),
        "strings": _strings,
        "ipv6": _typed(_ipv6, "an IPv6 address or CIDR block"),
        "hashes": _dictionary(_FORMATS["hash-name"][0], _hash_value),
        "dict": _dictionary(key, _typed(lambda v: v is not None and v != [], "a value (not null or [])")),
        "observables": _dictionary(key, _typed(lambda v: isinstance(v, dict) and "type" in v, "an SCO")),
        "lang-contents": _dictionary(
            lang, _typed(lambda v: isinstance(v, dict) and bool(v), "a non-empty object")
        ),
    }[name]


# --- rules across properties ---------------------------------------------------------------------------


def _rule(spec: list[Any]) -> Rule:  # one small closure per kind of rule
    kind, args = spec[0], spec[1:]
    if kind in ("later", "not-earlier"):
        late, early = args
        word = "later than" if kind == "later" else "later than or equal to"

        def order(o: Mapping[str, Any], s: str) -> str | None:
            if late in o and early in o:
                a, b = _ts_key(o[late]), _ts_key(o[early])
                if a is not None and b is not None and (a <= b if kind == "later" else a < b):
                    return f"property '{late}' must be {word} '{early}'"
            return None

        return order
    if kind in ("any-of", "one-of"):
        props, amount = args[0], "at least" if kind == "any-of" else "exactly"

        def count(o: Mapping[str, Any], s: str) -> str | None:
            n = sum(p in o for p in props)
            return (
                None if n == 1 or (n and kind == "any-of") else f"{s} needs {amount} one of {_names(props)}"
            )

        return count
    if kind == "together":
        return lambda o, s: (
            None if len({p in o for p in args[0]}) == 1 else f"{s} needs {_names(args[0])} together"
        )
    if kind == "if-value":  # value "*": whenever the property is present
        prop, value, verb, others = args
        what, shown = (
            "also needs" if verb == "requires" else "must not have",
            "" if value == "*" else f" {json.dumps(value)}",
        )

        def conditional(o: Mapping[str, Any], s: str) -> str | None:
            if prop in o and (
                value == "*" or o[prop] is value or (isinstance(value, str) and o[prop] == value)
            ):
                for n in others:
                    if (n in o) != (verb == "requires"):
                        return f"{s} has '{prop}'{shown} so it {what} '{n}'"
            return None

        return conditional
    if kind == "if-value-format":
        prop, value, target, regex, shape = args
        compiled = re.compile(regex + r"\Z")

        def fmt(o: Mapping[str, Any], s: str) -> str | None:
            t = o.get(target)
            if o.get(prop) == value and isinstance(t, str) and not compiled.match(t):
                return f"{s}: '{target}' must look like {shape} when '{prop}' is '{value}'"
            return None

        return fmt
    if kind == "requires-item":
        prop, holder, item = args

        def item_rule(o: Mapping[str, Any], s: str) -> str | None:
            held = o.get(holder)
            if prop in o and not (isinstance(held, list) and item in held):
                return f"property '{prop}' is only allowed when '{holder}' includes '{item}'"
            return None

        return item_rule
    if kind == "stix-pattern":
        return _pattern_rule
    raise ValueError(f"unknown rule {kind!r} in stix21.json")


def _pattern_rule(o: Mapping[str, Any], s: str) -> str | None:
    pattern = o.get("pattern")
    if o.get("pattern_type") == "stix" and isinstance(pattern, str):
        problem = pattern_problem(pattern)
        return None if problem is None else f"property 'pattern' {problem.removeprefix('pattern ')}"
    return None


def _extensions_rule(o: Mapping[str, Any], s: str) -> str | None:
    exts = o.get("extensions")
    if exts is None:
        return None
    if not isinstance(exts, dict) or not exts:
        return "property 'extensions' must be a non-empty object"
    for key, value in exts.items():
        path = f"extensions.{key}"
        defined = isinstance(key, str) and key.startswith("extension-definition--") and _UUID.match(key, 22)
        spec = _EMBEDDED["extension"] if defined else _EXTENSIONS.get(key) if isinstance(key, str) else None
        if spec is None:
            return f"'extensions' key {_show(key)} is neither 'extension-definition--<UUID>' nor predefined"
        if spec.on and o.get("type") not in spec.on:
            return f"extension '{key}' is only defined for {' and '.join(sorted(spec.on))} objects"
        msg = _check_embedded(spec, value, path)
        if msg:
            return msg
    return None


def _selects(o: Any, selector: str) -> bool:
    for part in selector.split("."):
        index = part[1:-1]
        if part[:1] == "[" and part[-1:] == "]" and index.isascii() and index.isdigit():
            if not isinstance(o, list) or int(index) >= len(o):
                return False
            o = o[int(index)]
        elif isinstance(o, dict) and part in o:
            o = o[part]
        else:
            return False
    return True


def _granular_rule(o: Mapping[str, Any], s: str) -> str | None:
    markings = o.get("granular_markings")
    if markings is None:
        return None
    if not isinstance(markings, list) or not markings:
        return "property 'granular_markings' must be a non-empty list of objects"
    for i, marking in enumerate(markings):
        path = f"granular_markings[{i}]"
        msg = _check_embedded(_EMBEDDED["granular-marking"], marking, path)
        if msg:
            return msg
        for selector in marking["selectors"]:
            if not _selects(o, selector):
                return (
                    f"property '{path}.selectors' has {_show(selector)}, which selects nothing in this object"
                )
        if "marking_ref" in marking and marking["marking_ref"] == o.get("id"):
            return f"property '{path}.marking_ref' must not refer to the object itself"
    return None


def _marking_rule(o: Mapping[str, Any], s: str) -> str | None:
    kind, definition, refs = o.get("definition_type"), o.get("definition"), o.get("object_marking_refs")
    if isinstance(refs, list) and o.get("id") in refs:
        return "property 'object_marking_refs' must not refer to the marking definition itself"
    if "definition" in o and (not isinstance(definition, dict) or not definition):
        return "property 'definition' must be a non-empty object"
    if kind == "tlp" and isinstance(definition, dict):
        colour = definition.get("tlp")
        if not isinstance(colour, str) or colour not in _TLP:
            return f"property 'definition.tlp' must be one of {_names(list(_TLP))}"
        fixed = {"id": _TLP[colour], "name": f"TLP:{colour.upper()}", "created": _DATA["tlp_created"]}
        for prop, value in fixed.items():
            if o.get(prop) != value:
                return f"property '{prop}' of the TLP:{colour.upper()} marking definition must be '{value}'"
    statement = definition.get("statement") if isinstance(definition, dict) else ""
    if kind == "statement" and not isinstance(statement, str):
        return "property 'definition.statement' must be a string"
    return None


# --- compiled tables -----------------------------------------------------------------------------------


class _Spec:
    """Compiled facts for an object type, an embedded object or a predefined extension."""

    def __init__(self, facts: Mapping[str, Any], category: str | None = None, label: str = "") -> None:
        cat = _DATA["categories"][category] if category else {"required": [], "not_applicable": []}
        kinds = {
            k: v for k, v in _DATA["common_properties"].items() if category and k not in cat["not_applicable"]
        }
        kinds.update(facts.get("properties", {}))
        self.checks: dict[str, Check] = {name: _kind(kind) for name, kind in kinds.items()}
        self.required = tuple(dict.fromkeys([*cat["required"], *facts.get("required", ())]))
        self.required_set = frozenset(self.required)
        self.rules = tuple(_rule(r) for r in facts.get("rules", ()))
        self.on = frozenset(facts.get("on", ()))
        self.not_applicable, self.label = frozenset(cat["not_applicable"]), label
        self.not_applicable_label = cat.get("label", "")
        if category:  # a top-level object
            self.checks.update(type=_noop, id=_noop, spec_version=_SPEC_VERSION)
            special: list[Rule] = [_extensions_rule, _granular_rule]
            special += [_rule(["not-earlier", "modified", "created"])] if "modified" in self.checks else []
            special += [_marking_rule] if category == "marking-definition" else []
            self.rules = (*special, *self.rules)


def _check_embedded(spec: _Spec, value: Any, path: str) -> str | None:
    if not isinstance(value, dict) or not value:
        return f"property '{path}' must be a non-empty object"
    if not value.keys() >= spec.required_set:
        missing = next(name for name in spec.required if name not in value)
        return f"property '{path}' is missing required property '{missing}'"
    checks = spec.checks
    for k, v in value.items():
        check = checks.get(k)
        if check is not None and check(v, path) is not None:
            return check(v, f"{path}.{k}")
    for rule in spec.rules:
        msg = rule(value, f"property '{path}'")
        if msg:
            return msg
    return None


_SPEC_VERSION = _typed(lambda v: v == "2.1", "'2.1'")
_EMBEDDED = {name: _Spec(facts) for name, facts in _DATA["embedded"].items()}
_EXTENSIONS = {name: _Spec(facts) for name, facts in _DATA["extensions"].items()}
_TYPES = {name: _Spec(facts, facts["category"], f"{name} object") for name, facts in _DATA["types"].items()}
_CUSTOM = {cat: _Spec({}, cat) for cat in ("sdo", "sro", "sco")}
_ANY_REF = _ref("")
_ANY_REFS = _list_of(_ANY_REF, "identifiers")


def _custom_spec(o: Mapping[str, Any], kind: str) -> _Spec | None:
    exts = o.get("extensions")
    for key, value in exts.items() if isinstance(exts, dict) else ():
        new = value.get("extension_type") if isinstance(value, dict) else None
        if (
            isinstance(key, str)
            and key.startswith("extension-definition--")
            and new in ("new-sdo", "new-sco", "new-sro")
        ):
            return _CUSTOM[_NEW_TYPE_CATEGORY[new]]
    if kind.startswith("x-"):
        return _CUSTOM["sdo" if "created" in o or "modified" in o else "sco"]
    return None


def _other_property(name: object, value: Any, spec: _Spec) -> str | None:
    """A property the type does not define: custom, reserved, or one its category must not carry."""
    if not isinstance(name, str):
        return f"property names must be strings, not {_show(name)}"
    if name in spec.not_applicable:
        return f"property '{name}' is not allowed on {spec.not_applicable_label}"
    if name in _RESERVED:
        return f"property '{name}' is reserved in STIX 2.1 and must not be used"
    if name not in _good_names:
        if not _PROPERTY_NAME.match(name):
            return f"property name {_show(name)} must be {_FORMATS['property-name'][1]}"
        if len(_good_names) < 10_000:
            _good_names.add(name)
    if value is None or value == []:
        return f"property '{name}' must not be {'null' if value is None else 'an empty list'}"
    if name.endswith("_ref") and not name.startswith("x_"):
        return _ANY_REF(value, name)
    if name.endswith("_refs") and not name.startswith("x_"):
        return _ANY_REFS(value, name)
    return None


def _validate(o: object) -> list[str]:
    if not isinstance(o, dict):
        return [f"a STIX object must be a JSON object, not {_show(o)}"]
    kind = o.get("type")
    if kind is None:
        return ["missing required property 'type'"]
    if not isinstance(kind, str) or not 3 <= len(kind) <= 250 or not _TYPE.match(kind):
        return [f"'type' must be {_FORMATS['type'][1]}, not {_show(kind)}"]
    if kind == "bundle":
        return ["a bundle is not a STIX object: validate each of its 'objects' on its own"]
    spec = _TYPES.get(kind) or _custom_spec(o, kind)
    if spec is None:
        return [
            f"unknown object type {kind!r} (custom types start with 'x-' or use a new-sdo/sco/sro extension)"
        ]
    problems = []
    if not o.keys() >= spec.required_set:
        problems = [f"missing required property '{name}'" for name in spec.required if name not in o]
    oid, cut = o.get("id"), len(kind) + 2
    if oid is not None and not (isinstance(oid, str) and oid[:cut] == kind + "--" and _UUID.match(oid, cut)):
        problems.append(f"'id' must be '{kind}--<UUID>'")
    checks = spec.checks
    for name, value in o.items():
        check = checks.get(name)
        msg = check(value, name) if check is not None else _other_property(name, value, spec)
        if msg:
            problems.append(msg)
    subject = spec.label or f"{kind} object"
    for rule in spec.rules:
        msg = rule(o, subject)
        if msg:
            problems.append(msg)
    return problems


MAX_DEPTH = 64  # levels of nested objects and lists; orjson cannot write more than 255


def _too_deep(obj: object) -> bool:
    """Does ``obj`` nest dicts and lists deeper than :data:`MAX_DEPTH`? (iterative: no recursion limit)"""
    stack: list[tuple[object, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, dict | list))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, dict | list))
    return False


def validate_object(obj: object) -> list[str]:
    """Return the problems with one STIX 2.1 object; an empty list means valid."""
    if _too_deep(obj):
        return [f"the object nests values deeper than {MAX_DEPTH} levels"]
    try:
        return _validate(obj)
    except Exception as exc:  # a bug here must not take the ingest path down; the tests pin that it holds
        return [f"object could not be checked ({type(exc).__name__})"]


def extension_properties(name: str) -> tuple[dict[str, str], list[str]]:
    """The properties of the predefined extension ``name`` as ``data/stix21.json`` describes them
    (property -> kind, e.g. ``"integer:0:100"`` or ``"enum:a|b"``), and those it requires: what a
    form offers for it."""
    found = _DATA["extensions"].get(name)
    if not isinstance(found, dict):
        raise KeyError(name)
    return dict(found.get("properties", {})), list(found.get("required", []))
