"""``init-db`` and ``migrate``: the embedded schema and production's migrations."""

from __future__ import annotations

import click
from alembic.util import CommandError

from ..context import display_url, open_engine
from ..errors import CliError
from ..schema import ensure_schema, upgrade


@click.command("init-db")
def init_db() -> None:
    """Create the engine's and the CRM's tables if missing (embedded mode)."""
    with open_engine() as engine:
        fresh = ensure_schema(engine)
        state = "created" if fresh else "ready"
        click.echo(f"database {display_url(engine)}: schema {state}")


@click.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to reach.")
def migrate(revision: str) -> None:
    """Apply the Alembic migrations to CLIENTFLOW_DATABASE_URL (production)."""
    with open_engine() as engine:
        try:
            reached = upgrade(engine, revision)
        except CommandError as exc:
            raise CliError(f"migration failed: {exc}") from exc
        click.echo(f"database {display_url(engine)}: at revision {reached or 'base'}")


COMMANDS = (init_db, migrate)
