"""Fixtures of the CRM tests: a real database per backend, a session, and fake steps.

Every test runs on SQLite (a file under a temporary directory) and, when
``CLIENTFLOW_TEST_DATABASE_URL`` is set, on PostgreSQL too, in a schema of its
own that is dropped afterwards (other suites share that database).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

import crm

DATABASE_URL_VARIABLE = "CLIENTFLOW_TEST_DATABASE_URL"


@dataclass(frozen=True)
class StepStub:
    """Stands in for the engine's step context: what ``crm.StepInfo`` asks for."""

    instance_id: str = "instance-1"
    task_id: str = "task-1"
    user: str | None = "alice"


@contextmanager
def in_step(session: Session, step: StepStub | None = None) -> Iterator[StepStub]:
    """Run the block as a process step would: step info set, pending writes flushed at the end.

    This is what the engine does around a step; tests build their data with it.
    """
    step = step or StepStub()
    session.info[crm.STEP_KEY] = step
    try:
        yield step
        session.flush()
    finally:
        session.info.pop(crm.STEP_KEY, None)


@contextmanager
def counting_statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Collect the SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[sa.Engine, sa.Engine]]:
    """``(guarded, maintenance)`` engines on fresh CRM tables.

    The guarded engine has :func:`crm.install_guard`; the maintenance engine does
    not, and only wipes tables between tests, as a migration tool would.
    """
    if request.param == "sqlite":
        engines = _sqlite_engines(tmp_path_factory.mktemp("crm") / "crm.sqlite")
        yield from _with_tables(*engines)
    else:
        yield from _postgresql_engines()


@pytest.fixture
def engine(database: tuple[sa.Engine, sa.Engine]) -> sa.Engine:
    return database[0]


@pytest.fixture
def session(database: tuple[sa.Engine, sa.Engine]) -> Iterator[Session]:
    guarded, maintenance = database
    with Session(guarded) as session:
        yield session
    _wipe(maintenance)


def _sqlite_engines(path: Path) -> tuple[sa.Engine, sa.Engine]:
    engines = sa.create_engine(f"sqlite:///{path}"), sa.create_engine(f"sqlite:///{path}")
    for engine in engines:
        event.listen(engine, "connect", _sqlite_foreign_keys)
    crm.install_guard(engines[0])
    return engines


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _postgresql_engines() -> Iterator[tuple[sa.Engine, sa.Engine]]:
    url = os.environ.get(DATABASE_URL_VARIABLE)
    if not url:
        reason = f"PostgreSQL run skipped: set {DATABASE_URL_VARIABLE} to run the CRM tests on it"
        print(reason)
        pytest.skip(reason)
    schema = f"crm_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    options = {"options": f"-csearch_path={schema}"}
    engines = (
        sa.create_engine(url, connect_args=options),
        sa.create_engine(url, connect_args=options),
    )
    crm.install_guard(engines[0])
    try:
        yield from _with_tables(*engines)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _with_tables(
    guarded: sa.Engine, maintenance: sa.Engine
) -> Iterator[tuple[sa.Engine, sa.Engine]]:
    crm.metadata.create_all(maintenance)
    try:
        yield guarded, maintenance
    finally:
        guarded.dispose()
        crm.metadata.drop_all(maintenance)
        maintenance.dispose()


def _wipe(maintenance: sa.Engine) -> None:
    with maintenance.begin() as conn:
        for table in reversed(crm.metadata.sorted_tables):
            conn.execute(table.delete())
