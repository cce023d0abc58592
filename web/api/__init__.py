"""The REST API under ``/api`` (JSON; API.md lists the routes): flask-smorest + marshmallow.

One module per area; ``init_api(app)`` registers them all and serves the
OpenAPI document at ``/api/openapi.json``.
"""

from __future__ import annotations

from flask import Flask

from . import auth, customers, instances, messages, processes, reports, tasks
from ._base import ClientflowApi, configure

AREAS = (
    ("/api/auth", auth.blp),
    ("/api/tasks", tasks.blp),
    ("/api/processes", processes.blp),
    ("/api/instances", instances.blp),
    ("/api/messages", messages.blp),
    ("/api/customers", customers.blp),
    ("/api/reports", reports.blp),
)
API_KEY = "clientflow.api"


def init_api(app: Flask) -> ClientflowApi:
    """Bind the API to ``app`` (after ``init_auth``: routes rely on its user loaders)."""
    configure(app)
    api = ClientflowApi(app)
    for prefix, blp in AREAS:
        api.register_blueprint(blp, url_prefix=prefix)
    app.extensions[API_KEY] = api
    return api


__all__ = ["init_api"]
