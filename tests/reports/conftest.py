"""The scoreboard's scripted world, for the reports: members share at known times on a controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.intel import store
from gotong.orgs.service import get_org
from gotong.sharing.receipts import Retrieval, write_retrievals
from gotong.stix.timestamps import format_micros, micros_of
from tests.helpers import REGIONAL, indicator

# After the preset's own objects (added at the real time): the store's clock only moves forward.
HOUR = 3_600_000_000
T0 = micros_of("2035-03-10T00:00:00Z")
PERIOD = "2035-03"


@dataclass
class World:
    engine: Engine
    clock: list[int] = field(default_factory=lambda: [T0])

    def principal(self, org: str, role: Role = Role.ANALYST) -> Principal:
        with read_connection(self.engine) as conn:
            found = get_org(conn, short_name=org)
        return Principal(org_id=found.id, org_short=found.short_name, role=role)

    def share(
        self,
        org: str,
        *,
        at: int,
        seen_before: int,
        through_hub: bool = False,
        tlp: str = "green",
        **extra: Any,
    ) -> str:
        """``org`` submits an indicator at ``at`` that was first seen ``seen_before`` earlier."""
        self.clock[0] = at
        obj = indicator(tlp=tlp, created=format_micros(at - seen_before), modified=format_micros(at), **extra)
        report = store.add_objects(
            self.engine,
            principal=self.principal(org),
            collection_id=REGIONAL,
            objects=[obj],
            through_hub=through_hub,
        )
        assert not report.failures, report.failures
        return str(obj["id"])

    def retrieve(self, reader: str, ids: list[str], *, at: int) -> None:
        from sqlalchemy import select

        from gotong.intel.models import stix_objects

        with write_transaction(self.engine) as conn:
            seqs = list(
                conn.execute(select(stix_objects.c.seq).where(stix_objects.c.stix_id.in_(ids))).scalars()
            )
            reader_id = get_org(conn, short_name=reader).id
            write_retrievals(conn, [Retrieval(reader_id, None, "taxii", tuple(seqs), at)])


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    made = World(engine)
    monkeypatch.setattr(store, "now_micros", lambda: made.clock[0])
    yield made


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[Any]]]:
    """An aiosmtpd server on loopback: (its port, the messages it received)."""
    from tests.contacts.conftest import smtp_sink

    with smtp_sink() as found:
        yield found
