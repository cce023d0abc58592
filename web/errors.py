"""The only place that turns errors into HTTP status codes.

The API and the hooks answer JSON ``{"error": code, "message": ...}`` (plus
``errors`` for field errors and ``problems`` for definition errors); pages
answer a short HTML page. The engine and the CRM never choose a status; this
table does. Bad input is never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from crm import CrmError, InvalidEmailError, InvalidPhoneError, NotFoundError, OutsideProcessError
from engine import (
    Conflict,
    DefinitionError,
    EngineError,
    FormInvalid,
    NotAllowed,
    NotFound,
    Problem,
    ScriptError,
)
from integrations import (
    BadSignature,
    EventNotFound,
    IntegrationError,
    NotConfigured,
    UnreadableEvent,
)
from integrations.providers import ProviderError

JSON_PREFIXES = ("/api/", "/hooks/", "/healthz")

# most specific first: InstanceNotActive is a Conflict
STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (NotAllowed, 403, "forbidden"),
    (Conflict, 409, "conflict"),
    (FormInvalid, 422, "invalid_form"),
    (DefinitionError, 422, "invalid_definition"),
    (ScriptError, 422, "script_error"),  # the given data made a script fail (e.g. a name missing)
    (NotFoundError, 404, "not_found"),
    (InvalidPhoneError, 422, "invalid_input"),
    (InvalidEmailError, 422, "invalid_input"),
    (OutsideProcessError, 403, "outside_process"),
    (ProviderError, 502, "bad_gateway"),  # the call provider refused or was unreachable
    (NotConfigured, 409, "not_configured"),  # e.g. no call provider: the request cannot be met
    (EventNotFound, 404, "not_found"),
    (UnreadableEvent, 400, "unreadable"),
    (BadSignature, 401, "bad_signature"),
)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(EngineError, engine_error)
    app.register_error_handler(CrmError, crm_error)
    app.register_error_handler(IntegrationError, integration_error)
    app.register_error_handler(ValidationError, validation_error)
    app.register_error_handler(HTTPException, http_error)


def wants_json() -> bool:
    """API, hook and health paths answer JSON; pages answer HTML."""
    return request.path in ("/api", "/hooks") or request.path.startswith(JSON_PREFIXES)


def engine_error(exc: EngineError) -> tuple[Response, int]:
    status, code = _status_of(exc)
    body: dict[str, Any] = {"error": code, "message": exc.message}
    if isinstance(exc, FormInvalid):
        body["errors"] = exc.errors
    if isinstance(exc, DefinitionError):
        body["problems"] = [problem_dict(p) for p in exc.problems]
    return _answer(status, body)


def crm_error(exc: CrmError) -> tuple[Response, int]:
    status, code = _status_of(exc)
    return _answer(status, {"error": code, "message": str(exc)})


def integration_error(exc: IntegrationError) -> tuple[Response, int]:
    """Telephony and email errors outside the hooks (which answer their own)."""
    status, code = _status_of(exc)
    return _answer(status, {"error": code, "message": str(exc)})


def validation_error(exc: ValidationError) -> tuple[Response, int]:
    """A marshmallow error that escaped a view: the request's data did not validate."""
    errors = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
    body = {"error": "invalid_input", "message": "the request is invalid", "errors": errors}
    return _answer(422, body)


def http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    body: dict[str, Any] = {
        "error": (exc.name or "error").lower().replace(" ", "_"),
        "message": data.get("message") or field_summary(data.get("messages")) or exc.description,
    }
    if data.get("messages"):  # webargs' field errors, keyed by location ("json", "query")
        body["errors"] = data["messages"]
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return _answer(status, body, headers)


def field_summary(messages: Any, most: int = 5) -> str | None:
    """webargs' field errors (by location, then field) as one readable line, e.g.
    ``invalid request: Idempotency-Key (headers): must be 1 to 200 characters long``."""
    if not isinstance(messages, dict):
        return None
    parts = [
        f"{name} ({location}): {_first_error(errors)}"
        for location, by_field in messages.items()
        if isinstance(by_field, dict)
        for name, errors in by_field.items()
    ]
    if not parts:
        return None
    more = f"; and {len(parts) - most} more" if len(parts) > most else ""
    return "invalid request: " + "; ".join(parts[:most]) + more


def _first_error(errors: Any) -> str:
    first = errors[0] if isinstance(errors, list) and errors else None
    return first if isinstance(first, str) else "invalid"


def problem_dict(problem: Problem) -> dict[str, Any]:
    """A definition problem as the API and the modeler show it, tied to its element."""
    return {
        "element": problem.element_id,
        "file": problem.file,
        "line": problem.line,
        "message": problem.message,
    }


def _status_of(exc: Exception) -> tuple[int, str]:
    for kind, status, code in STATUS:
        if isinstance(exc, kind):
            return status, code
    # retryable errors are the server's (try again later); the rest are the request's
    if isinstance(exc, EngineError) and exc.retryable:
        return 503, "unavailable"
    return 400, "bad_request"


def _answer(
    status: int, body: dict[str, Any], headers: list[tuple[str, str]] | None = None
) -> tuple[Response, int]:
    """JSON or the HTML error page, keeping headers such as ``Allow`` of a 405."""
    if wants_json():
        response = jsonify(body)
    else:
        html = render_template("error.html", status=status, **body)
        response = Response(html, mimetype="text/html")
    response.headers.extend(headers or [])
    return response, status
