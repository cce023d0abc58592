"""Alembic migrations of our tables (engine, CRM, integrations): how production changes schema.

``clientflow migrate`` runs them; developers add one after changing a model with
``alembic -c clientflow_cli/migrations/alembic.ini revision --autogenerate -m "..."``.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config

from crm import metadata as crm_metadata
from engine.models import metadata as engine_metadata
from integrations import metadata as integrations_metadata

HERE = Path(__file__).parent


def target_metadata() -> list[sa.MetaData]:
    """The engine's tables, the CRM's and the integrations' journal, on one database."""
    return [engine_metadata, crm_metadata, integrations_metadata]


def alembic_config(url: str | None = None) -> Config:
    """A configuration for Alembic's commands; ``url`` overrides CLIENTFLOW_DATABASE_URL."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if url is not None:
        config.attributes["url"] = url
    return config
