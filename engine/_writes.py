"""The rows a step writes, collected while it runs and sent to the database together.

A step's writes (inbox rows, jobs, message subscriptions, the instance, the
audit trail, an incident, a request key) go out at its end. On PostgreSQL they
are one statement: data-modifying CTEs, so a step costs one round trip for its
writes however many tables it touches, and a start that read nothing before
(the usual case: the newest version is cached, see ``_runtime``) runs as that
single statement in its own implicit transaction, the commit included. The
instance insert of a start is guarded: every other row of the statement is
selected from the guard, so a version deployed meanwhile leaves no row at all.
SQLite runs the same writes as ordinary statements in the step's transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from . import _json, _pq
from ._db import Database
from .models import ProcessVersion

_PG = postgresql.dialect()
_VERSIONS = cast(sa.Table, ProcessVersion.__table__)


@dataclass
class Guard:
    """Insert ``row`` into ``table`` only while no version of ``key`` newer than ``version`` exists.

    The other rows of the same writes are inserted only if this one is.
    """

    table: sa.Table
    row: dict[str, Any]
    key: str
    version: int


@dataclass
class Writes:
    """Rows to insert, upsert, update and delete, in the order they were added."""

    inserts: list[tuple[sa.Table, list[dict[str, Any]]]] = field(default_factory=list)
    upserts: list[tuple[sa.Table, list[dict[str, Any]]]] = field(default_factory=list)
    updates: list[tuple[sa.Table, Any, dict[str, Any]]] = field(default_factory=list)
    deletes: list[tuple[sa.Table, dict[str, Any]]] = field(default_factory=list)
    guard: Guard | None = None

    def insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.inserts.append((table, rows))

    def upsert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """Insert, or overwrite the row with the same primary key."""
        if rows:
            self.upserts.append((table, rows))

    def update(self, table: sa.Table, key: Any, values: dict[str, Any]) -> None:
        """``UPDATE table SET values WHERE <primary key> = key``."""
        self.updates.append((table, key, values))

    def delete(self, table: sa.Table, where: dict[str, Any]) -> None:
        """``DELETE FROM table WHERE`` each column equals its value (a list: is in it)."""
        self.deletes.append((table, where))


class StaleVersion(Exception):
    """A newer version was deployed since this process last looked: start again on it."""


def apply_core(session: Session, writes: Writes) -> None:
    """Run the writes as separate statements in the session's transaction (SQLite)."""
    guard = writes.guard
    if guard is not None:
        params = {**guard.row, "guard_key": guard.key, "guard_version": guard.version}
        if session.execute(_guarded_insert(guard.table, tuple(guard.row)), params).first() is None:
            raise StaleVersion(guard.key)
    for table, where in writes.deletes:
        session.execute(sa.delete(table).where(*_conditions(table, where)))
    for table, key, values in writes.updates:
        session.execute(sa.update(table).where(_pk(table) == key).values(**values))
    for table, rows in writes.upserts:
        ids = [row[_pk(table).name] for row in rows]
        session.execute(sa.delete(table).where(_pk(table).in_(ids)))
        session.execute(sa.insert(table), rows)
    for table, rows in writes.inserts:
        session.execute(sa.insert(table), rows)


def _conditions(table: sa.Table, where: dict[str, Any]) -> list[Any]:
    return [
        table.c[name].in_(value) if isinstance(value, list) else table.c[name] == value
        for name, value in where.items()
    ]


def _pk(table: sa.Table) -> sa.Column[Any]:
    [column] = table.primary_key.columns
    return column


_GUARDED: dict[tuple[str, tuple[str, ...]], Any] = {}


def _guarded_insert(table: sa.Table, names: tuple[str, ...]) -> Any:
    """``INSERT ... SELECT <row> WHERE NOT EXISTS (a newer version) RETURNING <pk>``, cached."""
    stmt = _GUARDED.get((table.name, names))
    if stmt is None:
        row = sa.select(*(sa.bindparam(n, type_=table.c[n].type) for n in names)).where(
            ~sa.exists().where(
                _VERSIONS.c.key == sa.bindparam("guard_key"),
                _VERSIONS.c.version > sa.bindparam("guard_version"),
            )
        )
        stmt = sa.insert(table).from_select(list(names), row).returning(_pk(table))
        _GUARDED[(table.name, names)] = stmt
    return stmt


# -- PostgreSQL: one statement ---------------------------------------------------------------


