"""Idempotent requests: a request id makes a repeated start, completion or message a no-op.

A caller (or Celery, delivering a task again after a worker died) may send the
same start or message twice. With a request id, the step stores the id and
what it returned in ``request_key`` in its own transaction; a repeat finds the
row and returns that first result without doing anything. Two repeats racing
each other: the second one's insert violates the key's uniqueness, its step
rolls back whole, and it returns what the first one stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import _clock, _queries
from ._errors import Conflict, FormInvalid
from .models import RequestKey

if TYPE_CHECKING:
    from ._runtime import Runtime, Step

T = TypeVar("T")
MAX_LENGTH = 200
KEEP = timedelta(days=7)
"""How long a request id is remembered: far longer than any redelivery or client retry."""


@dataclass(frozen=True)
class Request:
    """A request that must take effect once: its id, and what kind of request it is."""

    key: str
    operation: str  # "start", "complete" or "message"
    outcome_name: str | None = None  # a message's outcome: "delivered" or "started"

    def outcome(self, name: str) -> Request:
        return replace(self, outcome_name=name)


def once(
    rt: Runtime, key: str | None, operation: str, call: Callable[[Request | None], T]
) -> T | dict[str, Any]:
    """Run ``call`` unless a request with ``key`` already ran; then return its result."""
    if key is None:
        return call(None)
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_LENGTH:
        raise FormInvalid({"request_id": [f"must be a non-empty string of at most {MAX_LENGTH}"]})
    prior = first_result(rt, key, operation)
    if prior is not None:
        return prior
    try:
        return call(Request(key, operation))
    except (sa.exc.IntegrityError, Conflict):
        # a twin committed first: its key clashed with ours, or (a completion
        # that waited for the instance lock) it completed the task before us
        prior = first_result(rt, key, operation)
        if prior is None:
            raise
        return prior


def first_result(rt: Runtime, key: str, operation: str) -> dict[str, Any] | None:
    """What the request with ``key`` returned, or ``None`` if it never ran."""
    with rt.db.session() as session:
        row = session.execute(
            sa.select(RequestKey.operation, RequestKey.result).where(RequestKey.key == key)
        ).first()
    if row is None:
        return None
    if row.operation != operation:
        raise Conflict(
            f"request id {key!r} was already used for a {row.operation}, not a {operation}"
        )
    result: dict[str, Any] = row.result
    return result


def attach(step: Step, request: Request | None, outcome: str | None = None) -> None:
    """Have the step store ``request`` and its result with its writes."""
    if request is None:
        return
    step.request_id = request.key
    step.request_operation = request.operation
    name = outcome or request.outcome_name or ""
    step.request_result = lambda done: _result(request.operation, name, done)


def _result(operation: str, outcome: str, step: Step) -> dict[str, Any]:
    summary = _queries.step_summary(step)
    return {"outcome": outcome, "instance": summary} if operation == "message" else summary


def record_unmatched(session: Session, request: Request | None) -> None:
    """A message that matched nothing: remember that, so a repeat does not start one later."""
    if request is None:
        return
    session.execute(
        sa.insert(RequestKey).values(
            key=request.key,
            operation=request.operation,
            instance_id=None,
            result={"outcome": "unmatched", "instance": None},
            created_at=_clock.now(),
        )
    )


def forget(rt: Runtime, keep: timedelta = KEEP) -> int:
    """Drop request ids older than ``keep``; returns how many (run daily by beat)."""
    cutoff = _clock.now() - keep
    with rt.db.session() as session:
        result = session.execute(sa.delete(RequestKey).where(RequestKey.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
