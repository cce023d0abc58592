"""The ``Idempotency-Key`` header: a client's retry of a start, completion or message acts once.

The engine keeps a request id with what the request returned for seven days
(``engine._requests``); a repeat returns that first result and does nothing.
Keys are scoped to the caller, so two users who pick the same key never see
each other's result nor a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine import RequestIdReused

from ._base import fail, user

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

HEADER = "Idempotency-Key"
MAX_LENGTH = 200  # also the engine's limit on a request id
PREFIX = "api:"
DESCRIPTION = (
    f"Makes a retry safe: a repeat with the same key within 7 days returns the first"
    f" response (status and body) and does nothing. 1 to {MAX_LENGTH} printable ASCII"
    " characters (400 otherwise); scoped to the caller, so other users' keys never"
    " collide with yours. Reusing a key for a different request (another kind, or the same"
    " kind with another body) is a 409."
)


class IdempotencyKeySchema(Schema):
    """The header as an OpenAPI parameter: it shows in ``/api/openapi.json``."""

    key = fields.String(
        data_key=HEADER,
        validate=[
            validate.Length(1, MAX_LENGTH, error=f"must be 1 to {MAX_LENGTH} characters long"),
            validate.Regexp(
                r"^[\x20-\x7E]*$", error="must hold only printable ASCII characters (space to ~)"
            ),
        ],
        metadata={"description": DESCRIPTION},
    )


def idempotent(blp: Blueprint) -> Callable[[F], F]:
    """Read and document the header; a malformed key is a 400 naming it under ``headers``."""
    decorate: Callable[[F], F] = blp.arguments(
        IdempotencyKeySchema, location="headers", error_status_code=400
    )
    return decorate


def request_id(username: str, key: str | None) -> str | None:
    """The engine's request id for ``key`` sent by ``username``: one per user and key.

    ``api:<user>:<key>`` when that is unambiguous (no colon in the name) and
    fits the engine's limit, else ``api:`` and a SHA-256 of both (one colon
    only, so the two forms never meet).
    """
    if key is None:
        return None
    readable = f"{PREFIX}{username}:{key}"
    if ":" not in username and len(readable) <= MAX_LENGTH:
        return readable
    return PREFIX + hashlib.sha256(json.dumps([username, key]).encode()).hexdigest()


def once(header: Mapping[str, Any], run: Callable[[str | None], T]) -> T:
    """``run`` with the caller's request id; 409 if the key named a different request."""
    key = header.get("key")
    try:
        return run(request_id(user().username, key))
    except RequestIdReused as exc:
        reason = "a request with another body" if exc.same_kind else "a different kind of request"
        fail(
            409,
            f"{HEADER} {key!r} was already used for {reason}; send a new key with each new request",
            {"headers": {HEADER: [f"already used for {reason}"]}},
        )
