"""STIX 2.0 content upgraded to STIX 2.1 on the way in.

The rules follow what STIX 2.1 (OASIS Standard, 10 June 2021) changed from STIX 2.0:

* SDOs, SROs and marking definitions gain ``spec_version: "2.1"``; a bundle loses its ``spec_version``.
* The ``labels`` that 2.0 required on indicator, malware, report, threat-actor and tool move to the 2.1
  ``*_types`` property when they come from the 2.0 suggested vocabulary; other labels stay labels.
  Malware gains the required ``is_family`` (false: a 2.0 malware object says nothing either way).
* Indicators gain ``pattern_type: "stix"``; ``valid_from`` and every timestamp are kept as written.
* Observed data's embedded ``objects`` (2.0's container keyed "0", "1", ...) become SCOs of their own,
  with the identifiers 2.1 section 2.9 defines (UUIDv5 over the ID contributing properties), listed in
  ``object_refs``; their ``*_ref(s)`` are rewritten to those identifiers, and they carry the observed
  data's markings, which in 2.0 covered them.  Properties 2.1 renamed are renamed; properties it
  removed are dropped and reported.
* TLP marking definitions keep their 2.0-era ids and gain the ``name`` 2.1 fixed for them.

What cannot be carried over is reported as a :class:`Problem` naming the object: an object that cannot be
upgraded at all is left out, the rest is kept.  Whether the result is valid STIX 2.1 is for
:mod:`gotong.stix.validate` to say; the upgrade itself only validates the SCOs it makes, so that an
observed-data object and its observables are kept or left out together.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gotong.stix.validate import validate_object

__all__ = ["SCO_NAMESPACE", "Problem", "Upgraded", "sco_id", "upgrade", "upgrade_object"]

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

# The 2.0 suggested label vocabularies (STIX 2.0 Part 1, section 6) and the 2.1 property they move to.
_LABEL_VOCABULARIES: dict[str, tuple[str, frozenset[str]]] = {
    kind: (prop, frozenset(words.split()))
    for kind, prop, words in [
        (
            "indicator",
            "indicator_types",
            "anomalous-activity anonymization benign compromised malicious-activity attribution",
        ),
        (
            "malware",
            "malware_types",
            "adware backdoor bot ddos dropper exploit-kit keylogger ransomware remote-access-trojan"
            " resource-exploitation rogue-security-software rootkit screen-capture spyware trojan virus worm",
        ),
        (
            "report",
            "report_types",
            "threat-report attack-pattern campaign identity indicator malware observed-data threat-actor"
            " tool vulnerability",
        ),
        (
            "threat-actor",
            "threat_actor_types",
            "activist competitor crime-syndicate criminal hacker insider-accidental insider-disgruntled"
            " nation-state sensationalist spy terrorist",
        ),
        (
            "tool",
            "tool_types",
            "denial-of-service exploitation information-gathering network-capture credential-exploitation"
            " remote-access vulnerability-scanning",
        ),
    ]
}

# STIX 2.1 section 6: the ID contributing properties of each SCO type (process has none).
_ID_CONTRIBUTING: dict[str, tuple[str, ...]] = {
    "artifact": ("hashes", "payload_bin"),
    "autonomous-system": ("number",),
    "directory": ("path",),
    "domain-name": ("value",),
    "email-addr": ("value",),
    "email-message": ("from_ref", "subject", "body"),
    "file": ("hashes", "name", "extensions", "parent_directory_ref"),
    "ipv4-addr": ("value",),
    "ipv6-addr": ("value",),
    "mac-addr": ("value",),
    "mutex": ("name",),
    "network-traffic": (
        "start",
        "end",
        "src_ref",
        "dst_ref",
        "src_port",
        "dst_port",
        "protocols",
        "extensions",
    ),
    "process": (),
    "software": ("name", "cpe", "swid", "vendor", "version"),
    "url": ("value",),
    "user-account": ("account_type", "user_id", "account_login"),
    "windows-registry-key": ("key", "values"),
    "x509-certificate": ("hashes", "serial_number"),
}
# When hashes contribute to an identifier, one hash stands for them: the first of these present, else the
# first name in sorted order (python-stix2 takes the first in the object instead).
_HASH_PREFERENCE = ("MD5", "SHA-1", "SHA-256", "SHA-512")

# 2.0 cyber-observable properties that 2.1 renamed, and those it removed.
_TIMES = {"created": "ctime", "modified": "mtime", "accessed": "atime"}
_RENAMED: dict[str, dict[str, str]] = {
    "file": _TIMES,
    "directory": _TIMES,
    "process": {"created": "created_time", "binary_ref": "image_ref"},
    "user-account": {"password_last_changed": "credential_last_changed"},
    "windows-registry-key": {"modified": "modified_time"},
}
_REMOVED: dict[str, frozenset[str]] = {
    "file": frozenset({"is_encrypted", "encryption_algorithm", "decryption_key"}),
    "process": frozenset({"name", "arguments"}),
}
# The predefined 2.0 extensions (the same names in 2.1), and the properties 2.1 removed from them.
_EXTENSIONS: dict[str, frozenset[str]] = {
    "file": frozenset({"ntfs-ext", "raster-image-ext", "pdf-ext", "archive-ext", "windows-pebinary-ext"}),
    "network-traffic": frozenset({"http-request-ext", "tcp-ext", "icmp-ext", "socket-ext"}),
    "process": frozenset({"windows-process-ext", "windows-service-ext"}),
    "user-account": frozenset({"unix-account-ext"}),
}
_REMOVED_FROM_EXTENSION: dict[str, frozenset[str]] = {
    "archive-ext": frozenset({"version"}),
    "raster-image-ext": frozenset({"image_compression_algorithm"}),
    "socket-ext": frozenset({"protocol_family"}),
}
_HASH_NAMES = {"ssdeep": "SSDEEP"}  # the one 2.0 hash name that 2.1 spells differently
_MARKING_KEYS = ("object_marking_refs", "granular_markings")


@dataclass(frozen=True)
class Problem:
    """Something the upgrade could not carry over: a whole object (``skipped``) or a part of it."""

    id: str
    message: str
    skipped: bool


@dataclass
class Upgraded:
    """STIX 2.1 objects made from STIX 2.0 content, and what could not be carried over."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    upgraded: int = 0  # 2.0 objects upgraded (those passed through as 2.1 or left out do not count)
    bundle_id: str | None = None

    def bundle(self) -> dict[str, Any]:
        """The objects as a STIX 2.1 bundle (which has no ``spec_version``), under the 2.0 bundle's id."""
        return {"type": "bundle", "id": self.bundle_id or f"bundle--{uuid.uuid4()}", "objects": self.objects}


