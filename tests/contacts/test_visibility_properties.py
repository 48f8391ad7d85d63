"""Property: whatever visibility each field carries, every reader sees exactly the fields the rule allows."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from gotong.contacts.schemas import DEFAULT_VISIBILITY
from gotong.contacts.service import view
from gotong.sharing.policy import FieldVisibility

OWNER, MEMBER, HUB = 2, 3, 1
VALUES = {
    "name": "Desk", "email": "desk@example.org", "pgp_key": None, "phone": "+66 2 123 4567",
    "webhook_url": "https://hooks.example/g", "chat": "@desk", "timezone": "Asia/Bangkok",
    "business_hours": {"days": [0, 1], "start": "09:00:00", "end": "17:00:00"}, "out_of_hours": "call",
    "services": ["Exercises"], "asns": [64500], "networks": ["203.0.113.0/24"], "domains": ["example.org"],
    "alternates": [7],
}  # fmt: skip

marks = st.fixed_dictionaries({name: st.sampled_from(list(FieldVisibility)) for name in DEFAULT_VISIBILITY})


def _allowed(mark: FieldVisibility, reader: int | None) -> bool:
    if reader in (OWNER, HUB):
        return True
    if reader == MEMBER:
        return mark != FieldVisibility.HUB
    return mark == FieldVisibility.PUBLIC


@given(marks=marks, reader=st.sampled_from([None, OWNER, MEMBER, HUB]))
def test_every_field_is_shown_exactly_to_its_audience(
    marks: dict[str, FieldVisibility], reader: int | None
) -> None:
    row = SimpleNamespace(
        id=5, org_id=OWNER, short_name="ThaiCERT", role="duty-desk", webhook_secret="s" * 64, updated_at=0,
        document={"fields": VALUES, "visibility": {k: str(v) for k, v in marks.items()}},
    )  # fmt: skip
    seen = view(row, reader_org_id=reader, hub_org_id=HUB)  # type: ignore[arg-type]
    dumped = seen.model_dump(mode="json")
    for name, mark in marks.items():
        if _allowed(mark, reader):
            assert name not in seen.hidden and dumped[name] == VALUES[name], name
        else:
            assert name in seen.hidden and dumped[name] is None, name
    assert (seen.webhook_secret is not None) == (reader in (OWNER, HUB))
