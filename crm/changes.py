"""The change history: every CRM row written in a step, recorded in the same flush.

Mapper events collect one entry per row the flush writes (inserts after the
``INSERT`` so the new id is known; updates and deletes before their statement so
the old values are still in the database), and ``after_flush`` writes them to
``crm_change`` in one statement on the flush's own transaction: a rolled-back
step leaves neither the rows nor their history.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import InstanceState, Mapper, Session, UOWTransaction, object_session

from .base import Base, utcnow
from .guard import require_step, table_name
from .models.change import Change

_PENDING = "clientflow.crm.changes"


def jsonable(value: Any) -> Any:
    """A JSON-serialisable form of a column value (Decimal and dates as strings)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


@event.listens_for(Session, "before_flush")
def _start(session: Session, _context: UOWTransaction, _objects: Any) -> None:
    session.info[_PENDING] = []  # drop entries of an earlier flush that failed


@event.listens_for(Base, "after_insert", propagate=True)
def _inserted(mapper: Mapper[Any], _conn: sa.Connection, target: Base) -> None:
    state = sa.inspect(target)
    values = {prop.key: state.dict.get(prop.key) for prop in mapper.column_attrs}
    changes = {key: {"old": None, "new": jsonable(new)} for key, new in values.items()}
    _collect(target, "insert", _drop_empty(changes))


@event.listens_for(Base, "before_update", propagate=True)
def _updating(mapper: Mapper[Any], conn: sa.Connection, target: Base) -> None:
    state = sa.inspect(target)
    new: dict[str, Any] = {}
    old: dict[str, Any] = {}
    for prop in mapper.column_attrs:
        history = state.attrs[prop.key].history
        if history.added:
            new[prop.key] = history.added[0]
            if history.deleted:
                old[prop.key] = history.deleted[0]
    unknown = [key for key in new if key not in old]
    old.update(_stored_values(mapper, conn, state, unknown))
    changes = {
        key: {"old": jsonable(old.get(key)), "new": jsonable(value)}
        for key, value in new.items()
        if old.get(key) != value
    }
    if changes:
        _collect(target, "update", changes)


@event.listens_for(Base, "before_delete", propagate=True)
def _deleting(mapper: Mapper[Any], conn: sa.Connection, target: Base) -> None:
    state = sa.inspect(target)
    keys = [prop.key for prop in mapper.column_attrs]
    values = {key: state.dict[key] for key in keys if key in state.dict}
    values.update(_stored_values(mapper, conn, state, [k for k in keys if k not in values]))
    changes = {key: {"old": jsonable(values.get(key)), "new": None} for key in keys}
    _collect(target, "delete", _drop_empty(changes))


@event.listens_for(Session, "after_flush")
def _write(session: Session, _context: UOWTransaction) -> None:
    rows = session.info.pop(_PENDING, None)
    if rows:
        conn = session.connection(bind_arguments={"mapper": sa.inspect(Change)})
        conn.execute(sa.insert(Change), rows)


def _collect(target: Base, action: str, changes: dict[str, Any]) -> None:
    session = object_session(target)
    assert session is not None  # the flush writes attached objects only
    state = sa.inspect(target)
    table = table_name(state.mapper)
    step = require_step(session, table, action)
    session.info.setdefault(_PENDING, []).append(
        {
            "instance_id": step.instance_id,
            "task_id": step.task_id,
            "username": step.user,
            "table_name": table,
            "row_id": _row_id(state),
            "action": action,
            "changes": changes,
            "changed_at": utcnow(),
        }
    )


def _row_id(state: InstanceState[Any]) -> str:
    identity = state.identity or state.mapper.primary_key_from_instance(state.obj())
    return "|".join(str(part) for part in identity)


def _stored_values(
    mapper: Mapper[Any], conn: sa.Connection, state: InstanceState[Any], keys: Iterable[str]
) -> dict[str, Any]:
    """Values of ``keys`` as the database holds them, for attributes not loaded in memory."""
    keys = list(keys)
    if not keys or state.identity is None:
        return {}
    columns = [mapper.column_attrs[key].columns[0].label(key) for key in keys]
    where = [
        column == value for column, value in zip(mapper.primary_key, state.identity, strict=True)
    ]
    row = conn.execute(sa.select(*columns).where(*where)).mappings().one_or_none()
    return dict(row) if row is not None else {}


def _drop_empty(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Leave out fields that are ``None`` on both sides (unset on insert, empty on delete)."""
    return {
        key: change
        for key, change in changes.items()
        if change["old"] is not None or change["new"] is not None
    }
