"""A step's statements sent straight to libpq (``engine._pq``): what they carry, how many.

On PostgreSQL a start is one statement that commits by itself, and completing
a task is two: the lock (with its ``BEGIN``) and the writes (with their
``COMMIT``). Both are prepared once per connection by the engine itself, so
they must survive psycopg dropping every prepared statement after a rollback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

import pytest
import sqlalchemy as sa

from engine import Database, Engine, _pq, _writes, add_user
from engine.models import AuditEntry, Instance, InstanceStatus, WorkItem, WorkItemStatus

from ..conftest import bundle

SIMPLE = ("simple.bpmn", "enter.json", "approve.json")
TRICKY = "Ромашка \"quoted\" 'single' back\\slash {braces} $1 %s\nline ✓"


def _org(engine: Engine) -> Engine:
    add_user(engine, "anna", groups=["sales"])
    add_user(engine, "boris", groups=["sales_managers"])
    engine.deploy(bundle(*SIMPLE))
    return engine


@pytest.fixture
def org(engine: Engine) -> Engine:
    return _org(engine)


@pytest.fixture
def one_connection(pg_url: str) -> Iterator[Engine]:
    """An engine whose steps share one pooled connection, so that each sees the last's state."""
    engine = Engine(Database(pg_url, pool_size=1, max_overflow=0))
    engine.create_schema()
    yield _org(engine)
    engine.db.dispose()


def _complete_next(engine: Engine, amount: int = 10) -> dict[str, Any]:
    engine.start("simple", {"owner": "anna", "company": "X"})
    item = engine.tasks("anna")[0]
    return engine.complete_task(item["id"], {"amount": amount}, user="anna")


def test_text_parameters_arrive_exactly(org: Engine) -> None:
    inst = org.start("simple", {"owner": "anna", "company": TRICKY, "n": 2**40}, user="anna")
    [item] = org.tasks("anna")
    assert item["title"] == f"Enter amount for {TRICKY}"
    org.complete_task(item["id"], {"amount": 10, "note": TRICKY}, user="anna")
    detail = org.instance(inst["id"])
    assert detail["status"] == "completed"
    assert detail["data"]["company"] == TRICKY
    assert detail["data"]["n"] == 2**40
    done = next(h for h in detail["history"] if h["action"] == "task_completed")
    assert done["after"] == {"amount": 10, "note": TRICKY}
    started = detail["history"][0]
    assert started["after"]["company"] == TRICKY


def test_encode_writes_what_postgresql_reads() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC)
    uid = UUID("12345678-1234-5678-1234-567812345678")
    assert _pq.encode(
        ["a'b", 7, -3, True, False, None, 1.5, Decimal("1.10"), moment, date(2026, 1, 2), uid]
    ) == [
        b"a'b",
        b"7",
        b"-3",
        b"t",
        b"f",
        None,
        b"1.5",
        b"1.10",
        b"2026-01-02T03:04:05.000600+00:00",
        b"2026-01-02",
        b"12345678123456781234567812345678",  # PostgreSQL reads a uuid without hyphens too
    ]
    text = b"2026-01-02T03:04:05.000600+00:00"
    assert _pq.encode([None, moment, None, moment, 0]) == [None, text, None, text, b"0"]
    assert _pq.encode([InstanceStatus.RUNNING]) == [b"running"]
    assert _pq.encode([[uid, None, 'x"\\y']]) == [
        b'{"12345678123456781234567812345678",NULL,"x\\"\\\\y"}'
    ]


@pytest.mark.parametrize("value", ["nul\0inside", object(), [[1]]])
def test_what_text_cannot_carry_goes_to_psycopg(value: Any) -> None:
    with pytest.raises(_pq.Unsupported):
        _pq.encode([value])


def _writes_of_every_kind(note: str) -> _writes.Writes:
    """Writes as a step makes them: a guarded row, updates, deletes, an upsert, inserts."""
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    uid = UUID("12345678-1234-5678-1234-567812345678")
    instance = cast(sa.Table, Instance.__table__)
    items = cast(sa.Table, WorkItem.__table__)
    audit = cast(sa.Table, AuditEntry.__table__)
    guarded = {"id": uid, "status": InstanceStatus.RUNNING, "state": note, "updated_at": now}
    writes = _writes.Writes(guard=_writes.Guard(instance, guarded, "simple", 3))
    writes.delete(items, {"id": [uid, uid], "status": WorkItemStatus.OPEN})
    writes.update(items, uid, {"status": WorkItemStatus.DONE, "completed_at": now})
    writes.upsert(items, [{"id": uid, "priority": 7, "due_at": None}])
    entry = {"instance_id": uid, "at": now, "action": "x", "detail": note, "after": None}
    wide = {"n": 2**70, "d": Decimal("1.10"), "when": now, "s": note}
    writes.insert(audit, [entry, {**entry, "after": wide}, {**entry, "at": datetime.now(UTC)}])
    return writes


def test_a_steps_parameters_are_written_once_as_encode_would() -> None:
    """The writes' text is made while their values are at hand; psycopg gets the values."""
    writes = _writes_of_every_kind(TRICKY)
    sql, params = _writes.pg_statement(writes)
    values = _writes._params(writes)
    assert isinstance(params, _pq.Encoded)
    assert sql.count("%s") == len(params) == len(values)
    assert params.text == _pq.encode(values)
    assert list(params) == values  # what psycopg adapts if it runs the statement instead
    assert any(b'{"n":1180591620717411303424,' in (t or b"") for t in params.text)  # exactly