class _Skip(Exception):
    """The object cannot be upgraded; the message says why."""


def upgrade(content: Mapping[str, Any]) -> Upgraded:
    """Upgrade a STIX 2.0 bundle, or one STIX 2.0 object, to STIX 2.1 objects.

    Objects already carrying a ``spec_version`` other than "2.0" pass through unchanged.  An SCO that
    several observed-data objects embed is returned once.
    """
    if content.get("type") != "bundle":
        return upgrade_object(content)
    bundle_id = content.get("id")
    result = Upgraded(bundle_id=bundle_id if isinstance(bundle_id, str) else None)
    seen: set[str] = set()  # the SCOs made so far
    for obj in content.get("objects") or ():
        one = upgrade_object(obj)
        result.problems += one.problems
        result.upgraded += one.upgraded
        for sco in one.objects[:-1]:
            key = _canonical(sco)
            if key not in seen:
                seen.add(key)
                result.objects.append(sco)
        result.objects += one.objects[-1:]
    return result


def upgrade_object(obj: Any) -> Upgraded:
    """Upgrade one STIX 2.0 object: the 2.1 object, preceded by the SCOs an observed-data object held."""
    oid = obj.get("id") if isinstance(obj, dict) else None
    subject = oid if isinstance(oid, str) else "unknown"
    try:
        return _upgrade(obj)
    except _Skip as exc:
        return Upgraded(problems=[Problem(subject, str(exc), skipped=True)])
    except Exception as exc:  # content this module did not foresee must not stop an import
        return Upgraded(problems=[Problem(subject, f"could not be upgraded ({type(exc).__name__})", True)])


