"""A step's first statement: lock the instance row and read what the step needs of it.

On PostgreSQL the read goes straight to libpq (see ``_pq``) and, when it opens
the step's transaction, the ``BEGIN`` goes with it: one round trip where
psycopg would take two. SQLite (one writer at a time, ``BEGIN IMMEDIATE``)
runs the same read through SQLAlchemy.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ._db import Database
from .models import Instance, WorkItem

_I = cast(sa.Table, Instance.__table__)
_W = cast(sa.Table, WorkItem.__table__)

INSTANCE_COLUMNS = (_I.c.version_id, _I.c.status, _I.c.state, _I.c.revision)
"""What a step needs of its (locked) instance row."""
ITEM_COLUMNS = (_W.c.status, _W.c.title, _W.c.assignee, _W.c.group_name, _W.c.completed_by)
"""What completing a task needs of its work item, read with the lock."""


@dataclass(frozen=True)
class LockedRead:
    """One locking ``SELECT``: as SQLAlchemy builds it, and as text for libpq."""

    query: sa.Select[Any]
    """What runs on SQLite; its one parameter is a bind named ``key``."""
    sql: str
    """The same with ``FOR UPDATE``, as PostgreSQL text with ``%s`` for ``key``."""
    row: Callable[..., Any]
    parsers: tuple[Callable[[bytes], Any], ...]

    def first(self, db: Database, session: Session, key: Any) -> Any | None:
        """The first row (attributes named as the query labels them), or ``None``."""
        if db.is_sqlite:
            return session.execute(self.query, {"key": key}).first()
        if session.new or session.dirty or session.deleted:
            session.flush()  # as SQLAlchemy's autoflush would before a query
        values = db.execute_direct(self.sql, [key], session.connection())
        if values is None:
            return None
        return self.row(
            *(v if v is None else p(v) for p, v in zip(self.parsers, values, strict=True))
        )


def _locked_read(query: sa.Select[Any], of: sa.Table | None) -> LockedRead:
    names = [column.name for column in query.selected_columns]
    parsers = tuple(_parser(column.type) for column in query.selected_columns)
    sql = _pg_text(query.with_for_update(of=of))
    return LockedRead(query, sql, namedtuple("LockedRow", names), parsers)


def _pg_text(query: sa.Select[Any]) -> str:
    """``query`` compiled for PostgreSQL with ``%s`` for its one parameter."""
    return str(query.compile(dialect=postgresql.dialect(paramstyle="format")))


def _parser(kind: Any) -> Callable[[bytes], Any]:
    if isinstance(kind, sa.Uuid):
        return lambda v: uuid.UUID(v.decode())
    if isinstance(kind, sa.Integer):
        return int
    return bytes.decode


def _reads() -> tuple[LockedRead, LockedRead]:
    key: sa.BindParameter[Any] = sa.bindparam("key")
    instance = sa.select(*INSTANCE_COLUMNS).where(_I.c.id == key)
    task = (
        sa.select(
            _W.c.instance_id,
            *(c.label(f"item_{c.name}") for c in ITEM_COLUMNS),
            *INSTANCE_COLUMNS,
        )
        .join(_I, _I.c.id == _W.c.instance_id)
        .where(_W.c.id == key)
    )
    return _locked_read(instance, None), _locked_read(task, _I)


_INSTANCE, _TASK = _reads()


def instance_row(db: Database, session: Session, instance_id: uuid.UUID) -> Any | None:
    """The instance row (``INSTANCE_COLUMNS``), locked until the step's commit."""
    return _INSTANCE.first(db, session, instance_id)


def task_row(db: Database, session: Session, task_id: uuid.UUID) -> Any | None:
    """The work item (``item_*``) with its instance row (``INSTANCE_COLUMNS``), locked.

    After waiting for the lock PostgreSQL re-reads the instance row but not
    the joined item, so a stale item is possible; the workflow state decides.
    """
    return _TASK.first(db, session, task_id)
