"""``POST /api/auth/token``: a bearer token for a username and password.

The password is checked by ``web.auth.authenticate``, under the same rate
limit as the login page, so the API is no side door for guessing passwords.
"""

from __future__ import annotations

from typing import Any

from engine import issue_token

from ..auth import TooManyAttempts, authenticate
from ..context import current_engine
from ._base import blueprint, fail, fails
from .schemas import TokenRequestSchema, TokenSchema

blp = blueprint("auth", "API tokens")


@blp.route("/token", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenSchema)
@fails(blp, 401, 429)
def token(args: dict[str, Any]) -> dict[str, str]:
    """A new API token; send it as ``Authorization: Bearer <token>``."""
    try:
        user = authenticate(args["username"].strip(), args["password"])
    except TooManyAttempts:
        fail(429, "too many failed attempts; try again in 15 minutes")
    if user is None:
        fail(401, "wrong username or password")
    return {"token": issue_token(current_engine(), user.username)}
