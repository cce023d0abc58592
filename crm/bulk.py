"""Bulk inserts inside a step that the change history still records, row by row.

The guard refuses bulk statements in a step (:class:`~crm.UntrackedWriteError`)
because the history could not say what they changed. New rows are the one case
where it can: every value is known before the statement runs. So
:func:`insert_rows` fills in the column defaults itself, inserts all rows in
one ``executemany`` (``RETURNING`` the ids, in parameter order), and writes one
``crm_change`` entry per row with the step's instance, task and user, on the
same connection and transaction, exactly as a flush would. It is what makes a
10,000-row import a few statements per chunk instead of a unit of work of
30,000 objects.

Unlike the ORM, it runs no attribute validators or mapper events: callers pass
values already normalised (E.164 phones, lower-case emails, a customer's
``name_key``), and the rows do not enter the session's identity map.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, Session

from .base import Base, utcnow
from .changes import jsonable
from .guard import FLUSHING, require_step
from .models.change import Change


def insert_rows(
    session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """Insert new ``model`` rows (by attribute name) in one statement; their ids, in order.

    Raises:
        OutsideProcessError: not inside a step.
        ValueError: a row names an attribute ``model`` does not have.
    """
    mapper: Mapper[Any] = sa.inspect(model)
    table = cast(sa.Table, mapper.local_table)
    step = require_step(session, table.name, "insert")
    if not rows:
        return []
    values = [_complete(mapper, table, row) for row in rows]
    keys = set().union(*values)  # one statement needs the same keys in every row
    for row in values:
        for key in keys - row.keys():
            row[key] = None
    conn = session.connection(bind_arguments={"mapper": mapper})
    with _tracked(session):
        ids = _insert(conn, table, [_by_column(mapper, row) for row in values])
        moment = utcnow()
        conn.execute(
            sa.insert(Change),
            [
                {
                    "instance_id": step.instance_id,
                    "task_id": step.task_id,
                    "username": step.user,
                    "table_name": table.name,
                    "row_id": str(row_id),
                    "action": "insert",
                    "changes": _changes(row_id, row),
                    "changed_at": moment,
                }
                for row_id, row in zip(ids, values, strict=True)
            ],
        )
    return ids


def _insert(conn: sa.Connection, table: sa.Table, params: list[dict[str, Any]]) -> list[int]:
    """Insert and return the new ids in order.

    PostgreSQL returns them in one batched ``INSERT ... RETURNING`` sorted by
    parameter order. SQLite cannot order ``RETURNING`` rows, which makes
    SQLAlchemy send one statement per row; there the ids are assigned from the
    table's highest id instead, which is safe because SQLite lets one writer
    at a time in (a writer that raced would fail on the primary key, not
    collide silently).
    """
    if conn.dialect.name != "sqlite":
        statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [int(row_id) for row_id in conn.execute(statement, params).scalars()]
    first = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one())
    ids = list(range(first + 1, first + 1 + len(params)))
    conn.execute(
        sa.insert(table), [{**row, "id": row_id} for row, row_id in zip(params, ids, strict=True)]
    )
    return ids


def _complete(mapper: Mapper[Any], table: sa.Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """The row by attribute name, with every Python-side default filled in (for the history)."""
    unknown = [key for key in row if key not in mapper.column_attrs]
    if unknown:
        raise ValueError(f"{table.name} has no attribute(s) {', '.join(sorted(unknown))}")
    values = dict(row)
    for prop in mapper.column_attrs:
        default = prop.columns[0].default
        if prop.key in values or not isinstance(default, sa.ColumnDefault):
            continue
        if default.is_scalar:
            values[prop.key] = default.arg
        elif default.is_callable:
            values[prop.key] = default.arg(None)
    return values


def _by_column(mapper: Mapper[Any], values: Mapping[str, Any]) -> dict[str, Any]:
    return {mapper.column_attrs[key].columns[0].key: value for key, value in values.items()}


def _changes(row_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    changes = {key: {"old": None, "new": jsonable(value)} for key, value in values.items()}
    changes["id"] = {"old": None, "new": row_id}
    return {key: change for key, change in changes.items() if change["new"] is not None}


@contextmanager
def _tracked(session: Session) -> Iterator[None]:
    """Let the connection guard pass these statements, as it passes a flush's."""
    session.info[FLUSHING] = True
    try:
        yield
    finally:
        session.info.pop(FLUSHING, None)