def sco_id(sco: Mapping[str, Any]) -> str | None:
    """The deterministic identifier STIX 2.1 gives an SCO (UUIDv5 over its ID contributing properties).

    ``sco`` is a 2.1 SCO whose references are identifiers already.  None when the type has no ID
    contributing properties, or the object has none of them: 2.1 then wants a UUIDv4.
    """
    kind = sco["type"]
    contributing = {p: sco[p] for p in _ID_CONTRIBUTING.get(kind, ()) if p in sco}
    if isinstance(contributing.get("hashes"), dict):
        hashes: dict[str, Any] = contributing["hashes"]
        chosen = next((h for h in _HASH_PREFERENCE if h in hashes), min(hashes, default=None))
        if chosen is None:
            del contributing["hashes"]
        else:
            contributing["hashes"] = {chosen: hashes[chosen]}
    if not contributing:
        return None
    return f"{kind}--{uuid.uuid5(SCO_NAMESPACE, _canonical(contributing))}"


# --- objects ---------------------------------------------------------------------------------------------


def _upgrade(obj: Any) -> Upgraded:
    if not isinstance(obj, dict):
        raise _Skip("a STIX object must be a JSON object")
    kind, oid = obj.get("type"), obj.get("id")
    if not isinstance(kind, str) or not isinstance(oid, str):
        raise _Skip("a STIX 2.0 object needs a 'type' and an 'id'")
    if obj.get("spec_version", "2.0") != "2.0" or kind in _ID_CONTRIBUTING:
        # Already 2.1: a 2.0 bundle never holds SCOs at top level, and 2.1 SCOs may omit spec_version.
        return Upgraded(objects=[obj])
    out = {**obj, "spec_version": "2.1"}
    problems: list[Problem] = []
    if kind in _LABEL_VOCABULARIES:
        _move_labels(out, *_LABEL_VOCABULARIES[kind])
    if kind == "indicator":
        out.setdefault("pattern_type", "stix")
    elif kind == "malware":
        out.setdefault("is_family", False)
    elif kind == "marking-definition":
        definition = out.get("definition")
        colour = definition.get("tlp") if isinstance(definition, dict) else None
        if out.get("definition_type") == "tlp" and isinstance(colour, str):
            out.setdefault("name", f"TLP:{colour.upper()}")
    scos: list[dict[str, Any]] = []
    if kind == "observed-data":
        scos = _Observables(out, lambda message: problems.append(Problem(oid, message, False))).upgrade()
    return Upgraded(objects=[*scos, out], problems=problems, upgraded=1)


def _move_labels(obj: dict[str, Any], prop: str, vocabulary: frozenset[str]) -> None:
    labels = obj.get("labels")
    if not isinstance(labels, list):
        return
    moved = [i for i, label in enumerate(labels) if isinstance(label, str) and label in vocabulary]
    if not moved:
        return
    kept = sorted(frozenset(range(len(labels))) - frozenset(moved))
    obj[prop] = [labels[i] for i in moved]
    if kept:
        obj["labels"] = [labels[i] for i in kept]
    else:
        del obj["labels"]
    # Granular markings select by path: point them where each label went.
    place = {i: f"{prop}.[{n}]" for n, i in enumerate(moved)}
    place.update({i: f"labels.[{n}]" for n, i in enumerate(kept)})

    def moved_selector(selector: str) -> list[str]:
        if selector == "labels":
            return [prop, "labels"] if kept else [prop]
        index = selector.removeprefix("labels.[").removesuffix("]")
        if selector.startswith("labels.[") and index.isdigit() and int(index) in place:
            return [place[int(index)]]
        return [selector]

    _remap_selectors(obj, moved_selector)


def _remap_selectors(obj: dict[str, Any], remap: Callable[[str], list[str]]) -> None:
    """Rewrite the selectors of granular markings; a marking left with none is dropped."""
    markings = obj.get("granular_markings")
    if not isinstance(markings, list):
        return
    kept = []
    for marking in markings:
        selectors = marking.get("selectors") if isinstance(marking, dict) else None
        if not isinstance(selectors, list):
            kept.append(marking)
            continue
        new = [s for selector in selectors for s in (remap(selector) if isinstance(selector, str) else [])]
        if new:
            kept.append({**marking, "selectors": list(dict.fromkeys(new))})
    if kept:
        obj["granular_markings"] = kept
    else:
        del obj["granular_markings"]


