"""The norms catalogue: the eleven UN GGE 2015 norms, each with implementation items."""

from __future__ import annotations

import pytest

from gotong.errors import NotFound
from gotong.norms import catalogue, norm


def test_the_eleven_un_gge_norms_a_to_k_each_with_items() -> None:
    norms = catalogue().norms
    assert [n.id for n in norms if n.origin == "un-gge-2015"] == list("abcdefghijk")
    assert all(n.items for n in norms)
    ids = [item.id for n in norms for item in n.items]
    assert len(ids) == len(set(ids)), "item ids are unique across the catalogue"
    assert all(item.id.startswith(n.id) for n in norms for item in n.items)


def test_a_norm_by_id_and_an_unknown_one_named_in_the_refusal() -> None:
    assert norm("h").title == "Answer requests for assistance"
    with pytest.raises(NotFound, match=r"no norm 'z'.*a, b, c"):
        norm("z")