def pg_statement(writes: Writes) -> tuple[str, Sequence[Any]]:
    """The writes as one SQL statement with ``%s`` parameters, and its parameters.

    The statement returns one row when it wrote, none when the guard refused.
    Its text depends only on the shape of the writes (which tables, which
    columns, how many rows), so it is built once per shape, repeats from step
    to step, and is prepared on the server once per connection (see ``_pq``).
    The parameters come already written as text (``_pq.Encoded``), unless a
    value cannot be (then they are the values, for psycopg).
    """
    shape = _shape(writes)
    sql = _STATEMENTS.get(shape)
    if sql is None:
        sql = _STATEMENTS[shape] = _build(writes)
    try:
        text = _texts(writes)
    except _pq.Unsupported:  # psycopg runs it (see _pq); it asks for the values themselves
        return sql, _params(writes)
    return sql, _pq.Encoded(text, lambda: _params(writes))


_STATEMENTS: dict[tuple[Any, ...], str] = {}


def _shape(writes: Writes) -> tuple[Any, ...]:
    guard, deletes, updates, upserts = writes.guard, writes.deletes, writes.updates, writes.upserts
    return (
        (guard.table.name, tuple(guard.row)) if guard is not None else None,
        tuple(
            (t.name, tuple(w), tuple(isinstance(v, list) for v in w.values())) for t, w in deletes
        )
        if deletes
        else (),
        tuple((t.name, tuple(v)) for t, _, v in updates) if updates else (),
        tuple((t.name, len(rows), tuple(rows[0])) for t, rows in upserts) if upserts else (),
        tuple([(t.name, len(rows), tuple(rows[0])) for t, rows in writes.inserts]),
    )


def _params(writes: Writes) -> list[Any]:
    """The parameters in the order :func:`_build` placed them."""
    params: list[Any] = []
    guard = writes.guard
    if guard is not None:
        params += [guard.key, guard.version]
    for _, where in writes.deletes:
        params += where.values()
    for table, key, values in writes.updates:
        params += _values(table, values, values.keys())
        params.append(key)
    for table, rows in writes.upserts:
        names = rows[0].keys()
        for row in rows:
            params += _values(table, row, names)
    if guard is not None:
        params += _values(guard.table, guard.row, guard.row.keys())
    for table, rows in writes.inserts:
        names = rows[0].keys()
        for row in rows:
            params += _values(table, row, names)
    return params


def _values(table: sa.Table, row: dict[str, Any], names: Any) -> list[Any]:
    json_columns = _json_columns(table)
    values = []
    for name in names:
        value = row[name]
        if value is None or (type(value) in _PLAIN and name not in json_columns):
            pass
        elif name in json_columns:
            value = _json.dumps(value)  # integers beyond 64 bits too
        elif isinstance(value, enum.Enum):
            value = value.value  # psycopg would send an enum's name
        values.append(value)
    return values


def _texts(writes: Writes) -> list[bytes | None]:
    """What :func:`_params` returns, each value written as text (``_pq.text``) in the same pass."""
    text = _pq.text
    out: list[bytes | None] = []
    guard = writes.guard
    if guard is not None:
        out += (text(guard.key), text(guard.version))
    for _, where in writes.deletes:
        out += map(text, where.values())
    for table, key, values in writes.updates:
        _row_texts(table, tuple(values), [values], out)
        out.append(text(key))
    for table, rows in writes.upserts:
        _row_texts(table, tuple(rows[0]), rows, out)
    if guard is not None:
        _row_texts(guard.table, tuple(guard.row), [guard.row], out)
    for table, rows in writes.inserts:
        _row_texts(table, tuple(rows[0]), rows, out)
    return out


def _row_texts(
    table: sa.Table, names: tuple[str, ...], rows: list[dict[str, Any]], out: list[bytes | None]
) -> None:
    """Append each row's values of ``names`` as text: what ``_pq.text`` does, inlined."""
    json_columns = _json_columns(table)
    plain = _pq.PLAIN
    add = out.append
    for row in rows:
        for name in names:
            value = row[name]
            if value is None:
                add(None)
            elif name in json_columns:
                add(_json.dumps(value).encode())  # integers beyond 64 bits too
            elif isinstance(value, str):  # a StrEnum too: its text is its value
                if "\0" in value:
                    raise _pq.Unsupported("NUL in text")
                add(str.encode(value))
            else:
                write = plain.get(type(value))
                add(write(value) if write is not None else _pq.text(value))


