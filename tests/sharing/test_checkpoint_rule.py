"""Who may read the node's audit checkpoints: the rule lives in the sharing policy (issue 13), and
the witness endpoints ask it (tests/federation/test_witness.py walks them over HTTP)."""

from __future__ import annotations

from gotong.sharing.policy import may_read_checkpoints

PEERS = {7, 9}


def test_the_organisation_of_a_configured_peer_may_read_them() -> None:
    assert may_read_checkpoints(org_id=7, admin=False, federated_org_ids=PEERS)


def test_another_member_may_not_learn_how_much_the_node_holds() -> None:
    assert not may_read_checkpoints(org_id=3, admin=False, federated_org_ids=PEERS)
    assert may_read_checkpoints(org_id=3, admin=True, federated_org_ids=PEERS), "the node's admins may"


def test_nobody_unauthenticated_may_even_with_no_peers_configured() -> None:
    assert not may_read_checkpoints(org_id=None, admin=True, federated_org_ids=PEERS)
    assert not may_read_checkpoints(org_id=3, admin=False, federated_org_ids=set())
