"""A step's few statements straight to libpq, without a driver layer in between.

A step sends at most a handful of statements (a start one write, a complete
one locking read and one write with its commit), and psycopg's Python layer
around each (adapting every parameter, its prepared-statement bookkeeping, its
wait loop) costs more CPU than the server spends running them. Here each
statement is prepared once per connection under a name of our own and run
with text parameters through psycopg's own libpq wrapper (``psycopg.pq``):

- one statement alone: ``PQexecPrepared``, which releases the GIL while it
  waits;
- a lock with the ``BEGIN`` before it, or writes with the ``COMMIT`` after
  them: libpq's pipeline mode, one round trip for all of it; we wait for the
  answer in ``select`` (which releases the GIL), not in libpq.

Parameters this module cannot write as text raise :class:`Unsupported`, and
the caller hands the statement to psycopg instead. Errors are psycopg's, so
SQLAlchemy maps them as it maps any other.
"""

from __future__ import annotations

import enum
import itertools
import re
import select
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import psycopg
from psycopg import errors, pq

PREPARED_KEY = "clientflow.prepared"
"""Connection ``info`` key: names this module prepared on the connection."""
CHECKED_KEY = "clientflow.utf8"
"""Connection ``info`` key: the connection's client encoding is UTF-8."""
MAX_PREPARED = 200
"""Beyond this many statements on one connection, run new ones unprepared."""

_OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)
IDLE = pq.TransactionStatus.IDLE


class Unsupported(Exception):
    """A parameter (or connection) this module does not handle: let psycopg run it."""


def run(
    info: dict[str, Any],
    connection: psycopg.Connection[Any],
    sql: str,
    params: Sequence[Any],
    *,
    commit: bool = False,
) -> list[bytes | None] | None:
    """Run ``sql`` (``%s`` placeholders) and return its first row as text, or ``None``.

    ``info`` is the pooled connection's info dict (cleared when SQLAlchemy
    invalidates or recycles the connection, and our prepared names with it).
    Inside a transaction the statement joins it; on a connection where psycopg
    would have sent ``BEGIN`` first, the ``BEGIN`` goes with the statement.
    With ``commit`` the transaction is committed in the same round trip.
    """
    values = encode(params)  # before anything else: Unsupported must leave the connection as it was
    pgconn = connection.pgconn
    if CHECKED_KEY not in info:
        if pgconn.parameter_status(b"client_encoding") != b"UTF8":
            raise Unsupported("client encoding")
        info[CHECKED_KEY] = True
    idle = pgconn.transaction_status == IDLE
    begin = idle and not connection.autocommit and not commit
    if begin and not _plain_begin(connection):
        raise Unsupported("a configured transaction")  # psycopg's BEGIN says more
    commit = commit and not idle  # idle: the statement is its own transaction anyway

    def attempt() -> pq.abc.PGresult:
        if begin or commit:
            return _pipeline(info, connection, sql, values, begin, commit)
        return _execute(info, connection, sql, values)

    try:
        return _first_row(attempt())
    except errors.InvalidSqlStatementName:
        # dropped behind our back (see forget_prepared); the list is read again next time
        forget_prepared(info)
        if not idle:
            raise  # the step's transaction is lost: the step fails whole and may rerun
    if begin:
        pgconn.exec_(b"ROLLBACK")  # only our BEGIN and the failed statement were in it
    return _first_row(attempt())


def _execute(
    info: dict[str, Any], connection: psycopg.Connection[Any], sql: str, values: list[bytes | None]
) -> pq.abc.PGresult:
    """One statement alone: prepared first if new on this connection."""
    pgconn = connection.pgconn
    name, text = _statement(sql)
    prepared = _prepared(info, pgconn)
    if name not in prepared and len(prepared) < MAX_PREPARED:
        _raise_for(pgconn.prepare(name, text, None), connection)
        prepared.add(name)
    if name in prepared:
        result = pgconn.exec_prepared(name, cast("list[bytes]", values))  # None: NULL
    else:
        result = pgconn.exec_params(text, values)
    return _raise_for(result, connection)


