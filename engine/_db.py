"""Database access for the engine: one SQLAlchemy engine and session factory per URL.

SQLite (embedded mode) and PostgreSQL (production) are both supported. SQLite
runs in WAL mode with ``BEGIN IMMEDIATE`` so that writers serialise instead of
failing with "database is locked" half-way through a step.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from . import _pq
from ._autocommit import AutocommitConnections

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
        event.listen(self.sessions, "after_begin", _mark_used)
        self._spare = threading.local()
        if not self.is_sqlite:
            _watch_prepared(self.engine)
        self.autocommit = AutocommitConnections(self.url)
        """Connections for statements that are their own transaction (see ``execute_direct``)."""
        self.direct_statements = 0
        """Statements sent to the driver directly (see :meth:`execute_direct`), for benchmarks."""
        self.direct_commits = 0
        """... and of those, the ones that committed by themselves."""

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error.

        The transaction begins with the first use (autobegin), so a session that
        never touches the database costs no transaction at all; nor a new
        session next time: the thread's next call gets it again (creating and
        closing a ``Session`` costs more CPU than a start's one statement).
        """
        spare = self._spare
        session = getattr(spare, "session", None)
        spare.session = None  # a session used inside this one gets a fresh one
        if session is None:
            session = self.sessions()
        try:
            yield session
            if session.in_transaction():
                session.commit()
        except BaseException:
            session.rollback()
            session.close()
            raise
        if session.info.get(USED_KEY) or session.new or session.identity_map:
            session.close()
        else:
            session.info.clear()
            spare.session = session

    def execute_direct(
        self,
        sql: str,
        params: Sequence[Any],
        connection: sa.Connection | None = None,
        *,
        commit: bool = False,
    ) -> Sequence[Any] | None:
        """Run one statement on the driver (PostgreSQL) and return its first row.

        On ``connection`` (a session's, inside its transaction; the ``BEGIN``
        goes with the statement if none was sent yet) or, without one, in a
        transaction of its own: on a connection in autocommit mode (see
        ``_autocommit``), so the statement and its commit are one round trip.
        With ``commit`` the session's transaction is committed in the same
        round trip as the statement (pipelined; no row comes back),
        and the session's own commit then finds nothing left to do.
        SQLAlchemy's statement layer and psycopg's are skipped (see ``_pq``:
        they cost more CPU than the server's work); errors come back as
        SQLAlchemy's exceptions. The row's values are text (``bytes``).
        """
        self.direct_statements += 1
        if connection is not None:
            pooled = connection.connection
            if commit:  # counted by SQLAlchemy's commit event when the session commits
                _run(pooled, sql, params, commit=True)
                return None
            return _run(pooled, sql, params)
        self.direct_commits += 1
        with self.autocommit.connection() as pooled:
            return _run(pooled, sql, params)

    def dispose(self) -> None:
        self.engine.dispose()
        self.autocommit.dispose()


def _run(
    pooled: Any, sql: str, params: Sequence[Any], *, commit: bool = False
) -> Sequence[Any] | None:
    """Through libpq (``_pq``), or through psycopg for what ``_pq`` does not handle."""
    driver = pooled.driver_connection
    try:
        return _pq.run(pooled.info, driver, sql, params, commit=commit)
    except _pq.Unsupported:
        pass
    except driver.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, params, exc, type(driver).Error) from exc
    if commit:
        _run_and_commit(driver, sql, params)
        return None
    return _run_direct(driver, sql, params)


def _run_direct(driver: Any, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    try:
        with driver.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if cursor.description is not None else None
    except driver.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, params, exc, type(driver).Error) from exc


def _run_and_commit(driver: Any, sql: str, params: Sequence[Any]) -> None:
    try:
        with driver.pipeline(), driver.cursor() as cursor:
            cursor.execute(sql, params)
            driver.commit()  # sent with the statement; skipped by the server if it failed
    except driver.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, params, exc, type(driver).Error) from exc


def _watch_prepared(engine: sa.Engine) -> None:
    """Tell ``_pq`` when psycopg may have dropped the statements ``_pq`` prepared.

    psycopg sends ``DEALLOCATE ALL`` after a ``ROLLBACK`` that ended a
    transaction (and after ``DROP``, ``ALTER``, ``DISCARD``, a rollback to a
    savepoint) on a connection where it prepared statements of its own.
    """

    def in_transaction(dbapi: Any) -> bool:
        pgconn = getattr(dbapi, "pgconn", None)
        return pgconn is not None and pgconn.transaction_status != _pq.IDLE

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: sa.Connection) -> None:
        pooled = conn.connection
        if in_transaction(pooled.driver_connection):
            _pq.forget_prepared(pooled.info)

    @event.listens_for(engine, "rollback_savepoint")
    def _on_savepoint(conn: sa.Connection, *_: Any) -> None:
        _pq.forget_prepared(conn.connection.info)

    @event.listens_for(engine.pool, "reset")
    def _on_reset(dbapi: Any, record: Any, state: Any) -> None:
        if not state.transaction_was_reset and in_transaction(dbapi):
            _pq.forget_prepared(record.info)

    @event.listens_for(engine, "after_cursor_execute")
    def _on_execute(conn: sa.Connection, _c: Any, statement: str, *_: Any) -> None:
        if statement[:10].lstrip().upper().startswith(_DROPS_PREPARED):
            _pq.forget_prepared(conn.connection.info)


_DROPS_PREPARED = ("DROP", "ALTER", "DISCARD", "DEALLOCA", "ROLLBACK")


USED_KEY = "clientflow.db_used"
"""``Session.info`` key: set once the session has begun a database transaction."""


def _mark_used(session: Session, _transaction: Any, _connection: sa.Connection) -> None:
    session.info[USED_KEY] = True


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
