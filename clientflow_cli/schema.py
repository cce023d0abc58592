"""Creating and migrating the schema: the engine's tables and the CRM's, on one database."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext

from engine import Engine

from .migrations import alembic_config, target_metadata


def ensure_schema(engine: Engine) -> bool:
    """Create missing tables (embedded mode); True when the database had none of ours.

    A database created from nothing is stamped at the newest migration, so
    ``clientflow migrate`` can take it over later instead of creating tables twice.
    """
    metadatas = target_metadata()
    ours = {name for metadata in metadatas for name in metadata.tables}
    fresh = not ours & set(sa.inspect(engine.db.engine).get_table_names())
    for metadata in metadatas:
        metadata.create_all(engine.db.engine)
    if fresh:
        command.stamp(alembic_config(engine.db.url), "head")
    return fresh


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Apply the migrations up to ``revision``; returns the revision the database is at."""
    command.upgrade(alembic_config(engine.db.url), revision)
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