class Encoded(Sequence[Any]):
    """A statement's parameters, already written as text (``text``, see :func:`text`).

    Whoever builds the parameters can write each one as text while it has it
    at hand, in one pass; the values themselves, which psycopg needs if it
    runs the statement instead (see :class:`Unsupported`), are made from
    ``values`` only when something asks for them.
    """

    __slots__ = ("_made", "_values", "text")

    def __init__(self, text: list[bytes | None], values: Callable[[], list[Any]]) -> None:
        self.text = text
        self._values = values
        self._made: list[Any] | None = None

    def values(self) -> list[Any]:
        if self._made is None:
            self._made = self._values()
        return self._made

    def __getitem__(self, index: Any) -> Any:
        return self.values()[index]

    def __len__(self) -> int:
        return len(self.text)

    def __repr__(self) -> str:
        return repr(self.values())


def encode(params: Sequence[Any]) -> list[bytes | None]:
    """The parameters as text, as PostgreSQL reads them (the statement casts each)."""
    if type(params) is Encoded:
        return params.text
    plain = PLAIN
    out: list[bytes | None] = []
    for value in params:
        write = plain.get(type(value))
        out.append(write(value) if write is not None else _text(value))
    return out


def text(value: Any) -> bytes | None:
    """One parameter as text (``None``: NULL); :class:`Unsupported` if text cannot carry it."""
    write = PLAIN.get(type(value))
    return write(value) if write is not None else _text(value)


def _str(value: str) -> bytes:
    if "\0" in value:
        raise Unsupported("NUL in text")  # libpq would cut it short; psycopg refuses it
    return value.encode()


def _isoformat(value: date) -> bytes:
    return value.isoformat().encode()


_last_moment: tuple[datetime | None, bytes] = (None, b"")


def _moment(value: datetime) -> bytes:
    """A step writes its one timestamp many times: the last one's text is kept."""
    global _last_moment
    last = _last_moment  # one tuple, so that threads never see a moment with another's text
    if last[0] is value:
        return last[1]
    written = value.isoformat().encode()
    _last_moment = (value, written)
    return written


PLAIN: dict[type, Callable[[Any], bytes | None]] = {
    type(None): lambda _: None,
    str: _str,
    int: lambda v: b"%d" % v,
    UUID: lambda v: b"%032x" % v.int,  # PostgreSQL reads a uuid without its hyphens too
    datetime: _moment,
    date: _isoformat,
    bool: lambda v: b"t" if v else b"f",
    float: lambda v: repr(v).encode(),
    Decimal: lambda v: str(v).encode(),
}
"""How :func:`text` writes each type it knows (the rest: :func:`_text`)."""


def _text(value: Any) -> bytes | None:
    """What :data:`PLAIN` does not list: enums, ``str`` subclasses, arrays."""
    if isinstance(value, enum.Enum):
        value = value.value  # psycopg would send an enum's name
    elif isinstance(value, str):
        value = str.__str__(value)
    elif type(value) in (list, tuple):
        value = _array(value)
    else:
        raise Unsupported(type(value).__name__)
    write = PLAIN.get(type(value))
    return write(value) if write is not None else _text(value)


def _array(values: Sequence[Any]) -> str:
    """An array literal: ``{"a","b",NULL}``."""
    items = []
    for value in values:
        if type(value) in (list, tuple):
            raise Unsupported("nested array")
        write = PLAIN.get(type(value))
        item = write(value) if write is not None else _text(value)
        if item is None:
            items.append("NULL")
            continue
        text = item.decode()
        items.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


_NAMES: dict[str, tuple[bytes, bytes]] = {}
_COUNTER = itertools.count()
_PLACEHOLDER = re.compile(r"%(s|%)")


def _statement(sql: str) -> tuple[bytes, bytes]:
    """Our name for ``sql`` and its text with ``$n`` placeholders, made once per text."""
    entry = _NAMES.get(sql)
    if entry is None:
        numbers = itertools.count(1)
        text = _PLACEHOLDER.sub(lambda m: "%" if m[1] == "%" else f"${next(numbers)}", sql)
        entry = _NAMES.setdefault(sql, (b"cf_%d" % next(_COUNTER), text.encode()))
    return entry


def forget_prepared(info: dict[str, Any]) -> None:
    """psycopg may have dropped every prepared statement: ask the server before the next use.

    psycopg sends ``DEALLOCATE ALL`` after a ``ROLLBACK`` (and after ``DROP``,
    ``ALTER``, ``DISCARD ALL``) on a connection where it prepared statements
    itself, and ours go with them. ``_db`` calls this on those events.
    """
    if PREPARED_KEY in info:
        info[PREPARED_KEY] = None


