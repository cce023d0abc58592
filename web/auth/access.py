"""Who may open what: ``login_required`` and ``roles_required`` for pages and the API.

Anonymous requests get 401 (JSON under /api, a redirect to the login page for
pages); signed-in users without the role get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user as _current_user
from flask_login import login_required as _login_required

from .user import WebUser

F = TypeVar("F", bound=Callable[..., Any])

login_required = _login_required
current_user: WebUser = cast(WebUser, _current_user)


def roles_required(*roles: str) -> Callable[[F], F]:
    """The view needs a signed-in user with at least one of ``roles``
    (``admin``, ``process_owner``, ``manager``)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not _current_user.is_authenticated:
                from .setup import login_manager

                return login_manager.unauthorized()
            if not any(_current_user.has_role(role) for role in roles):
                abort(403, description="you do not have the role this page needs")
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def signed_in_user() -> WebUser:
    """The signed-in user of a view behind ``login_required`` (typed for callers)."""
    if not _current_user.is_authenticated:
        abort(401)
    return cast(WebUser, _current_user._get_current_object())
