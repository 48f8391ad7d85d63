"""Create or upgrade a database to the newest schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("gotong.db").joinpath("migrations")))
    # ConfigParser interpolates "%", which URL-escaped options (search_path) contain.
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied; running it again changes nothing."""
    command.upgrade(alembic_config(engine), "head")


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """The schema revision the database is at (None: never initialised) and the newest one shipped."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head
