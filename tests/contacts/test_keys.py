"""OpenPGP keys read by GnuPG: expiry and weak keys are flagged; a sound key is not (control)."""

from __future__ import annotations

import time

import pytest

from gotong.contacts.keys import read_key
from gotong.errors import Invalid
from tests.contacts.conftest import make_key, needs_gpg

pytestmark = needs_gpg


def test_a_sound_key_is_neither_weak_nor_expired() -> None:
    facts = read_key(make_key("ed25519"))
    assert facts.algorithm == "EdDSA" and len(facts.fingerprint) == 40
    assert facts.weak is None and facts.expires_at is None
    assert not facts.expired(time.time())


def test_a_key_that_expired_is_flagged() -> None:
    # Made in 2020 with a lifetime of one day: GnuPG records the expiry; it has passed.
    facts = read_key(make_key("ed25519", expire="1d", faked_time="20200101T000000"))
    assert facts.expires_at == 1577836800 + 86400
    assert facts.expired(time.time())
    assert not facts.expired(1577836800 + 3600)  # an hour after it was made it was still good


def test_a_key_that_expires_later_is_not_yet_expired() -> None:
    facts = read_key(make_key("ed25519", expire="1y"))
    assert facts.expires_at is not None and facts.expires_at > time.time()
    assert not facts.expired(time.time()) and facts.expired(facts.expires_at)


def test_a_short_rsa_key_is_weak() -> None:
    facts = read_key(make_key("rsa1024"))
    assert facts.algorithm == "RSA" and facts.bits == 1024
    assert facts.weak is not None and "1024 bits" in facts.weak
    assert read_key(make_key("rsa2048")).weak is None  # the control: long enough


def test_a_dsa_key_is_weak() -> None:
    facts = read_key(make_key("dsa2048"))
    assert facts.algorithm == "DSA" and facts.weak == "DSA keys are weak"


def test_what_is_not_a_key_is_refused() -> None:
    with pytest.raises(Invalid, match="not an OpenPGP public key"):
        read_key("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n")
