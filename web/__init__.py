"""clientflow's web app: server-rendered pages and the REST API over one engine.

``create_app()`` is the only entry point (``gunicorn 'web:create_app()'``);
configuration comes from CLIENTFLOW_* variables (``from_prefixed_env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import handlers
from engine import Engine

from . import admin, api, auth, customers, health, inbox, operations, pages, processes, start, tasks
from .context import ENGINE_KEY
from .errors import register_error_handlers
from .hooks import init_hooks
from .i18n import init_i18n


def create_app(engine: Engine | None = None, config: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app over ``engine``, or over one built from CLIENTFLOW_DATABASE_URL."""
    app = Flask(__name__)
    app.config.from_prefixed_env("CLIENTFLOW")
    if config is not None:
        app.config.from_mapping(config)
    if engine is None:
        engine = handlers.build_engine(app.config.get("DATABASE_URL"))
    app.extensions[ENGINE_KEY] = engine
    auth.init_auth(app)
    init_i18n(app)
    register_error_handlers(app)
    register_blueprints(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Every area of the app, one blueprint each (add yours on its own line)."""
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(start.bp)
    app.register_blueprint(customers.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(processes.bp)  # /processes: versions, overlays, modeler
    app.register_blueprint(operations.bp)  # /operations: instances, incidents (admins)
    app.register_blueprint(admin.bp)  # /admin: users, groups, calendars (admins)
    api.init_api(app)  # the REST API's areas and /api/openapi.json
    init_hooks(app)  # /hooks/*: signed telephony and email webhooks


__all__ = ["create_app"]
