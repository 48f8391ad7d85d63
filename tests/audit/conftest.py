"""The chain tests start from an empty log: the ASEAN preset is applied, then its records removed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete

from gotong.audit.models import audit_log
from gotong.db.engine import make_engine, write_transaction
from gotong.node import init_node


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    init_node(eng, preset="asean")
    with write_transaction(eng) as conn:
        conn.execute(delete(audit_log))
    yield eng
    eng.dispose()
