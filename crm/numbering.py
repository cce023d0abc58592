"""Human-readable numbers for cases and quotes, from locked counters.

A counter row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
serialises writers) while it advances, so concurrent steps never hand out the
same number. The first use of a series inserts its row; two steps racing on that
very first insert make one fail on the primary key, and the engine reruns it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models.case import CASE_NUMBER_PREFIX
from .models.counter import Counter

QUOTE_NUMBER_PREFIX = "Q-"


def next_number(session: Session, series: str) -> int:
    """Advance the counter ``series`` inside the current step and return its new value."""
    with session.no_autoflush:  # a half-built record waiting for its number must not flush
        counter = (
            _pending_counter(session, series)
            or session.scalars(
                sa.select(Counter).where(Counter.name == series).with_for_update()
            ).one_or_none()
        )
    if counter is None:
        counter = Counter(name=series, value=0)
        session.add(counter)
    counter.value += 1
    return counter.value


def next_case_number(session: Session) -> str:
    """The next case number, e.g. ``CASE-000123``."""
    return f"{CASE_NUMBER_PREFIX}{next_number(session, 'case'):06d}"


def next_quote_number(session: Session) -> str:
    """The next quote number, e.g. ``Q-000042``."""
    return f"{QUOTE_NUMBER_PREFIX}{next_number(session, 'quote'):06d}"


def _pending_counter(session: Session, series: str) -> Counter | None:
    """A counter created earlier in this step and not flushed yet."""
    for obj in session.new:
        if isinstance(obj, Counter) and obj.name == series:
            return obj
    return None
