"""Database access for the engine: one SQLAlchemy engine and session factory per URL.

SQLite (embedded mode) and PostgreSQL (production) are both supported. SQLite
runs in WAL mode with ``BEGIN IMMEDIATE`` so that writers serialise instead of
failing with "database is locked" half-way through a step.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("instance") / "clientflow.sqlite"


def default_url() -> str:
    """``CLIENTFLOW_DATABASE_URL`` or the embedded SQLite file under ``instance/``."""
    url = os.environ.get("CLIENTFLOW_DATABASE_URL")
    if url:
        return normalise_url(url)
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """The engine's handle on one database: SQLAlchemy engine plus session factory."""

    def __init__(self, url: str | None = None, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url) if url else default_url()
        self.engine = create_engine(self.url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    """Create the SQLAlchemy engine with the settings each dialect needs."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = sa.create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # no pre-ping: it costs a round trip per step; stale connections are recycled instead
    kwargs.setdefault("pool_recycle", 1800)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: sa.Engine) -> None:
    """WAL, foreign keys, and ``BEGIN IMMEDIATE`` so writers serialise cleanly."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
