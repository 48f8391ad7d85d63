"""Alembic environment: runs migrations on the engine handed over by gotong.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import gotong.audit.models
import gotong.contacts.models
import gotong.correlation.models
import gotong.federation.models
import gotong.feeds.models
import gotong.intel.models
import gotong.orgs.models
import gotong.sharing.models  # noqa: F401  (tables register on the shared metadata)
from gotong.db.meta import metadata

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url") or "")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
