"""The named-recipients group of a record's parties: made once, reused, refused once widened."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong.db.engine import write_transaction
from gotong.errors import Invalid
from gotong.sharing.definitions import parties_group
from gotong.sharing.models import GroupKind
from gotong.sharing.service import set_members


def test_made_once_then_reused_and_refused_when_someone_else_was_added(engine: Engine) -> None:
    made = parties_group(
        engine, name="VNCERT+ASEAN-TF", members=["VNCERT", "ASEAN-TF"], owner="VNCERT", what="report"
    )
    assert made.kind == GroupKind.NAMED_RECIPIENTS and sorted(made.members) == ["ASEAN-TF", "VNCERT"]
    again = parties_group(
        engine, name="VNCERT+ASEAN-TF", members=["ASEAN-TF", "VNCERT"], owner="VNCERT", what="report"
    )
    assert again.id == made.id  # the positive control: the same parties get the same group
    with write_transaction(engine) as conn:
        set_members(conn, name="VNCERT+ASEAN-TF", add=["LaoCERT"], actor="test")
    with pytest.raises(Invalid, match=r"no longer holds just ASEAN-TF, VNCERT; name a sharing_group"):
        parties_group(
            engine, name="VNCERT+ASEAN-TF", members=["VNCERT", "ASEAN-TF"], owner="VNCERT", what="report"
        )
