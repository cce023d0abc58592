"""REST endpoints over the engine façade; error statuses come from ``web.errors``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..context import current_engine

bp = Blueprint("api", __name__)


@bp.get("/processes")
def processes() -> Response:
    """Deployed processes, each with its current version."""
    return jsonify({"items": current_engine().processes()})
