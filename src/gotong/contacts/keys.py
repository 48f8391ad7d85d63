"""OpenPGP keys of contacts, read by GnuPG (through python-gnupg) in a throw-away keyring.

Nothing is trusted or kept: the key is imported into a temporary GNUPGHOME only to read its
fingerprint, algorithm, length and expiry, and the folder is removed at once.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass

from gotong.errors import Invalid

__all__ = ["KeyFacts", "read_key"]

# GnuPG's algorithm numbers (RFC 4880 section 9.1, RFC 9580).
_ALGORITHMS = {"1": "RSA", "2": "RSA", "3": "RSA", "16": "ElGamal", "17": "DSA", "18": "ECDH", "19": "ECDSA",
               "22": "EdDSA", "25": "X25519", "27": "Ed25519"}  # fmt: skip
_MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class KeyFacts:
    fingerprint: str
    algorithm: str
    bits: int
    expires_at: int | None  # seconds since the epoch; None: never
    weak: str | None  # why the key is weak, or None

    def expired(self, now_seconds: float) -> bool:
        return self.expires_at is not None and self.expires_at <= now_seconds


def read_key(armored: str) -> KeyFacts:
    """The facts of the primary key in ``armored`` (an ASCII-armored public key); Invalid if none."""
    import gnupg  # type: ignore[import-untyped]  # imported here: only contacts with a key need GnuPG

    if shutil.which("gpg") is None:
        raise Invalid("this node cannot read OpenPGP keys: GnuPG (gpg) is not installed")
    home = tempfile.mkdtemp(prefix="gotong-gpg-")
    try:
        gpg = gnupg.GPG(gnupghome=home)
        imported = gpg.import_keys(armored)
        if not imported.fingerprints:
            raise Invalid("pgp_key: not an OpenPGP public key GnuPG can read")
        keys = gpg.list_keys()
        if len(keys) != 1:
            raise Invalid(f"pgp_key: give exactly one key, not {len(keys)}")
        key = keys[0]
    finally:
        shutil.rmtree(home, ignore_errors=True)
    algorithm = _ALGORITHMS.get(str(key.get("algo")), f"algorithm {key.get('algo')}")
    bits = int(key.get("length") or 0)
    weak = None
    if algorithm == "DSA":
        weak = "DSA keys are weak"
    elif algorithm == "RSA" and bits < _MIN_RSA_BITS:
        weak = f"an RSA key of {bits} bits is weak (fewer than {_MIN_RSA_BITS})"
    expires = str(key.get("expires") or "")
    return KeyFacts(
        fingerprint=str(key["fingerprint"]),
        algorithm=algorithm,
        bits=bits,
        expires_at=int(expires) if expires.isdigit() else None,
        weak=weak,
    )
