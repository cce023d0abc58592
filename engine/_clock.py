"""The engine's clock.

SpiffWorkflow reads ``datetime.now(timezone.utc)`` inside its timer event
definitions. To let tests and simulations move time without waiting, the
engine installs a ``datetime`` subclass into that module whose ``now()`` asks
the clock in force for the current thread (a context variable). In production
the clock is the real one and nothing changes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_current: contextvars.ContextVar[Clock] = contextvars.ContextVar("clientflow_clock")


def now() -> datetime:
    """The current time by the clock in force (UTC, timezone-aware)."""
    return _current.get(system_clock)()


@contextmanager
def using(clock: Clock) -> Iterator[None]:
    """Run the block with ``clock`` as the time source of the engine and of Spiff's timers."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` reads the engine clock."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


class ManualClock:
    """A clock that stands still until moved: the test kit's clock.

    >>> clock = ManualClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    >>> clock.advance(hours=4)
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or system_clock()

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.current = self.current + (delta or timedelta(**kwargs))
        return self.current
