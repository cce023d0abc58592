"""clientflow's web app: server-rendered pages and the REST API over one engine.

``create_app()`` is the only entry point (``gunicorn 'web:create_app()'``);
configuration comes from CLIENTFLOW_* variables (``from_prefixed_env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from engine import Engine

from . import api, health, pages
from .context import ENGINE_KEY, engine_from_config
from .errors import register_error_handlers


def create_app(engine: Engine | None = None, config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app over ``engine``, or over one built from CLIENTFLOW_DATABASE_URL."""
    app = Flask(__name__)
    app.config.from_prefixed_env("CLIENTFLOW")
    if config is not None:
        app.config.from_mapping(config)
    app.extensions[ENGINE_KEY] = engine if engine is not None else engine_from_config(app.config)
    register_error_handlers(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    return app


__all__ = ["create_app"]
