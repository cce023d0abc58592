"""The engine the app works on: given by the caller, or built from configuration.

``gunicorn 'web:create_app()'`` builds its own, with the operators of ``handlers``
and of the modules named in CLIENTFLOW_PLUGINS, as ``clientflow serve`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

import crm
import handlers
from engine import Database, Engine

ENGINE_KEY = "clientflow.engine"


def engine_from_config(config: Mapping[str, Any]) -> Engine:
    """An engine over ``DATABASE_URL`` (CLIENTFLOW_DATABASE_URL), embedded SQLite if unset.

    Operators come from :func:`handlers.load_operators`, as for the CLI and
    workers; the CRM's connection-level write guard is installed on its engine.
    """
    engine = Engine(Database(config.get("DATABASE_URL")), handlers.load_operators())
    crm.install_guard(engine.db.engine)
    return engine


def current_engine() -> Engine:
    """The engine of the app handling the current request."""
    engine: Engine = current_app.extensions[ENGINE_KEY]
    return engine
