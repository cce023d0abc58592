"""Due timers: found with ``FOR UPDATE SKIP LOCKED`` so any number of workers can sweep."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from . import _clock
from ._runtime import Runtime
from .models import Job


def due_job_ids(rt: Runtime, limit: int = 100) -> list[uuid.UUID]:
    """Ids of timers due now, oldest first. Workers then fire each in its own step."""
    with rt.db.session() as session:
        query = (
            sa.select(Job.id).where(Job.due_at <= _clock.now()).order_by(Job.due_at).limit(limit)
        )
        if not rt.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        return list(session.scalars(query).all())


def next_due(rt: Runtime) -> sa.DateTime | None:
    """When the next timer falls due (for the embedded timer thread's sleep)."""
    with rt.db.session() as session:
        return session.scalar(sa.select(sa.func.min(Job.due_at)))