def _prepared(info: dict[str, Any], pgconn: pq.abc.PGconn) -> set[bytes]:
    """Our names prepared on the connection: none on a new one; the server's list if in doubt."""
    if PREPARED_KEY not in info:
        prepared: set[bytes] = set()
    else:
        known: set[bytes] | None = info[PREPARED_KEY]
        if known is not None:
            return known
        result = _raise_for(pgconn.exec_(_LIST_PREPARED), None)
        prepared = {result.get_value(row, 0) or b"" for row in range(result.ntuples)}
    info[PREPARED_KEY] = prepared
    return prepared


_LIST_PREPARED = b"SELECT name FROM pg_prepared_statements WHERE name LIKE 'cf\\_%'"


def _plain_begin(connection: psycopg.Connection[Any]) -> bool:
    """psycopg would open a transaction with a plain ``BEGIN`` (no isolation level...)."""
    return (
        connection.isolation_level is None
        and connection.read_only is None
        and connection.deferrable is None
    )


def _pipeline(
    info: dict[str, Any],
    connection: psycopg.Connection[Any],
    sql: str,
    values: list[bytes | None],
    begin: bool,
    commit: bool,
) -> pq.abc.PGresult:
    """``[BEGIN;] [PREPARE;] EXECUTE; [COMMIT;] SYNC`` in one round trip; the statement's result."""
    pgconn = connection.pgconn
    name, text = _statement(sql)
    prepared = _prepared(info, pgconn)
    prepare = name not in prepared and len(prepared) < MAX_PREPARED
    pgconn.enter_pipeline_mode()
    try:
        if begin:
            pgconn.send_query_params(b"BEGIN", None)
        if prepare:
            pgconn.send_prepare(name, text, None)
        if prepare or name in prepared:
            pgconn.send_query_prepared(name, values)
        else:
            pgconn.send_query_params(text, values)
        if commit:
            pgconn.send_query_params(b"COMMIT", None)
        pgconn.pipeline_sync()
        results = _until_sync(pgconn)
    finally:
        if pgconn.pipeline_status != pq.PipelineStatus.OFF and pgconn.status == pq.ConnStatus.OK:
            pgconn.exit_pipeline_mode()
    if prepare and results[begin].status == pq.ExecStatus.COMMAND_OK:
        prepared.add(name)
    for result in results:
        _raise_for(result, connection)  # the first error; those after it were only skipped
    return results[begin + prepare]


def _until_sync(pgconn: pq.abc.PGconn) -> list[pq.abc.PGresult]:
    """Every command's result up to the pipeline's sync point, waiting in ``select``."""
    results: list[pq.abc.PGresult] = []
    while True:
        while pgconn.flush():
            _wait(pgconn.socket, select.POLLOUT)
        while pgconn.is_busy():
            _wait(pgconn.socket, select.POLLIN)
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            if pgconn.status != pq.ConnStatus.OK:
                raise psycopg.OperationalError(pgconn.error_message.decode("utf-8", "replace"))
            continue  # the end of one command's results
        if result.status == pq.ExecStatus.PIPELINE_SYNC:
            return results
        results.append(result)


def _wait(fd: int, event: int) -> None:
    """Block (without the GIL) until ``fd`` is ready for ``event``."""
    poller = select.poll()
    poller.register(fd, event)
    poller.poll()


def _raise_for(
    result: pq.abc.PGresult, connection: psycopg.Connection[Any] | None
) -> pq.abc.PGresult:
    status = result.status
    if status in _OK:
        return result
    if status == pq.ExecStatus.PIPELINE_ABORTED:
        raise errors.InFailedSqlTransaction("skipped: an earlier statement failed")
    if status == pq.ExecStatus.FATAL_ERROR and result.error_field(pq.DiagnosticField.SQLSTATE):
        raise errors.error_from_result(result)
    message = result.error_message or (connection.pgconn.error_message if connection else b"")
    raise psycopg.OperationalError(
        message.decode("utf-8", "replace") or f"unexpected result status {status!r}"
    )


def _first_row(result: pq.abc.PGresult) -> list[bytes | None] | None:
    if result.ntuples == 0:
        return None
    return [result.get_value(0, column) for column in range(result.nfields)]
