"""The engine the app works on: given by the caller, or built from configuration.

``gunicorn 'web:create_app()'`` builds its own, with the operators of ``handlers``
and of the modules named in CLIENTFLOW_PLUGINS, as ``clientflow serve`` does.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from flask import current_app

import handlers
from engine import Database, Engine, OperatorRegistry

ENGINE_KEY = "clientflow.engine"


def engine_from_config(config: Mapping[str, Any]) -> Engine:
    """An engine over ``DATABASE_URL`` (CLIENTFLOW_DATABASE_URL), embedded SQLite if unset."""
    return Engine(Database(config.get("DATABASE_URL")), load_operators())


def load_operators() -> OperatorRegistry:
    """Registration is explicit: each module's ``register(registry)`` is called once."""
    registry = OperatorRegistry()
    handlers.register(registry)
    for name in os.environ.get("CLIENTFLOW_PLUGINS", "").split(","):
        if name.strip():
            importlib.import_module(name.strip()).register(registry)
    return registry


def current_engine() -> Engine:
    """The engine of the app handling the current request."""
    engine: Engine = current_app.extensions[ENGINE_KEY]
    return engine
