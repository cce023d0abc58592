"""The engine a command works on, closed when the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from engine import Engine
from handlers import build_engine


@contextmanager
def open_engine() -> Iterator[Engine]:
    """An engine over ``CLIENTFLOW_DATABASE_URL``; its connections are released afterwards."""
    engine = build_engine()
    try:
        yield engine
    finally:
        engine.db.dispose()


def display_url(engine: Engine) -> str:
    """The database URL without its password, fit to print."""
    return sa.make_url(engine.db.url).render_as_string(hide_password=True)
