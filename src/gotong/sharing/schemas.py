"""REST shapes of the sharing domain: groups and access receipts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gotong.sharing.models import GroupKind
from gotong.sharing.receipts import Receipt

__all__ = ["GroupCreate", "GroupPublic", "GroupUpdate", "ReceiptPublic"]


class GroupCreate(BaseModel):
    """A new sharing group, owned by the caller's organisation."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    members: list[str]
    kind: GroupKind = GroupKind.COMMUNITY


class GroupUpdate(BaseModel):
    """Members to add and to remove."""

    model_config = ConfigDict(extra="forbid")
    add: list[str] = []
    remove: list[str] = []


class GroupPublic(BaseModel):
    """A sharing group and the marking-definition id objects cite to address it."""

    name: str
    kind: str
    owner: str
    members: list[str]
    marking_id: str
    members_withheld: bool = Field(
        default=False, description="true: a named-recipients group whose members only its members may know"
    )


# Answers that are the domain's own records, so the two cannot drift apart.
ReceiptPublic = Receipt
