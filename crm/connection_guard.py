"""The write guard at the DBAPI cursor: SQL that reaches the database without the ORM.

``Session.execute`` and the unit of work are guarded by :mod:`crm.guard` for every
session. Statements sent on a connection — ``session.connection().execute(...)``,
``exec_driver_sql``, ``engine.connect()``, ``Session.bulk_insert_mappings`` and the
other ``bulk_*`` helpers — reach the database without those hooks, so
:func:`install_guard` adds a ``before_cursor_execute`` listener to an engine. It
reads the SQL text of every statement (cached per distinct text), and for a write
to a ``crm_`` table (see :func:`crm.sql_writes.crm_write_in_sql`) it finds the
session that owns the connection:

* no session, or a session outside a step: :class:`OutsideProcessError`;
* a session in a step, but not while its flush writes its unit of work (and the
  change history): :class:`UntrackedWriteError`.

The owning session is linked to the connection in ``after_begin`` (a weak
reference in ``connection.info``) and unlinked when the connection goes back to
the pool, so the step is read live from ``session.info`` at each statement.

Not covered: engines that were not passed to :func:`install_guard` (there only the
session-level guard applies, so ``bulk_*`` helpers and connection-level SQL pass);
SQL run on the raw DBAPI connection or cursor; writes done by database code the
statement text does not name (triggers, functions, ``ON DELETE CASCADE``); other
processes. Statement recognition is textual: a string literal that looks like a
write to a ``crm_`` table is refused too.
"""

from __future__ import annotations

import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import ConnectionPoolEntry

from .errors import OutsideProcessError, UntrackedWriteError
from .guard import is_flushing, require_step
from .sql_writes import crm_write_in_sql
from .step import current_step

_SESSION = "clientflow.crm.session"


def install_guard(engine: sa.Engine) -> None:
    """Refuse CRM writes on ``engine``'s connections that do not come from a step's flush.

    Call it once where the application creates its engine. Idempotent.
    """
    if event.contains(engine, "before_cursor_execute", _check_cursor):
        return
    event.listen(engine, "before_cursor_execute", _check_cursor)
    event.listen(engine, "checkin", _unlink_session)


@event.listens_for(Session, "after_begin")
def _link_session(session: Session, _transaction: SessionTransaction, conn: sa.Connection) -> None:
    conn.info[_SESSION] = weakref.ref(session)


def _unlink_session(_dbapi_connection: Any, record: ConnectionPoolEntry | None) -> None:
    if record is not None:
        record.info.pop(_SESSION, None)


def _owning_session(conn: sa.Connection) -> Session | None:
    ref: weakref.ref[Session] | None = conn.info.get(_SESSION)
    return ref() if ref is not None else None


def _check_cursor(
    conn: sa.Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    write = crm_write_in_sql(statement)
    if write is None:
        return
    table, action = write
    session = _owning_session(conn)
    if session is None or current_step(session) is None:
        raise OutsideProcessError(table, action)
    if action == "insert" and table == "crm_change" and is_flushing(session):
        return  # the change history, written by the flush that records it
    require_step(session, table, action)
    if not is_flushing(session):
        raise UntrackedWriteError(table, action)
