"""Process actions that happen once per call or thread, however many events lead to them.

A call sends several events (ringing, answered, ended, one set per leg) and a
provider may deliver each more than once; the action they lead to (start a
lead, message a case, log the interaction) is claimed under a key first, in its
own transaction, so concurrent and repeated processing does it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from engine import Database
from engine.models import utcnow

from .models import IntegrationAction

STALE_CLAIM = timedelta(minutes=10)
"""A claim without an outcome older than this belongs to a worker that died: take it over."""


def once(
    db: Database,
    key: str,
    event_id: int,
    perform: Callable[[], dict[str, Any]],
    *,
    sender: str | None = None,
    starts: bool = False,
) -> dict[str, Any]:
    """Run ``perform`` unless the action ``key`` was done (or is being done) already."""
    claimed = _claim(db, key, event_id, sender, starts)
    if claimed is not None:
        return {"action": key, "skipped": claimed}
    try:
        outcome = perform()
    except BaseException:
        _release(db, key)
        raise
    with db.session() as session:
        session.execute(
            sa.update(IntegrationAction).where(IntegrationAction.key == key).values(outcome=outcome)
        )
    return {"action": key, **outcome}


def outcome(db: Database, key: str) -> dict[str, Any] | None:
    """What the action ``key`` did, once done (None before, or while it is in progress)."""
    with db.session() as session:
        done = session.scalar(
            sa.select(IntegrationAction.outcome).where(IntegrationAction.key == key)
        )
    return dict(done) if isinstance(done, dict) else None


def starts_since(db: Database, sender: str, hours: float = 1.0) -> int:
    """How many processes events from ``sender`` started in the last ``hours`` (loop guard)."""
    since = datetime.now(UTC) - timedelta(hours=hours)
    query = sa.select(sa.func.count()).where(
        IntegrationAction.sender == sender,
        IntegrationAction.starts.is_(True),
        IntegrationAction.created_at >= since,
    )
    with db.session() as session:
        return int(session.scalar(query) or 0)


def _claim(db: Database, key: str, event_id: int, sender: str | None, starts: bool) -> str | None:
    """None when this caller now holds the claim; else why it must not act."""
    row = {"key": key, "event_id": event_id, "sender": sender, "starts": starts}
    try:
        with db.session() as session:
            session.execute(sa.insert(IntegrationAction).values(**row, created_at=utcnow()))
        return None
    except IntegrityError:
        pass
    with db.session() as session:
        claim = session.scalar(sa.select(IntegrationAction).where(IntegrationAction.key == key))
        if claim is None:  # released meanwhile: try once more
            session.execute(sa.insert(IntegrationAction).values(**row, created_at=utcnow()))
            return None
        if claim.outcome is not None:
            return f"done by event {claim.event_id}"
        if claim.created_at < utcnow() - STALE_CLAIM:
            claim.event_id, claim.created_at = event_id, utcnow()
            return None
        return f"in progress for event {claim.event_id}"


def _release(db: Database, key: str) -> None:
    with db.session() as session:
        session.execute(
            sa.delete(IntegrationAction).where(
                IntegrationAction.key == key, IntegrationAction.outcome.is_(None)
            )
        )
