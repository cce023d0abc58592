"""Binding authentication to the app: sessions, bearer tokens, CSRF and cookie settings.

Pages authenticate with the session cookie and send a CSRF token with every
form; API clients send ``Authorization: Bearer <token>`` and need no CSRF
token (a browser never adds that header on its own). Signed hooks are
verified by their own signatures.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, redirect, request, session, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from engine import check_password, user_for_token

from ..context import current_engine
from .ratelimit import LoginLimiter, make_limiter
from .secret import secret_key
from .user import WebUser, load_user

LIMITER_KEY = "clientflow.login_limiter"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FREE_PREFIXES = ("/hooks/",)
CSRF_FREE_PATHS = frozenset({"/api/auth/token"})

login_manager = LoginManager()
csrf = CSRFProtect()


class TooManyAttempts(Exception):
    """Too many failed logins for this username from this address; try later."""


def init_auth(app: Flask) -> None:
    """Configure secret, cookies, Flask-Login, CSRF and the login limiter on ``app``."""
    app.config["SECRET_KEY"] = secret_key(app.config)
    # Secure cookies unless debugging, testing or told otherwise (CLIENTFLOW_INSECURE_COOKIES=1
    # for plain-http set-ups other than localhost, which browsers treat as secure anyway)
    secure = not (app.debug or app.testing or app.config.get("INSECURE_COOKIES"))
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"] or secure
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SECURE"] = app.config.get("REMEMBER_COOKIE_SECURE") or secure
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked in _csrf_guard, with exemptions
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.before_request(_csrf_guard)
    app.extensions[LIMITER_KEY] = make_limiter(app.config.get("REDIS_URL"))


@login_manager.user_loader
def _load_from_session(username: str) -> WebUser | None:
    return load_user(current_engine(), username)


@login_manager.request_loader
def _load_from_bearer(req: Any) -> WebUser | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    username = user_for_token(current_engine(), token.strip())
    return load_user(current_engine(), username) if username else None


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    from ..errors import wants_json

    if wants_json():
        body = {"error": "unauthorized", "message": "sign in or send a bearer token"}
        response: Response = jsonify(body)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="clientflow"'
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _csrf_guard() -> None:
    """Check the CSRF token of every state-changing request authenticated by cookie."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return  # switched off (benchmarks; never in production)
    if request.method in SAFE_METHODS or request.path in CSRF_FREE_PATHS:
        return
    if request.path.startswith(CSRF_FREE_PREFIXES) or _has_bearer():
        return
    if request.path.startswith("/api/") and "_user_id" not in session:
        return  # an anonymous API call: it gets its 401, not a CSRF error
    csrf.protect()


def _has_bearer() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def limiter() -> LoginLimiter:
    found: LoginLimiter = current_app.extensions[LIMITER_KEY]
    return found


def authenticate(username: str, password: str) -> WebUser | None:
    """Check a password under the login rate limit (used by the login page and the API).

    Raises:
        TooManyAttempts: too many failures for this username from this address.
    """
    address = request.remote_addr or "-"
    if limiter().blocked(username, address):
        raise TooManyAttempts(username)
    engine = current_engine()
    user = load_user(engine, username) if check_password(engine, username, password) else None
    if user is None:
        limiter().failed(username, address)
        return None
    limiter().succeeded(username, address)
    return user
