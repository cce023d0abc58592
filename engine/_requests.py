"""Idempotent requests: a request id makes a repeated start, completion or message a no-op.

A caller (or Celery, delivering a task again after a worker died) may send the
same start or message twice. With a request id, the step stores the id and
what it returned in ``request_key`` in its own transaction; a repeat finds the
row and returns that first result without doing anything. Two repeats racing
each other: the second one's insert violates the key's uniqueness, its step
rolls back whole, and it returns what the first one stored.

A repeat must be the same request: the stored result carries a fingerprint of
the command and its data (under ``FINGERPRINT``, dropped before the result is
returned), and an id sent again with another kind of request or other data is
refused with :class:`RequestIdReused`, not answered with someone else's result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import _clock, _queries
from ._errors import Conflict, FormInvalid, RequestIdReused
from .models import RequestKey

if TYPE_CHECKING:
    from ._runtime import Runtime, Step

T = TypeVar("T")
MAX_LENGTH = 200
KEEP = timedelta(days=7)
"""How long a request id is remembered: far longer than any redelivery or client retry."""
FINGERPRINT = "request_fingerprint"
"""The key of the request's fingerprint in a stored result (rows older than it lack one)."""


@dataclass(frozen=True)
class Request:
    """A request that must take effect once: its id, and what kind of request it is."""

    key: str
    operation: str  # "start", "complete" or "message"
    fingerprint: str = ""  # of the command and its data, see ``fingerprint``
    outcome_name: str | None = None  # a message's outcome: "delivered" or "started"

    def outcome(self, name: str) -> Request:
        return replace(self, outcome_name=name)


def once(
    rt: Runtime,
    key: str | None,
    operation: str,
    call: Callable[[Request | None], T],
    command: Any = None,
) -> T | dict[str, Any]:
    """Run ``call`` unless a request with ``key`` already ran; then return its result.

    ``command`` is what makes the request this request (its arguments): a
    repeat with other arguments raises :class:`RequestIdReused`.
    """
    if key is None:
        return call(None)
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_LENGTH:
        raise FormInvalid({"request_id": [f"must be a non-empty string of at most {MAX_LENGTH}"]})
    request = Request(key, operation, fingerprint(operation, command))
    prior = first_result(rt, request)
    if prior is not None:
        return prior
    try:
        return call(request)
    except (sa.exc.IntegrityError, Conflict):
        # a twin committed first: its key clashed with ours, or (a completion
        # that waited for the instance lock) it completed the task before us
        prior = first_result(rt, request)
        if prior is None:
            raise
        return prior


def fingerprint(operation: str, command: Any) -> str:
    """A digest of the request's kind and arguments: equal for a faithful repeat."""
    try:
        text = json.dumps([operation, command], sort_keys=True, default=repr)
    except TypeError:  # keys that do not sort (mixed types): their order, then
        text = repr([operation, command])
    return hashlib.sha256(text.encode()).hexdigest()


def first_result(rt: Runtime, request: Request) -> dict[str, Any] | None:
    """What the request with ``request.key`` returned, or ``None`` if it never ran."""
    with rt.db.session() as session:
        row = session.execute(
            sa.select(RequestKey.operation, RequestKey.result).where(RequestKey.key == request.key)
        ).first()
    if row is None:
        return None
    result: dict[str, Any] = dict(row.result)
    stored = result.pop(FINGERPRINT, None)
    if row.operation != request.operation or stored not in (None, request.fingerprint):
        raise RequestIdReused(request.key, row.operation, request.operation)
    return result


def attach(step: Step, request: Request | None, outcome: str | None = None) -> None:
    """Have the step store ``request`` and its result with its writes."""
    if request is None:
        return
    step.request_id = request.key
    step.request_operation = request.operation
    name = outcome or request.outcome_name or ""
    step.request_result = lambda done: _result(request, name, done)


def _result(request: Request, outcome: str, step: Step) -> dict[str, Any]:
    summary = _queries.step_summary(step)
    result = (
        {"outcome": outcome, "instance": summary} if request.operation == "message" else summary
    )
    return {**result, FINGERPRINT: request.fingerprint}


def record_unmatched(session: Session, request: Request | None) -> None:
    """A message that matched nothing: remember that, so a repeat does not start one later."""
    if request is None:
        return
    session.execute(
        sa.insert(RequestKey).values(
            key=request.key,
            operation=request.operation,
            instance_id=None,
            result={"outcome": "unmatched", "instance": None, FINGERPRINT: request.fingerprint},
            created_at=_clock.now(),
        )
    )


def forget(rt: Runtime, keep: timedelta = KEEP) -> int:
    """Drop request ids older than ``keep``; returns how many (run daily by beat)."""
    cutoff = _clock.now() - keep
    with rt.db.session() as session:
        result = session.execute(sa.delete(RequestKey).where(RequestKey.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
