"""A field of an operational record as it may leave the node for a peer's readers (issue 16): the
sharing policy's ANY_MEMBER reader sees what every member may, and never a hub-only field, though
a real owner or hub would."""

from __future__ import annotations

from gotong.sharing.policy import ANY_MEMBER, FieldVisibility, may_see_field

OWNER, HUB, OTHER = 5, 1, 7


def _sees(visibility: FieldVisibility, reader: int | None) -> bool:
    return may_see_field(visibility, reader_org_id=reader, owner_org_id=OWNER, hub_org_id=HUB)


def test_any_member_reads_public_and_members_fields_only() -> None:
    assert _sees(FieldVisibility.PUBLIC, ANY_MEMBER)
    assert _sees(FieldVisibility.MEMBERS, ANY_MEMBER)
    assert not _sees(FieldVisibility.HUB, ANY_MEMBER)


def test_the_owner_and_the_hub_read_a_hub_only_field_another_member_does_not() -> None:
    assert _sees(FieldVisibility.HUB, OWNER) and _sees(FieldVisibility.HUB, HUB), "the positive control"
    assert not _sees(FieldVisibility.HUB, OTHER)
    assert _sees(FieldVisibility.MEMBERS, OTHER) and not _sees(FieldVisibility.MEMBERS, None)
