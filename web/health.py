"""``GET /healthz``: is the app up and can it reach its database (for load balancers)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from .context import current_engine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    db = current_engine().db
    body = {"status": "ok", "database": db.engine.dialect.name}
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        body |= {"status": "error", "message": str(exc).splitlines()[0]}
        return jsonify(body), 503
    return jsonify(body), 200
