"""The write guard of the session: CRM rows change only inside a process step.

Registered on import, on the ``Session`` class and on every CRM mapper, so no
session and no unit-of-work path escapes it:

* ``before_flush`` checks the objects added, changed and deleted, before any SQL;
* mapper ``before_insert/before_update/before_delete`` check every row the flush
  actually writes, including cascaded deletes and deleted orphans;
* ``do_orm_execute`` checks statements run with ``Session.execute``: ORM or Core
  ``insert()/update()/delete()`` on a ``crm_`` table, and ``text()`` DML naming one.

Outside a step each raises :class:`OutsideProcessError`. Inside a step, bulk and
raw statements raise :class:`UntrackedWriteError`, because the change history
could not say which rows and fields they changed, and direct writes to
``crm_change`` raise :class:`ImmutableHistoryError`. Reading is always free.
Statements sent on the session's *connection* are the job of
:func:`crm.install_guard` (see ``connection_guard``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction, object_session

from .base import TABLE_PREFIX, Base
from .errors import ImmutableHistoryError, OutsideProcessError, UntrackedWriteError
from .sql_writes import crm_write_in_sql
from .step import StepInfo, current_step

CHANGE_TABLE = "crm_change"
FLUSHING = "clientflow.crm.flushing"  # session.info key: its writes are being recorded
_FLUSHING = FLUSHING


def require_step(session: Session, table: str, action: str) -> StepInfo:
    """The session's step, or the error that says why this write may not happen."""
    step = current_step(session)
    if step is None:
        raise OutsideProcessError(table, action)
    allowed = getattr(step, "only_writes", None)  # a narrow scope, e.g. outbox delivery
    if allowed is not None and (table, action) not in allowed:
        raise OutsideProcessError(table, action)
    if table == CHANGE_TABLE:
        raise ImmutableHistoryError(action)
    return step


def is_flushing(session: Session) -> bool:
    """Whether the session is writing rows of its unit of work right now."""
    return bool(session.info.get(_FLUSHING))


def table_of(obj: Base) -> str:
    return table_name(sa.inspect(obj).mapper)


def table_name(mapper: Mapper[Any]) -> str:
    """The name of the table a CRM model maps to."""
    return cast(sa.Table, mapper.local_table).name


def pending_writes(session: Session) -> Iterator[tuple[str, Base]]:
    """``(action, object)`` for each CRM object the next flush would write."""
    for obj in session.new:
        if isinstance(obj, Base):
            yield "insert", obj
    for obj in session.dirty:
        if isinstance(obj, Base) and session.is_modified(obj, include_collections=False):
            yield "update", obj
    for obj in session.deleted:
        if isinstance(obj, Base):
            yield "delete", obj


@event.listens_for(Session, "before_flush")
def _check_unit_of_work(session: Session, _context: UOWTransaction, _objects: Any) -> None:
    for action, obj in pending_writes(session):
        require_step(session, table_of(obj), action)


def _check_row(action: str, target: Base) -> None:
    """Per-row check during the flush; it also marks the session as flushing."""
    session = object_session(target)
    if session is None:  # pragma: no cover - the ORM flushes only attached objects
        raise OutsideProcessError(table_of(target), action)
    require_step(session, table_of(target), action)
    session.info[_FLUSHING] = True


@event.listens_for(Base, "before_insert", propagate=True)
def _check_insert(_mapper: Mapper[Any], _conn: sa.Connection, target: Base) -> None:
    _check_row("insert", target)


@event.listens_for(Base, "before_update", propagate=True)
def _check_update(_mapper: Mapper[Any], _conn: sa.Connection, target: Base) -> None:
    session = object_session(target)
    if session is None or session.is_modified(target, include_collections=False):
        _check_row("update", target)


@event.listens_for(Base, "before_delete", propagate=True)
def _check_delete(_mapper: Mapper[Any], _conn: sa.Connection, target: Base) -> None:
    _check_row("delete", target)


@event.listens_for(Session, "after_flush_postexec")
def _flush_done(session: Session, _context: UOWTransaction) -> None:
    session.info.pop(_FLUSHING, None)


@event.listens_for(Session, "after_soft_rollback")
def _flush_failed(session: Session, _previous: Any) -> None:
    session.info.pop(_FLUSHING, None)


@event.listens_for(Session, "do_orm_execute")
def _check_statement(state: ORMExecuteState) -> None:
    write = _statement_write(state.statement)
    if write is None:
        return
    table, action = write
    require_step(state.session, table, action)
    raise UntrackedWriteError(table, action)


def _statement_write(statement: sa.Executable) -> tuple[str, str] | None:
    """``(table, action)`` if the statement writes a CRM table, else ``None``."""
    if isinstance(statement, sa.TextClause):
        return crm_write_in_sql(statement.text)
    if isinstance(statement, sa.Insert | sa.Update | sa.Delete):
        name = getattr(statement.table, "name", "")
        if name.startswith(TABLE_PREFIX):
            return name, type(statement).__name__.lower()
    return None
