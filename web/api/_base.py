"""What every API area shares: the smorest ``Api``, blueprints that need a user, error docs.

Errors are answered by ``web.errors`` (the one status table of the app), so
this ``Api`` registers no error handler of its own; it only documents the
shape those handlers answer with (:class:`ErrorSchema`).
"""

from __future__ import annotations

import functools
import http
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import Flask, request
from flask_smorest import Api, Blueprint, abort

from ..auth import current_user, signed_in_user
from ..auth.setup import login_manager
from ..auth.user import WebUser
from .schemas import ErrorSchema

F = TypeVar("F", bound=Callable[..., Any])

BEARER = {"type": "http", "scheme": "bearer", "description": "a token from POST /api/auth/token"}
PUBLIC_ENDPOINTS = frozenset({"api_auth.token"})


class ClientflowApi(Api):
    """flask-smorest's Api documenting our error shape and leaving errors to ``web.errors``."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """``web.errors`` answers every error, for pages and the API alike."""


def configure(app: Flask) -> None:
    """OpenAPI at ``/api/openapi.json`` with bearer auth as the default security."""
    app.config.setdefault("API_TITLE", "clientflow")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {"securitySchemes": {"bearerAuth": BEARER}},
            "security": [{"bearerAuth": []}],
            "servers": [{"url": "/"}],
        },
    )


def blueprint(name: str, description: str) -> Blueprint:
    """A blueprint of one API area whose routes all need a signed-in user (401 otherwise)."""
    blp = Blueprint(f"api_{name}", __name__, description=description)
    blp.before_request(_require_user)
    blp.before_request(_refuse_nul)
    return blp


def _require_user() -> Any:
    """401 (JSON, with ``WWW-Authenticate``) for a call with no valid session or token."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def _refuse_nul() -> None:
    """400 for NUL characters in the path, query or JSON body: no store can keep them
    (PostgreSQL text and JSON refuse them), so they are bad input, not a server error."""
    args = request.args.items(multi=True)
    if "\x00" in request.path or any("\x00" in k + v for k, v in args):
        fail(400, "NUL characters are not allowed in the path or query")
    if request.is_json and has_nul(request.get_json(silent=True)):
        fail(400, "NUL characters are not allowed in the body")


def has_nul(value: Any, depth: int = 0) -> bool:
    """Any NUL in the strings of a JSON value (deeper than 64 levels the schemas refuse it)."""
    if isinstance(value, str):
        return "\x00" in value
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v, depth + 1) for v in value)
    return False


def user() -> WebUser:
    """The caller (routes run behind ``_require_user``)."""
    return signed_in_user()


def fail(status: int, message: str, errors: dict[str, Any] | None = None) -> NoReturn:
    """Stop the request with ``status``; ``web.errors`` answers it as JSON."""
    if errors is None:
        abort(status, message=message)
    else:
        abort(status, message=message, messages=errors)
    raise AssertionError("abort returned")  # pragma: no cover


def requires(role: str, message: str) -> Callable[[F], F]:
    """Refuse (403) callers without ``role`` before the request body is even parsed.

    Placed above ``@blp.arguments``, so someone who may not deploy learns
    nothing from validation errors; ``functools.wraps`` keeps the route's docs.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not user().has_role(role):
                fail(403, message)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def fails(blp: Blueprint, *codes: int) -> Callable[[F], F]:
    """Document the error statuses a route answers, each with :class:`ErrorSchema`."""

    def decorate(view: F) -> F:
        for code in codes:
            view = blp.alt_response(code, response=http.HTTPStatus(code).name)(view)
        return view

    return decorate
