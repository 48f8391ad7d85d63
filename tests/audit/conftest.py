"""The chain tests start from an empty log: the ASEAN preset is applied, then its records removed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete

from gotong.audit.models import audit_log
from gotong.db.engine import write_transaction
from tests.conftest import NodeTemplate


@pytest.fixture
def engine(database_url: str, node_template: NodeTemplate) -> Iterator[Engine]:
    eng = node_template.make(database_url)
    with write_transaction(eng) as conn:
        conn.execute(delete(audit_log))
    yield eng
    eng.dispose()
