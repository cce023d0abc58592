"""Connections in autocommit mode, for statements that are their own transaction.

A start that has read nothing before its writes sends them as one statement
on such a connection: no ``BEGIN``, no separate ``COMMIT``, one round trip.
They come from a second SQLAlchemy pool (``isolation_level="AUTOCOMMIT"``),
and the last few used stay checked out here between statements, since
checking a connection out of the pool and back in costs about as much CPU as
libpq's work for the statement itself.
"""

from __future__ import annotations

import os
import time
from collections import deque
from typing import Any

import sqlalchemy as sa

KEEP = 4
"""How many idle connections stay checked out here."""
RETURN_AFTER = 60.0
"""Seconds after which a kept connection goes back to the pool (which recycles old ones)."""


class AutocommitConnections:
    """The pool and the connections kept at hand; one per :class:`~engine._db.Database`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None
        self._kept: deque[tuple[Any, float]] = deque()
        self._pid = os.getpid()

    def connection(self) -> _Checkout:
        """A pooled connection (``PoolProxiedConnection``) for one ``with`` block.

        Invalidated if it failed as a connection (``OperationalError``).
        """
        return _Checkout(self)

    def take(self) -> tuple[Any, float]:
        """A kept connection younger than ``RETURN_AFTER``, else one from the pool."""
        if os.getpid() != self._pid:  # a forked child: the parent's connections are not ours
            self._kept, self._pid, self._engine = deque(), os.getpid(), None
        now = time.monotonic()
        while True:
            try:
                pooled, since = self._kept.pop()
            except IndexError:
                return self._pool().raw_connection(), now
            if now - since < RETURN_AFTER:
                return pooled, since
            pooled.close()

    def keep(self, pooled: Any, since: float) -> None:
        """Back among the kept connections (or to the pool when enough are kept)."""
        if len(self._kept) < KEEP and pooled.is_valid:
            self._kept.append((pooled, since))
        else:
            pooled.close()

    def _pool(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(
                self.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, pool_recycle=1800
            )
        return self._engine

    def dispose(self) -> None:
        while self._kept:
            self._kept.pop()[0].close()
        if self._engine is not None:
            self._engine.dispose()


class _Checkout:
    """``with connections.connection() as pooled``: a class, not a generator (cheaper per step)."""

    __slots__ = ("_owner", "_pooled", "_since")

    def __init__(self, owner: AutocommitConnections) -> None:
        self._owner = owner

    def __enter__(self) -> Any:
        self._pooled, self._since = self._owner.take()
        return self._pooled

    def __exit__(self, kind: Any, exc: BaseException | None, _tb: Any) -> None:
        pooled = self._pooled
        if isinstance(exc, sa.exc.OperationalError):
            pooled.invalidate(exc)  # perhaps a lost connection: never hand it out again
            pooled.close()
            return
        self._owner.keep(pooled, self._since)  # a failed statement rolled back by itself
