"""The only place that turns errors into HTTP status codes.

The API answers JSON ``{"error": code, "message": ...}``; pages answer a short
HTML page. The engine never chooses a status; this table does.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine import Conflict, DefinitionError, EngineError, FormInvalid, NotAllowed, NotFound

# most specific first: InstanceNotActive is a Conflict
STATUS: tuple[tuple[type[EngineError], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (NotAllowed, 403, "forbidden"),
    (Conflict, 409, "conflict"),
    (FormInvalid, 422, "invalid_form"),
    (DefinitionError, 422, "invalid_definition"),
)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(EngineError, engine_error)
    app.register_error_handler(HTTPException, http_error)


def wants_json() -> bool:
    """API and health paths answer JSON; pages answer HTML."""
    return request.path == "/api" or request.path.startswith(("/api/", "/healthz"))


def engine_error(exc: EngineError) -> tuple[Response | str, int]:
    status, code = _status_of(exc)
    body: dict[str, Any] = {"error": code, "message": exc.message}
    if isinstance(exc, FormInvalid):
        body["errors"] = exc.errors
    if isinstance(exc, DefinitionError):
        body["problems"] = [str(p) for p in exc.problems]
    return _answer(status, body)


def http_error(exc: HTTPException) -> tuple[Response | str, int]:
    status = exc.code or 500
    body = {"error": (exc.name or "error").lower().replace(" ", "_"), "message": exc.description}
    return _answer(status, body)


def _status_of(exc: EngineError) -> tuple[int, str]:
    for kind, status, code in STATUS:
        if isinstance(exc, kind):
            return status, code
    # retryable errors are the server's (try again later); the rest are the request's
    return (503, "unavailable") if exc.retryable else (400, "bad_request")


def _answer(status: int, body: dict[str, Any]) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(body), status
    return render_template("error.html", status=status, **body), status
