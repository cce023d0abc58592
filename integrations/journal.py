"""The event journal: write once per provider id, then track processing to its end.

:func:`record` commits before a hook answers, so an event the caller saw
accepted is never lost; a redelivery finds the first row and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from engine import Database

from .errors import EventNotFound
from .events import InboundEvent
from .models import EventStatus, IntegrationEvent

_E = cast(sa.Table, IntegrationEvent.__table__)
ERROR_CHARS = 4000


def record(db: Database, event: InboundEvent) -> tuple[int, bool]:
    """Journal ``event``; ``(id, True)`` when new, ``(id of the first, False)`` for a repeat."""
    values = {
        "source": event.source,
        "provider_id": event.provider_id[:300],
        "via": event.via,
        "kind": event.kind,
        "sender": (event.sender or None) and event.sender[:320],
        "thread_key": event.thread_key,
        "payload": event.payload,
        "raw": event.raw,
        "status": EventStatus.RECEIVED,
        "attempts": 0,
        "received_at": datetime.now(UTC),
    }
    dialect = postgresql if not db.is_sqlite else sqlite
    insert = (
        dialect.insert(_E)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["source", "provider_id"])
        .returning(_E.c.id)
    )
    with db.session() as session:
        new_id = session.scalar(insert)
        if new_id is not None:
            return int(new_id), True
        first = session.scalar(
            sa.select(_E.c.id).where(
                _E.c.source == values["source"], _E.c.provider_id == values["provider_id"]
            )
        )
    if first is None:  # the first copy vanished between the two statements: never deleted
        raise RuntimeError(f"journal row {event.source}/{event.provider_id} disappeared")
    return int(first), False


def get(db: Database, event_id: int) -> IntegrationEvent:
    with db.session() as session:
        event = session.get(IntegrationEvent, event_id)
        if event is None:
            raise EventNotFound(f"no journaled event has id {event_id}")
        session.expunge(event)
        return event


def thread_payloads(db: Database, source: str, thread_key: str) -> list[dict[str, Any]]:
    """The payloads of every event journaled so far on one thread (all legs of a call), in order.

    Hooks journal before they answer, so a provider that reports a leg before the
    end of its call has it here when the end is processed, whatever the order of
    processing.
    """
    query = (
        sa.select(_E.c.payload)
        .where(_E.c.source == source, _E.c.thread_key == thread_key)
        .order_by(_E.c.id)
    )
    with db.session() as session:
        return [dict(payload) for payload in session.scalars(query) if isinstance(payload, dict)]


def finish(db: Database, event_id: int, status: str, outcome: list[Any]) -> None:
    """Record the end of processing: processed (or ignored) with what it did.

    The error of an earlier failed attempt stays, to tell why it took several.
    """
    _update(
        db,
        event_id,
        status=status,
        outcome=outcome,
        processed_at=datetime.now(UTC),
        attempts=_E.c.attempts + 1,
    )


def attempt_failed(db: Database, event_id: int, error: str, final: bool) -> None:
    """Count a failed attempt; the last one leaves the event failed, for an admin to replay."""
    values: dict[str, Any] = {"error": error[:ERROR_CHARS], "attempts": _E.c.attempts + 1}
    if final:
        values["status"] = EventStatus.FAILED
    _update(db, event_id, **values)


def reset(db: Database, event_id: int) -> None:
    """Make an event pending again (replay): it is processed as if it had just arrived."""
    get(db, event_id)
    _update(db, event_id, status=EventStatus.RECEIVED, error=None, processed_at=None)


def pending_ids(db: Database, older_than: float = 30.0, limit: int = 500) -> list[int]:
    """Events journaled at least ``older_than`` seconds ago and never finished (the sweeper's)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than)
    query = (
        sa.select(_E.c.id)
        .where(_E.c.status == EventStatus.RECEIVED, _E.c.received_at <= cutoff)
        .order_by(_E.c.id)
        .limit(limit)
    )
    with db.session() as session:
        return [int(i) for i in session.scalars(query)]


def failed(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """The failed events, newest first: the integrations' incidents."""
    return events(db, status=EventStatus.FAILED, limit=limit)


def events(db: Database, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = sa.select(IntegrationEvent).order_by(IntegrationEvent.id.desc()).limit(limit)
    if status is not None:
        query = query.where(IntegrationEvent.status == status)
    with db.session() as session:
        return [event.summary() for event in session.scalars(query)]


def _update(db: Database, event_id: int, **values: Any) -> None:
    with db.session() as session:
        session.execute(sa.update(_E).where(_E.c.id == event_id).values(**values))
