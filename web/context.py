"""The engine the app works on: given by the caller, or built from configuration.

``gunicorn 'web:create_app()'`` builds its own, with the operators of ``handlers``
and of the modules named in CLIENTFLOW_PLUGINS (:func:`handlers.build_engine`), as
``clientflow serve`` does.
"""

from __future__ import annotations

from flask import current_app

from engine import Engine

ENGINE_KEY = "clientflow.engine"


def current_engine() -> Engine:
    """The engine of the app handling the current request."""
    engine: Engine = current_app.extensions[ENGINE_KEY]
    return engine
