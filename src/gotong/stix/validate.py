"""A fast, strict STIX 2.1 object validator for the ingest path.

The per-type knowledge (required properties, property kinds, closed enumerations, cross-property rules)
lives in ``data/stix21.json``; it is compiled once, at import, into tables of small check functions, so
validating an object is a handful of dict look-ups and cheap type tests.  See that file for the kinds.

Decisions (see also the tests):

* ``created``/``modified`` (and ``object_modified``) need millisecond precision *or finer*, as the OASIS
  schemas (``\\.\\d{3,}Z``) and python-stix2 read "precise to the nearest millisecond".
* Unknown top-level properties are accepted when their names are valid (3-250 of ``a-z0-9_``), as STIX 2.1
  allows custom properties and top-level property extensions; ``*_ref``/``*_refs`` ones must hold
  identifiers unless ``x_``-prefixed.  Reserved names, ``null`` values and empty lists are refused.
* SCOs must not carry the SDO/SRO-only common properties (``created``, ``modified``, ``created_by_ref``,
  ``revoked``, ``labels``, ``confidence``, ``lang``, ``external_references``); ``defanged`` is SCO-only.
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

__all__ = ["validate_object"]

Check = Callable[[Any, str], "str | None"]  # (value, property path) -> message or None
Rule = Callable[[Mapping[str, Any], str], "str | None"]  # (object, subject) -> message or None

_DATA: dict[str, Any] = json.loads(
    resources.files("gotong.stix").joinpath("data", "stix21.json").read_text(encoding="utf-8")
)
_UUID_TEXT = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
_UUID = re.compile(_UUID_TEXT + r"\Z")
_TYPE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
_ID = re.compile(r"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)--" + _UUID_TEXT + r"\Z")
_PROPERTY_NAME = re.compile(r"[a-z0-9_]{3,250}\Z")
_DICT_KEY = re.compile(r"[a-zA-Z0-9_-]{1,250}\Z")
_HASH_KEY = re.compile(r"[a-zA-Z0-9_-]{3,250}\Z")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+\Z")
_BINARY = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)\Z")
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}\Z")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:/(?:3[0-2]|[12]?\d))?\Z")
_LANG = re.compile(  # RFC 5646 well-formed tags with a 2-3 letter language, plus private-use / grandfathered i-
    r"(?:[a-zA-Z]{2,3}(?:-[a-zA-Z]{3}){0,3}(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|\d{3}))?"
    r"(?:-(?:[a-zA-Z0-9]{5,8}|\d[a-zA-Z0-9]{3}))*(?:-[0-9a-wyzA-WYZ](?:-[a-zA-Z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[a-zA-Z0-9]{1,8})+)?|[xX](?:-[a-zA-Z0-9]{1,8})+|i-[a-zA-Z]{2,8})\Z"
)
_TIMESTAMP_EXAMPLE = "2024-01-31T23:59:59.123Z"
_HASH_FORMATS = {name: re.compile(regex + r"\Z") for name, regex in _DATA["hash_formats"].items()}
_RESERVED = frozenset(_DATA["reserved_properties"])
_EXTENSION_TYPES = frozenset(_DATA["extension_types"])
_NEW_TYPE_CATEGORY: dict[str, str] = _DATA["new_type_extensions"]
_TLP: dict[str, str] = _DATA["tlp"]
_TLP_CREATED: str = _DATA["tlp_created"]
_GROUPS: dict[str, set[str]] = {"sdo": set(), "sro": set(), "sco": set(), "smo": set()}
for _name, _facts in _DATA["types"].items():
    _GROUPS[_facts["category"] if _facts["category"] in ("sdo", "sro", "sco") else "smo"].add(_name)
_good_names: set[str] = set()  # custom property names already found well-formed


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return "null" if value is None else f"a {_json_type(value)}"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {dict: "object", list: "list", str: "string"}.get(type(value), type(value).__name__)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)  # type: ignore[arg-type]


# --- property kinds -------------------------------------------------------------------------------


def _string(v: Any, p: str) -> str | None:
    return None if isinstance(v, str) else f"property '{p}' must be a string, not {_show(v)}"


def _boolean(v: Any, p: str) -> str | None:
    return None if isinstance(v, bool) else f"property '{p}' must be true or false, not {_show(v)}"


def _noop(v: Any, p: str) -> str | None:
    return None


def _spec_version(v: Any, p: str) -> str | None:
    return None if v == "2.1" else f"property 'spec_version' must be '2.1', not {_show(v)}"


def _ranged(arg: str, test: Callable[[object], bool], what: str) -> Check:
    lo_text, _, hi_text = arg.partition(":")
    lo = float(lo_text) if lo_text else -math.inf
    hi = float(hi_text) if hi_text else math.inf
    bounds = "" if not arg else f" from {lo_text} to {hi_text}" if hi_text else f" of at least {lo_text}"

    def check(v: Any, p: str) -> str | None:
        if test(v) and lo <= v <= hi:
            return None
        return f"property '{p}' must be {what}{bounds}, not {_show(v) if not test(v) else v}"

    return check


@lru_cache(maxsize=32_768)
def _parsed(value: str) -> tuple[tuple[datetime, str], int] | None:
    """(sort key, fractional digits) of a valid timestamp string, else None; cached, as feeds repeat them."""
    try:
        moment = parse_timestamp(value)
    except TimestampError:
        return None
    dot = value.find(".")
    return (moment.replace(microsecond=0), value[dot + 1 : -1].rstrip("0") if dot != -1 else ""), (
        timestamp_precision(value)
    )


def _ts_key(value: object) -> tuple[datetime, str] | None:
    info = _parsed(value) if isinstance(value, str) else None
    return None if info is None else info[0]


def _timestamp(precision: str) -> Check:
    def check(v: Any, p: str) -> str | None:
        info = _parsed(v) if isinstance(v, str) else None
        if info is None:
            return f"property '{p}' must be an RFC 3339 UTC timestamp like {_TIMESTAMP_EXAMPLE}, not {_show(v)}"
        if precision == "ms" and info[1] < 3:
            return f"property '{p}' must have millisecond precision or finer, like {_TIMESTAMP_EXAMPLE}"
        if precision == "s" and info[1] != 0:
            return f"property '{p}' must be in whole seconds, like 2024-01-31T23:59:59Z"
        return None

    return check


def _pattern_kind(regex: re.Pattern[str], what: str) -> Check:
    def check(v: Any, p: str) -> str | None:
        if isinstance(v, str) and regex.match(v):
            return None
        return f"property '{p}' must be {what}, not {_show(v)}"

    return check


def _ipv6(v: Any, p: str) -> str | None:
    try:
        ipaddress.IPv6Network(v, strict=False)
    except (ValueError, TypeError):
        return f"property '{p}' must be an IPv6 address or CIDR block, not {_show(v)}"
    return None


def _enum(arg: str) -> Check:
    allowed = frozenset(arg.split("|"))
    listed = ", ".join(repr(a) for a in arg.split("|"))

    def check(v: Any, p: str) -> str | None:
        return None if isinstance(v, str) and v in allowed else f"property '{p}' must be one of {listed}"

    return check


@lru_cache(maxsize=32_768)
def _ref_type(value: str) -> str | None:
    """The type part of an identifier, or None; cached, as feeds repeat identity and marking ids."""
    match = _ID.match(value)
    return None if match is None else match.group(1)


def _ref(arg: str) -> Check:
    negate = arg.startswith("!")
    targets: set[str] = set()
    for name in arg.lstrip("!").split("|") if arg else ():
        targets |= _GROUPS[name[1:]] if name.startswith("@") else {name}
    example = next(iter(targets)) if targets and not negate else "<type>"
    wanted = " or ".join(sorted(targets))

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


def _dictionary(key: re.Pattern[str], value: Check | None = None) -> Check:
    def check(v: Any, p: str) -> str | None:
        if not isinstance(v, dict) or not v:
            return f"property '{p}' must be a non-empty object"
        for k, x in v.items():
            if not isinstance(k, str) or not key.match(k):
                return f"property '{p}' has an invalid key {_show(k)}"
            if value is not None and value(x, p) is not None:
                return value(x, f"{p}.{k}")
            elif x is None or x == []:
                return f"property '{p}.{k}' must not be null or an empty list"
        return None

    return check


def _hashes(v: Any, p: str) -> str | None:
    if not isinstance(v, dict) or not v:
        return f"property '{p}' must be a non-empty object of hash values"
    for k, x in v.items():
        if not isinstance(k, str) or not _HASH_KEY.match(k):
            return f"property '{p}' has an invalid hash algorithm name {_show(k)}"
        fmt = _HASH_FORMATS.get(k)
        if not isinstance(x, str) or not x or (fmt is not None and not fmt.match(x)):
            return f"property '{p}.{k}' must be a valid {k} hash, not {_show(x)}"
    return None


def _observable(v: Any, p: str) -> str | None:
    ok = isinstance(v, dict) and isinstance(v.get("type"), str)
    return None if ok else f"property '{p}' must be a cyber-observable object with a 'type'"


def _lang_content(v: Any, p: str) -> str | None:
    return None if isinstance(v, dict) and v else f"property '{p}' must be a non-empty object"


def _kind(kind: str) -> Check:
    name, _, arg = kind.partition(":")
    simple: dict[str, Check] = {
        "string": _string, "boolean": _boolean, "extensions": _noop, "granular-markings": _noop,
        "definition": _noop, "hashes": _hashes,
        "dict": _dictionary(_DICT_KEY), "observables": _dictionary(_DICT_KEY, _observable),
        "hex": _pattern_kind(_HEX, "hex bytes"), "binary": _pattern_kind(_BINARY, "base64-encoded"),
        "mac": _pattern_kind(_MAC, "a lowercase, colon-separated MAC-48 address like 'a1:b2:c3:d4:e5:f6'"),
        "ipv4": _pattern_kind(_IPV4, "an IPv4 address or CIDR block"), "ipv6": _ipv6,
        "slug": _pattern_kind(_SLUG, "made of a-z, 0-9 and single '-'"),
        "lang": _pattern_kind(_LANG, "an RFC 5646 language tag like 'en' or 'pt-BR'"),
        "timestamp": _timestamp(""), "timestamp-ms": _timestamp("ms"), "timestamp-s": _timestamp("s"),
    }
    if name in simple:
        return simple[name]
    if name == "lang-contents":
        return _dictionary(_LANG, _lang_content)
    if name in ("strings", "langs", "enums"):
        return _list_of(_kind({"strings": "string", "langs": "lang", "enums": f"enum:{arg}"}[name]), "strings")
    if name in ("integer", "number"):
        return _ranged(arg, _is_int if name == "integer" else _is_number, "an integer" if name == "integer" else "a number")
    if name == "enum":
        return _enum(arg)
    if name in ("ref", "refs"):
        return _ref(arg) if name == "ref" else _list_of(_ref(arg), "identifiers")
    if name in ("object", "objects"):
        return _embedded(arg) if name == "object" else _list_of(_embedded(arg), "objects")
    raise ValueError(f"unknown property kind {kind!r} in stix21.json")


# --- rules across properties ------------------------------------------------------------------------


def _names(props: list[str]) -> str:
    return ", ".join(f"'{p}'" for p in props)


def _rule(spec: list[Any]) -> Rule:  # noqa: C901 - one small closure per rule kind
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
        props = args[0]

        def count(o: Mapping[str, Any], s: str) -> str | None:
            n = sum(p in o for p in props)
            if n == 0 or (n > 1 and kind == "one-of"):
                return f"{s} needs {'at least' if kind == 'any-of' else 'exactly'} one of {_names(props)}"
            return None

        return count
    if kind == "together":
        return lambda o, s: None if len({p in o for p in args[0]}) == 1 else f"{s} needs {_names(args[0])} together"
    if kind == "requires":
        first, needed = args
        return lambda o, s: next(
            (f"{s} has '{first}' so it also needs '{n}'" for n in needed if first in o and n not in o), None
        )
    if kind == "if-value":
        prop, value, verb, others = args

        def conditional(o: Mapping[str, Any], s: str) -> str | None:
            if prop in o and o[prop] is value or (isinstance(value, str) and o.get(prop) == value):
                for n in others:
                    if (n in o) != (verb == "requires"):
                        what = "also needs" if verb == "requires" else "must not have"
                        return f"{s} has '{prop}' {json.dumps(value)} so it {what} '{n}'"
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


class _Spec:
    """Compiled facts for one object type, embedded object or extension."""

    __slots__ = ("checks", "label", "not_applicable", "not_applicable_label", "on", "required", "required_set", "rules")

    def __init__(self, facts: Mapping[str, Any], common: Mapping[str, str] | None = None, label: str = "") -> None:
        kinds = {**(common or {}), **facts.get("properties", {})}
        self.checks: dict[str, Check] = {name: _kind(kind) for name, kind in kinds.items()}
        self.required: tuple[str, ...] = tuple(facts.get("required", ()))
        self.required_set = frozenset(self.required)
        self.rules: tuple[Rule, ...] = tuple(_rule(r) for r in facts.get("rules", ()))
        self.not_applicable: frozenset[str] = frozenset()
        self.not_applicable_label = ""
        self.label = label
        self.on: frozenset[str] = frozenset(facts.get("on", ()))


_EMBEDDED: dict[str, _Spec] = {}


def _embedded(name: str) -> Check:
    def check(v: Any, p: str) -> str | None:
        return _check_embedded(_EMBEDDED[name], v, p)

    return check


def _check_embedded(spec: _Spec, value: Any, path: str) -> str | None:
    if not isinstance(value, dict) or not value:
        return f"property '{path}' must be a non-empty object"
    for name in spec.required:
        if name not in value:
            return f"property '{path}' is missing required property '{name}'"
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


# --- rules that need the whole object ---------------------------------------------------------------


def _extensions_rule(o: Mapping[str, Any], s: str) -> str | None:
    exts = o.get("extensions")
    if exts is None:
        return None
    if not isinstance(exts, dict) or not exts:
        return "property 'extensions' must be a non-empty object"
    for key, value in exts.items():
        path = f"extensions.{key}"
        if isinstance(key, str) and key.startswith("extension-definition--") and _UUID.match(key, 22):
            if not isinstance(value, dict):
                return f"property '{path}' must be an object"
            kind = value.get("extension_type")
            if kind is None:
                return f"property '{path}' is missing required property 'extension_type'"
            if not isinstance(kind, str) or kind not in _EXTENSION_TYPES:
                return f"property '{path}.extension_type' must be one of {_names(sorted(_EXTENSION_TYPES))}"
            continue
        spec = _EXTENSIONS.get(key) if isinstance(key, str) else None
        if spec is None:
            return f"'extensions' key {_show(key)} must be 'extension-definition--<UUID>' or a predefined extension"
        if o.get("type") not in spec.on:
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
                return f"property '{path}.selectors' has {_show(selector)}, which selects nothing in this object"
        if o.get("type") == "marking-definition" and marking.get("marking_ref") == o.get("id"):
            return f"property '{path}.marking_ref' must not refer to this marking definition itself"
    return None


def _marking_rule(o: Mapping[str, Any], s: str) -> str | None:
    kind, definition = o.get("definition_type"), o.get("definition")
    refs = o.get("object_marking_refs")
    if isinstance(refs, list) and o.get("id") in refs:
        return "property 'object_marking_refs' must not refer to this marking definition itself"
    if "definition" in o and (not isinstance(definition, dict) or not definition):
        return "property 'definition' must be a non-empty object"
    if kind == "tlp" and isinstance(definition, dict):
        colour = definition.get("tlp")
        if not isinstance(colour, str) or colour not in _TLP:
            return f"property 'definition.tlp' must be one of {_names(list(_TLP))}"
        for prop, value in (("id", _TLP[colour]), ("name", f"TLP:{colour.upper()}"), ("created", _TLP_CREATED)):
            if o.get(prop) != value:
                return f"property '{prop}' of the TLP:{colour.upper()} marking definition must be '{value}'"
    elif kind == "statement" and isinstance(definition, dict) and not isinstance(definition.get("statement"), str):
        return "property 'definition.statement' must be a string"
    return None


def _modified_rule(o: Mapping[str, Any], s: str) -> str | None:
    if "modified" in o and "created" in o:
        modified, created = _ts_key(o["modified"]), _ts_key(o["created"])
        if modified is not None and created is not None and modified < created:
            return "property 'modified' must be later than or equal to 'created'"
    return None


# --- tables ------------------------------------------------------------------------------------------

_EMBEDDED.update({name: _Spec(facts) for name, facts in _DATA["embedded"].items()})
_EXTENSIONS = {name: _Spec(facts) for name, facts in _DATA["extensions"].items()}
_ALWAYS: tuple[Rule, ...] = (_extensions_rule, _granular_rule)
_CHECKED_ELSEWHERE = {"type": _noop, "id": _noop}


def _compile(facts: Mapping[str, Any], category: str, label: str) -> _Spec:
    cat = _DATA["categories"][category]
    common = {k: v for k, v in _DATA["common_properties"].items() if k not in cat["not_applicable"]}
    spec = _Spec(facts, {**common, "spec_version": "string"}, label)
    spec.checks.update(_CHECKED_ELSEWHERE, spec_version=_spec_version)
    spec.required = tuple(dict.fromkeys([*cat["required"], *spec.required]))
    spec.required_set = frozenset(spec.required)
    spec.not_applicable = frozenset(cat["not_applicable"])
    spec.not_applicable_label = cat["label"]
    extra = [_modified_rule] if "modified" in spec.checks else []
    extra += [_marking_rule] if category == "marking-definition" else []
    spec.rules = (*_ALWAYS, *extra, *spec.rules)
    return spec


_TYPES = {name: _compile(facts, facts["category"], f"{name} object") for name, facts in _DATA["types"].items()}
_CUSTOM = {cat: _compile({}, cat, "custom object") for cat in ("sdo", "sro", "sco")}


def _custom_spec(o: Mapping[str, Any], kind: str) -> _Spec | None:
    exts = o.get("extensions")
    if isinstance(exts, dict):
        for key, value in exts.items():
            new = value.get("extension_type") if isinstance(value, dict) else None
            if isinstance(key, str) and key.startswith("extension-definition--") and isinstance(new, str):
                if new in _NEW_TYPE_CATEGORY:
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
            return f"property name {_show(name)} must be 3-250 characters of a-z, 0-9 and '_'"
        if len(_good_names) < 10_000:
            _good_names.add(name)
    if value is None or value == []:
        return f"property '{name}' must not be {'null' if value is None else 'an empty list'}"
    if not name.startswith("x_"):
        if name.endswith("_ref"):
            return _ANY_REF(value, name)
        if name.endswith("_refs"):
            return _ANY_REFS(value, name)
    return None


_ANY_REF = _ref("")
_ANY_REFS = _list_of(_ANY_REF, "identifiers")


def _validate(o: object) -> list[str]:
    if not isinstance(o, dict):
        return [f"a STIX object must be a JSON object, not {_show(o)}"]
    kind = o.get("type")
    if kind is None:
        return ["missing required property 'type'"]
    if not isinstance(kind, str) or not 3 <= len(kind) <= 250 or not _TYPE.match(kind):
        return [f"'type' must be 3-250 characters of a-z, 0-9 and single '-' starting with a letter, not {_show(kind)}"]
    spec = _TYPES.get(kind) or _custom_spec(o, kind)
    if spec is None:
        return [f"unknown object type {kind!r} (a custom type must start with 'x-' or use a new-sdo/new-sco/new-sro extension)"]
    problems = [] if o.keys() >= spec.required_set else [f"missing required property '{n}'" for n in spec.required if n not in o]
    oid = o.get("id")
    if oid is not None and not (
        isinstance(oid, str) and oid.startswith(kind) and oid[len(kind) : len(kind) + 2] == "--"
        and _UUID.match(oid, len(kind) + 2)
    ):
        problems.append(f"'id' must be '{kind}--<UUID>'")
    checks = spec.checks
    for name, value in o.items():
        check = checks.get(name)
        msg = check(value, name) if check is not None else _other_property(name, value, spec)
        if msg:
            problems.append(msg)
    subject = spec.label if spec.label != "custom object" else f"{kind} object"
    for rule in spec.rules:
        msg = rule(o, subject)
        if msg:
            problems.append(msg)
    return problems


def validate_object(obj: object) -> list[str]:
    """Return the problems with one STIX 2.1 object; an empty list means valid."""
    try:
        return _validate(obj)
    except Exception as exc:  # a bug here must not take the ingest path down with it
        return [f"object could not be checked ({type(exc).__name__})"]