# --- observed data ---------------------------------------------------------------------------------------


class _Observables:
    """The 2.0 observable container of one observed-data object, turned into 2.1 SCOs."""

    def __init__(self, observed: dict[str, Any], note: Callable[[str], None]) -> None:
        self.observed, self.note = observed, note
        container = observed.pop("objects", None)
        if not isinstance(container, dict) or not container:
            raise _Skip("'objects' must be a non-empty object of cyber observables")
        self.scos: dict[str, dict[str, Any]] = {}
        for key, sco in container.items():
            if not isinstance(sco, dict) or not isinstance(sco.get("type"), str):
                raise _Skip(f"'objects' entry {key!r} is not a cyber observable object")
            self.scos[key] = self._converted(key, sco)
        self.ids: dict[str, str] = {}
        self.resolving: set[str] = set()

    def upgrade(self) -> list[dict[str, Any]]:
        for key in self.scos:
            self.id_of(key)
        out: dict[str, dict[str, Any]] = {}
        for key, sco in self.scos.items():
            out[key] = {"type": sco["type"], "spec_version": "2.1", "id": self.ids[key]}
            out[key].update(self._resolved(key, sco))
        self._carry_markings(out)
        for key, sco in out.items():
            problems = validate_object(sco)
            if problems:
                raise _Skip(
                    f"'objects' entry {key!r} ({sco['type']}) is not valid STIX 2.1 once upgraded: "
                    + "; ".join(problems)
                )
        self.observed["object_refs"] = list(dict.fromkeys(self.ids[key] for key in self.scos))
        return list(out.values())

    def id_of(self, key: str) -> str:
        if key in self.ids:
            return self.ids[key]
        if key in self.resolving:
            raise _Skip(
                f"'objects' entry {key!r} is part of a loop of references among identifying properties"
            )
        self.resolving.add(key)
        sco = self.scos[key]
        contributing = {p: sco[p] for p in _ID_CONTRIBUTING.get(sco["type"], ()) if p in sco}
        found = sco_id({"type": sco["type"], **self._resolved(key, contributing)})
        # No ID contributing properties: 2.1 wants a UUIDv4. A random one would make a new SCO on every
        # import of the same file, so its bits come from a hash of where the object sits instead.
        self.ids[key] = found or f"{sco['type']}--{_uuid4_from(self.observed['id'] + '/' + key)}"
        self.resolving.discard(key)
        return self.ids[key]

    def _converted(self, key: str, sco: dict[str, Any]) -> dict[str, Any]:
        """The 2.0 observable with 2.1's names, and without what 2.1 removed (references still keys)."""
        kind, where = sco["type"], f"'objects' entry {key!r} ({sco['type']})"
        renamed, removed = _RENAMED.get(kind, {}), _REMOVED.get(kind, frozenset())
        out: dict[str, Any] = {}
        for name, value in sco.items():
            if name in removed:
                self.note(f"dropped '{name}' of {where}: STIX 2.1 has no such property")
            elif name not in ("id", "spec_version"):
                out[renamed.get(name, name)] = value
        extensions = out.pop("extensions", None)
        if isinstance(extensions, dict):
            kept = {}
            for name, ext in extensions.items():
                if name not in _EXTENSIONS.get(kind, ()) or not isinstance(ext, dict):
                    self.note(
                        f"dropped extension '{name}' of {where}: STIX 2.1 has no such predefined extension"
                    )
                    continue
                ext = dict(ext)
                for prop in _REMOVED_FROM_EXTENSION.get(name, frozenset()) & ext.keys():
                    self.note(
                        f"dropped '{prop}' of extension '{name}' of {where}: STIX 2.1 has no such property"
                    )
                    del ext[prop]
                if ext:
                    kept[name] = ext
            if kept:
                out["extensions"] = kept
        elif extensions is not None:
            out["extensions"] = extensions
        converted: dict[str, Any] = _renamed_hashes(out)
        return converted

    def _resolved(self, key: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """``props`` with every reference (container key) replaced by the identifier of its SCO."""

        def resolve(name: str, value: Any) -> Any:
            if isinstance(value, str) and value in self.scos:
                return self.id_of(value)
            if name.startswith("x_"):  # a custom property that only looks like a reference
                return value
            raise _Skip(f"'objects' entry {key!r}: '{name}' refers to {value!r}, which is not in 'objects'")

        def refs(holder: Mapping[str, Any]) -> dict[str, Any]:
            out = {}
            for name, value in holder.items():
                if name.endswith("_ref"):
                    value = resolve(name, value)
                elif name.endswith("_refs") and isinstance(value, list):
                    value = [resolve(name, v) for v in value]
                out[name] = value
            return out

        out = refs(props)
        if isinstance(out.get("extensions"), dict):
            out["extensions"] = {
                n: refs(e) if isinstance(e, dict) else e for n, e in out["extensions"].items()
            }
        if isinstance(out.get("body_multipart"), list):
            out["body_multipart"] = [refs(p) if isinstance(p, dict) else p for p in out["body_multipart"]]
        return out

    def _carry_markings(self, scos: dict[str, dict[str, Any]]) -> None:
        """Give each SCO the markings that covered it inside the observed data.

        A granular marking of "objects" or of anything under "objects.<key>" marks the whole SCO: never
        less than 2.0 marked, so an upgrade cannot widen who may see an observable.
        """
        refs = self.observed.get("object_marking_refs")
        marked: dict[str, list[str]] = {key: list(refs) if isinstance(refs, list) else [] for key in scos}

        def inside(selector: str) -> list[str]:
            return [
                k
                for k in scos
                if selector in ("objects", f"objects.{k}") or selector.startswith(f"objects.{k}.")
            ]

        for marking in self.observed.get("granular_markings") or ():
            ref = marking.get("marking_ref") if isinstance(marking, dict) else None
            if not isinstance(ref, str):
                continue
            for selector in marking.get("selectors") or ():
                for key in inside(selector) if isinstance(selector, str) else ():
                    marked[key].append(ref)
        _remap_selectors(self.observed, lambda s: [] if s == "objects" or s.startswith("objects.") else [s])
        for key, sco in scos.items():
            if marked[key]:
                sco["object_marking_refs"] = list(dict.fromkeys(marked[key]))


def _renamed_hashes(value: Any) -> Any:
    """``value`` with 2.0 hash names spelt as in 2.1, wherever a hashes dictionary sits in it."""
    if isinstance(value, list):
        return [_renamed_hashes(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for name, item in value.items():
        if name in ("hashes", "file_header_hashes") and isinstance(item, dict):
            item = {_HASH_NAMES.get(h, h): v for h, v in item.items()}
        out[name] = _renamed_hashes(item)
    return out


def _uuid4_from(name: str) -> uuid.UUID:
    return uuid.UUID(bytes=hashlib.sha256(name.encode()).digest()[:16], version=4)


# --- RFC 8785 JSON canonicalization (what 2.1 section 2.9 hashes) ------------------------------------------


def _canonical(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))  # UTF-16 code unit order
        return "{" + ",".join(f"{_string(k)}:{_canonical(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value) if abs(value) < 2**53 else _number(float(value))
    if isinstance(value, float | Decimal):
        return _number(float(value))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _string(text: str) -> str:
    # json.dumps without ASCII escaping escapes exactly what RFC 8785 does: '"', '\\' and controls.
    return json.dumps(text, ensure_ascii=False)


def _number(value: float) -> str:
    """ECMAScript's Number.prototype.toString, as RFC 8785 requires."""
    if not math.isfinite(value):
        raise ValueError("JSON has no NaN or Infinity")
    if value == 0:
        return "0"
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits, sign = "".join(map(str, digit_tuple)), "-" if value < 0 else ""
    k, n = len(digits), int(exponent) + len(digits)  # value = 0.<digits> * 10**n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{mantissa}e{'+' if n > 0 else '-'}{abs(n - 1)}"