_PLAIN = frozenset({str, int, float, bool})
_JSON_COLUMNS: dict[str, frozenset[str]] = {}


def _json_columns(table: sa.Table) -> frozenset[str]:
    names = _JSON_COLUMNS.get(table.name)
    if names is None:
        names = frozenset(c.name for c in table.columns if isinstance(c.type, sa.JSON))
        _JSON_COLUMNS[table.name] = names
    return names


def _build(writes: Writes) -> str:
    """The statement's text; see :func:`_params` for the order of its parameters."""
    parts: list[str] = []
    source = ""
    inserts = writes.inserts
    if writes.guard is not None:
        parts.append(
            f"g AS (SELECT 1 AS ok WHERE NOT EXISTS (SELECT 1 FROM {_q(_VERSIONS.name)} "
            f"WHERE {_q('key')} = %s AND {_q('version')} > %s))"
        )
        source = " CROSS JOIN g"
        inserts = [(writes.guard.table, [writes.guard.row]), *inserts]
    for table, where in writes.deletes:
        parts.append(
            f"d{len(parts)} AS (DELETE FROM {_q(table.name)} WHERE {_pg_where(table, where)})"
        )
    for table, _, values in writes.updates:
        sets = ", ".join(f"{_q(n)} = %s::{_cast(table, n)}" for n in values)
        pk = _pk(table).name
        parts.append(
            f"u{len(parts)} AS (UPDATE {_q(table.name)} SET {sets} "
            f"WHERE {_q(pk)} = %s::{_cast(table, pk)})"
        )
    for table, rows in writes.upserts:
        pk = _pk(table).name
        sets = ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n in rows[0] if n != pk)
        insert = _pg_insert(table, rows, source)
        parts.append(f"p{len(parts)} AS ({insert} ON CONFLICT ({_q(pk)}) DO UPDATE SET {sets})")
    for table, rows in inserts:
        parts.append(f"i{len(parts)} AS ({_pg_insert(table, rows, source)})")
    final = "SELECT ok FROM g" if writes.guard is not None else "SELECT 1"
    return "WITH " + ",\n".join(parts) + "\n" + final


def _pg_insert(table: sa.Table, rows: list[dict[str, Any]], source: str) -> str:
    names = list(rows[0])
    row_sql = "(" + ", ".join(f"%s::{_cast(table, n)}" for n in names) + ")"
    columns = ", ".join(_q(n) for n in names)
    return (
        f"INSERT INTO {_q(table.name)} ({columns}) SELECT v.* FROM "
        f"(VALUES {', '.join([row_sql] * len(rows))}) AS v({columns}){source}"
    )


def _pg_where(table: sa.Table, where: dict[str, Any]) -> str:
    return " AND ".join(
        f"{_q(name)} = ANY(%s::{_cast(table, name)}[])"
        if isinstance(value, list)
        else f"{_q(name)} = %s::{_cast(table, name)}"
        for name, value in where.items()
    )


_CASTS: dict[tuple[str, str], str] = {}
_QUOTED: dict[str, str] = {}


def _q(name: str) -> str:
    """``name`` quoted where PostgreSQL needs it (``"user"``)."""
    quoted = _QUOTED.get(name)
    if quoted is None:
        quoted = _QUOTED[name] = _PG.identifier_preparer.quote(name)
    return quoted


def _cast(table: sa.Table, name: str) -> str:
    """The column's PostgreSQL type, for explicit casts of parameters (NULLs included)."""
    key = (table.name, name)
    cast = _CASTS.get(key)
    if cast is None:
        cast = _CASTS[key] = table.c[name].type.compile(dialect=_PG)
    return cast


def apply_pg(
    db: Database, writes: Writes, connection: sa.Connection | None = None, *, commit: bool = False
) -> None:
    """Run the writes as one statement; ``StaleVersion`` if the guard refused.

    On ``connection`` (the step's transaction; with ``commit``, committing it
    in the same round trip) or, without one, as a transaction of its own.
    """
    sql, params = pg_statement(writes)
    if commit:
        assert writes.guard is None, "a guarded write must be checked before its commit"
        db.execute_direct(sql, params, connection, commit=True)
        return
    row = db.execute_direct(sql, params, connection)
    if row is None:
        assert writes.guard is not None
        raise StaleVersion(writes.guard.key)
