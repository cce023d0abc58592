"""Alembic migrations of the engine's and the CRM's tables: how production changes schema.

``clientflow migrate`` runs them; developers add one after changing a model with
``alembic -c clientflow_cli/migrations/alembic.ini revision --autogenerate -m "..."``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config

from engine.models import metadata as engine_metadata

HERE = Path(__file__).parent


def target_metadata() -> list[sa.MetaData]:
    """The engine's tables and, when the CRM store is installed, the CRM's."""
    crm_metadata = getattr(importlib.import_module("crm"), "metadata", None)
    return [engine_metadata, *([crm_metadata] if crm_metadata is not None else [])]


def alembic_config(url: str | None = None) -> Config:
    """A configuration for Alembic's commands; ``url`` overrides CLIENTFLOW_DATABASE_URL."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    if url is not None:
        config.attributes["url"] = url
    return config
