"""Alembic's entry point: migrate the engine's and the CRM's tables on one database.

The URL is ``config.attributes["url"]`` when a caller passes one, else
CLIENTFLOW_DATABASE_URL (the embedded SQLite file when unset).
"""

from __future__ import annotations

import logging.config
from typing import Any, Literal

import sqlalchemy as sa
from alembic import context

from clientflow_cli.migrations import target_metadata
from engine._db import create_engine, default_url, normalise_url

config = context.config
if config.config_file_name is not None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

METADATA = target_metadata()
TABLES = {name for metadata in METADATA for name in metadata.tables}


def database_url() -> str:
    url = config.attributes.get("url")
    return normalise_url(url) if url else default_url()


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave alone tables that are not ours (another app's, Celery's) sharing the database."""
    return not (type_ == "table" and reflected and name not in TABLES)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our TypeDecorators (UTC datetimes) as their plain SQL type: no app imports."""
    if type_ == "type" and isinstance(obj, sa.types.TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def options(url: str) -> dict[str, Any]:
    return {
        "target_metadata": METADATA,
        "include_object": include_object,
        "render_item": render_item,
        "render_as_batch": url.startswith("sqlite"),
        "compare_type": True,
    }


def run_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    url = database_url()
    context.configure(url=url, literal_binds=True, **options(url))
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    url = database_url()
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **options(url))
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