def test_a_value_text_cannot_carry_leaves_the_step_to_psycopg() -> None:
    writes = _writes_of_every_kind("nul\0inside")
    _, params = _writes.pg_statement(writes)
    assert not isinstance(params, _pq.Encoded)
    assert params == _writes._params(writes)


@pytest.mark.postgres
def test_postgresql_reads_the_text_as_the_values(pg_url: str) -> None:
    db = Database(pg_url)
    uid = UUID("12345678-1234-5678-1234-567812345678")
    moment = datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC)
    try:
        row = db.execute_direct(
            "SELECT %s::uuid::text, (%s::uuid[])[2]::text, %s::timestamptz = %s, %s::text",
            [uid, [None, uid], moment, "2026-01-02 03:04:05.0006+00", InstanceStatus.RUNNING],
        )
    finally:
        db.dispose()
    assert row == [str(uid).encode(), str(uid).encode(), b"t", b"running"]


@dataclass
class Counts:
    sqlalchemy: int = 0
    direct: int = 0
    commits: int = 0
    """Commits through SQLAlchemy (a session's), and statements committing by themselves."""


@contextmanager
def _counting(engine: Engine) -> Iterator[Counts]:
    counts = Counts()
    direct = (engine.db.direct_statements, engine.db.direct_commits)

    def on_execute(*_: Any) -> None:
        counts.sqlalchemy += 1

    def on_commit(*_: Any) -> None:
        counts.commits += 1

    sa.event.listen(engine.db.engine, "before_cursor_execute", on_execute)
    sa.event.listen(engine.db.engine, "commit", on_commit)
    try:
        yield counts
    finally:
        sa.event.remove(engine.db.engine, "before_cursor_execute", on_execute)
        sa.event.remove(engine.db.engine, "commit", on_commit)
        counts.direct = engine.db.direct_statements - direct[0]
        counts.commits += engine.db.direct_commits - direct[1]


@pytest.mark.postgres
def test_start_is_one_statement_and_complete_two(one_connection: Engine) -> None:
    engine = one_connection
    _complete_next(engine)  # the first use of each statement prepares it
    engine.start("simple", {"owner": "anna", "company": "X"})
    [item] = engine.tasks("anna")
    with _counting(engine) as started:
        engine.start("simple", {"owner": "anna", "company": "Y"})
    with _counting(engine) as completed:
        result = engine.complete_task(item["id"], {"amount": 10}, user="anna")
    assert result["status"] == "completed"
    assert (started.sqlalchemy, started.direct, started.commits) == (0, 1, 1)
    assert (completed.sqlalchemy, completed.direct, completed.commits) == (0, 2, 1)


def _prepared(engine: Engine) -> set[str]:
    with engine.session() as session:
        return set(session.scalars(sa.text("SELECT name FROM pg_prepared_statements")))


@pytest.mark.postgres
def test_steps_survive_psycopg_deallocating_after_a_rollback(one_connection: Engine) -> None:
    engine = one_connection
    _complete_next(engine)
    assert any(name.startswith("cf_") for name in _prepared(engine))
    with pytest.raises(RuntimeError), engine.session() as session:
        for _ in range(8):  # psycopg prepares a query of its own after five runs
            session.execute(sa.text("SELECT count(*) FROM work_item")).scalar()
        names = set(session.scalars(sa.text("SELECT name FROM pg_prepared_statements")))
        assert any(name.startswith("_pg3_") for name in names)
        raise RuntimeError("roll back")  # psycopg follows its ROLLBACK with DEALLOCATE ALL
    assert not any(name.startswith("cf_") for name in _prepared(engine))
    assert _complete_next(engine)["status"] == "completed"
    assert _complete_next(engine)["status"] == "completed"


@pytest.mark.postgres
def test_steps_find_their_statements_after_a_plain_rollback(one_connection: Engine) -> None:
    engine = one_connection
    _complete_next(engine)
    with pytest.raises(RuntimeError), engine.session() as session:
        session.execute(sa.text("SELECT 1"))
        raise RuntimeError("roll back")  # psycopg prepared nothing: ours stay on the server
    assert any(name.startswith("cf_") for name in _prepared(engine))
    assert _complete_next(engine)["status"] == "completed"


@pytest.mark.postgres
def test_a_failed_write_leaves_no_trace_and_the_next_step_works(one_connection: Engine) -> None:
    """The writes fail whole (start: one statement; complete: writes and COMMIT together)."""
    engine = one_connection
    _complete_next(engine)
    engine.start("simple", {"owner": "anna", "company": "X"})
    [item] = engine.tasks("anna")
    _execute(
        engine, "ALTER TABLE audit_entry ADD CONSTRAINT no_steps CHECK (action = 'x') NOT VALID"
    )
    before = _rows(engine)
    with pytest.raises(sa.exc.IntegrityError):
        engine.start("simple", {"owner": "anna", "company": "Y"})
    with pytest.raises(sa.exc.IntegrityError):
        engine.complete_task(item["id"], {"amount": 10}, user="anna")
    assert _rows(engine) == before
    assert [t["id"] for t in engine.tasks("anna")] == [item["id"]]
    _execute(engine, "ALTER TABLE audit_entry DROP CONSTRAINT no_steps")
    assert engine.complete_task(item["id"], {"amount": 10}, user="anna")["revision"] == 2
    assert _complete_next(engine)["status"] == "completed"


def _execute(engine: Engine, sql: str) -> None:
    with engine.session() as session:
        session.execute(sa.text(sql))


def _rows(engine: Engine) -> tuple[int, ...]:
    with engine.session() as session:
        return tuple(
            session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("process_instance", "work_item", "audit_entry")
        )
